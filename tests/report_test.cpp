// memsoak report: the summary of synthetic runs whose numbers are known, plots as real files,
// killed and corrupt runs, and the command's exit codes.
#include "soak/report/report.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "harness/allocator_registry.h"
#include "harness/subprocess.h"
#include "harness/units.h"
#include "soak/report/downsample.h"
#include "soak/report/format.h"
#include "soak/report/plots.h"
#include "soak/report/quantiles.h"
#include "soak/report/scan.h"
#include "tests/support/series_generator.h"
#include "tests/support/temp_dir.h"
#include "tests/support/text.h"

namespace memsoak {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using testing::read_file;
using testing::TempDir;

// What a synthetic run's summary must say, worked out while writing it.
struct Expected {
  double peak_rss_bytes = 0;
  double peak_rss_t_s = 0;
  WorkCounters last_work;
  std::size_t samples = 0;
  std::size_t purges = 0;
  double last_t_s = 0;
};

constexpr double kLatencySpikeUs = 50000;

// Per-interval latency percentiles: p50 cycles through 100..109 µs; one interval has a spike.
json latency_of_interval(std::size_t index) {
  const double p50 = 100 + static_cast<double>(index % 10);
  const double p999 = index == 700 ? kLatencySpikeUs : 5000;
  return json{{"query", {{"p50", p50}, {"p99", 900}, {"p999", p999}, {"count", 1000}}},
              {"batch", {{"p50", 2000}, {"p99", 8000}, {"p999", 9000}, {"count", 10}}}};
}

GeneratorParams run_params() {
  GeneratorParams params;
  params.seed = 11;
  params.duration_s = 1200;
  params.ops_per_s = 1000;
  params.purge_interval_s = 300;
  params.rss_decay_per_s = 0.002;
  return params;
}

GeneratorParams leaking_params() {
  GeneratorParams params = run_params();
  params.leak_bytes_per_op = 64;
  return params;
}

// `header_extra` joins the header's extra fields (soak/run_header.cpp writes such fields).
Expected write_run(const fs::path& dir, const GeneratorParams& params, bool finished = true,
                   const json& header_extra = json::object()) {
  SeriesWriter writer((dir / run_dir::kSeries).string());
  SeriesHeader header;
  header.scenario = "shared-arena";
  header.allocator = "jemalloc";
  header.command = "memsoak run --scenario shared-arena --allocator jemalloc --seed 11";
  header.seed = 11;
  header.kernel = "6.1.0";
  header.extra["serving_allocator"] = {{"name", "jemalloc"}, {"version", "5.3.0"}};
  header.extra.update(header_extra);
  writer.write(header);
  Expected expected;
  SeriesGenerator generator(params);
  while (auto record = generator.next()) {
    if (auto* sample = std::get_if<SeriesSample>(&*record)) {
      sample->extra["latency_us"] = latency_of_interval(expected.samples);
      if (sample->memory.rss_bytes > expected.peak_rss_bytes) {
        expected.peak_rss_bytes = sample->memory.rss_bytes;
        expected.peak_rss_t_s = sample->t_s;
      }
      expected.last_work = sample->work;
      expected.last_t_s = sample->t_s;
      ++expected.samples;
    } else {
      ++expected.purges;
    }
    writer.write(*record);
  }
  if (finished) writer.write(SeriesEnd{expected.last_t_s, "duration"});
  return expected;
}

struct Outcome {
  int exit_code = 0;
  std::string out;
  std::string err;
  json summary() const { return json::parse(out); }
};

Outcome report(const fs::path& dir, bool as_json, std::optional<fs::path> gnuplot = std::nullopt,
               PlotFormat format = PlotFormat::kPng) {
  std::ostringstream out;
  std::ostringstream err;
  const int code = run_report(ReportOptions{dir, format, as_json, std::move(gnuplot)}, out, err);
  return {code, out.str(), err.str()};
}

TEST(QuantileSketch, GivesQuantilesWithinOnePercentAndTheExactMaximum) {
  QuantileSketch sketch;
  for (int value = 1; value <= 1001; ++value) sketch.add(value);
  EXPECT_NEAR(sketch.quantile(0.5), 501, 501 * 0.01);
  EXPECT_NEAR(sketch.quantile(0.99), 991, 991 * 0.01);
  EXPECT_EQ(sketch.max(), 1001);
  EXPECT_EQ(sketch.count(), 1001U);
  EXPECT_EQ(QuantileSketch{}.quantile(0.5), 0);
}

TEST(QuantileSketch, CountsZerosBelowEveryPositiveValue) {
  QuantileSketch sketch;
  for (int i = 0; i < 3; ++i) sketch.add(0);
  sketch.add(10);
  EXPECT_EQ(sketch.quantile(0.5), 0);
  EXPECT_NEAR(sketch.quantile(1), 10, 0.1);
}

TEST(Downsampler, StaysBoundedKeepsSpikesAndMeans) {
  Downsampler plot(8);
  const std::size_t value = plot.channel("value");
  const std::size_t rare = plot.channel("rare");
  double sum = 0;
  for (int i = 0; i < 1000; ++i) {
    plot.add_sample(i, 10.0 * i);
    const double reading = i == 777 ? 1e6 : 1.0 * (i % 4);
    sum += reading;
    plot.add_value(value, reading);
    if (i == 3) plot.add_value(rare, 42);
  }
  const std::vector<PlotPoint> points = plot.points();
  ASSERT_LE(points.size(), 9U);
  double spike = 0;
  double merged_sum = 0;
  std::size_t samples = 0;
  for (const PlotPoint& point : points) {
    spike = std::max(spike, point.band(value)->values.max);
    merged_sum += point.band(value)->values.sum;
    samples += point.samples;
  }
  EXPECT_EQ(spike, 1e6);
  EXPECT_EQ(merged_sum, sum);
  EXPECT_EQ(samples, 1000U);
  ASSERT_NE(points.front().band(rare), nullptr);
  EXPECT_EQ(points.front().band(rare)->mean(), 42);
  EXPECT_EQ(points.back().band(rare), nullptr);
  EXPECT_LT(points.front().t_s(), points.back().t_s());
}

TEST(FittedTrend, PassesThroughThePointsOfTheWindowWithTheVerdictsSlope) {
  Downsampler plot(64);
  const std::size_t live = plot.channel("live");
  for (int i = 0; i < 40; ++i) {
    plot.add_sample(i, 100.0 * i);
    plot.add_value(live, i < 10 ? 0 : 1000 + 5 * (100.0 * i));  // a warm-up, then a line
  }
  VerdictSummary verdict;
  verdict.work_unit = "op";
  verdict.bytes_per_work = {5, 4.5, 5.5};
  verdict.window_start = {10, 1000};
  verdict.window_end = {39, 3900};
  const auto trend = fitted_trend(plot.points(), live, verdict);
  ASSERT_TRUE(trend.has_value());
  EXPECT_DOUBLE_EQ(trend->intercept_bytes, 1000);
  EXPECT_EQ(trend->from_work, 1000);
  EXPECT_EQ(trend->to_work, 3900);
  EXPECT_NE(trend->label.find("5 B/op (interval 4.5 B to 5.5 B)"), std::string::npos)
      << trend->label;
}

TEST(WorkInUnit, SumsForOpsAndReadsOneCounterSingularOrPlural) {
  const WorkCounters work{{"queries", 30}, {"docs", 12}};
  EXPECT_EQ(work_in_verdict_unit(work, "op"), 42);
  EXPECT_EQ(work_in_verdict_unit(work, "query"), 30);
  EXPECT_EQ(work_in_verdict_unit(work, "docs"), 12);
  EXPECT_THROW(work_in_verdict_unit(work, "batch"), SeriesError);
}

TEST(Report, SummarizesAKnownRunWithTheRightNumbers) {
  TempDir dir;
  const Expected expected = write_run(dir.path(), leaking_params());
  const Outcome outcome = report(dir.path(), true);
  EXPECT_EQ(outcome.exit_code, 3) << "no gnuplot given: the summary without plots";
  const json summary = outcome.summary();

  const json& run = summary["run"];
  EXPECT_EQ(run["scenario"], "shared-arena");
  EXPECT_EQ(run["allocator_version"], "5.3.0");
  EXPECT_TRUE(run["finished"].get<bool>());
  EXPECT_EQ(run["samples"], expected.samples);
  EXPECT_EQ(run["duration_s"], expected.last_t_s);
  for (const auto& [name, count] : expected.last_work) {
    EXPECT_EQ(summary["work"][name]["done"], count);
    EXPECT_DOUBLE_EQ(summary["work"][name]["per_second"].get<double>(), count / expected.last_t_s);
  }
  EXPECT_EQ(summary["memory"]["peak_rss_bytes"], expected.peak_rss_bytes);
  EXPECT_EQ(summary["memory"]["peak_rss_t_s"], expected.peak_rss_t_s);
  EXPECT_EQ(summary["purges"]["count"], expected.purges);

  const json& verdict = summary["verdict"];
  EXPECT_EQ(verdict["origin"], "recomputed");
  EXPECT_EQ(verdict["verdict"], "leak");
  EXPECT_TRUE(verdict["fail"].get<bool>());
  EXPECT_LT(verdict["bytes_per_work"]["lower"].get<double>(), 64);
  EXPECT_GT(verdict["bytes_per_work"]["upper"].get<double>(), 64);

  const json& query = summary["latency_us"]["query"];
  EXPECT_EQ(query["intervals"], expected.samples);
  EXPECT_EQ(query["operations"], 1000.0 * static_cast<double>(expected.samples));
  EXPECT_NEAR(query["p50"]["median_us"].get<double>(), 104.5, 1.1);
  EXPECT_EQ(query["p50"]["worst_us"], 109);
  EXPECT_NEAR(query["p999"]["median_us"].get<double>(), 5000, 50);
  EXPECT_EQ(query["p999"]["worst_us"], kLatencySpikeUs);
  EXPECT_EQ(summary["plots"]["status"], "no-gnuplot");
}

TEST(Report, PrintsTheTextSummaryAndKeepsItAsReportTxt) {
  TempDir dir;
  const Expected expected = write_run(dir.path(), leaking_params());
  const Outcome outcome = report(dir.path(), false);
  const std::string& text = outcome.out;
  EXPECT_EQ(read_file(dir.path() / run_dir::kReportText), text);
  for (const std::string& wanted :
       {std::string("shared-arena (seed 11)"), std::string("jemalloc 5.3.0"),
        std::string("memsoak run --scenario shared-arena --allocator jemalloc --seed 11"),
        std::string("finished (duration)"), std::string("Verdict: leak (fail), re-computed"),
        std::string("growth began"), "peak RSS       " + format_bytes(expected.peak_rss_bytes),
        fmt::format("queries        {} done, {}/s", format_count(expected.last_work.at("queries")),
                    format_count(expected.last_work.at("queries") / expected.last_t_s)),
        std::string("104 µs (109 µs)"), std::string(" ms (50.0 ms)"),
        std::string("Purge checkpoints"), std::string("apt-get install gnuplot-nox")}) {
    EXPECT_NE(text.find(wanted), std::string::npos) << "missing \"" << wanted << "\" in\n" << text;
  }
  EXPECT_NE(outcome.err.find("gnuplot-nox"), std::string::npos) << outcome.err;
  EXPECT_TRUE(fs::exists(dir.path() / run_dir::kPlotScript))
      << "kept for a later `gnuplot report.gp`";
}

// A high-water verdict on live bytes, as a run of run_params() would write it.
Verdict high_water_written_by_the_run(std::string work_unit) {
  Verdict written;
  written.shape = Shape::kHighWater;
  written.signal = "live_bytes";
  written.work_unit = std::move(work_unit);
  written.window_end = {1200, 960000};
  return written;
}

TEST(Report, PrefersTheRunsVerdictFile) {
  TempDir dir;
  write_run(dir.path(), run_params());
  Verdict written = high_water_written_by_the_run("query");
  written.bytes_per_work = {0.5, -0.1, 1.1};
  written.explanation = "written by the run";
  std::ofstream(dir.path() / run_dir::kVerdict) << to_json(written).dump();
  const json summary = report(dir.path(), true).summary();
  EXPECT_EQ(summary["verdict"]["origin"], "verdict.json");
  EXPECT_EQ(summary["verdict"]["verdict"], "high-water");
  EXPECT_EQ(summary["verdict"]["explanation"], "written by the run");
}

TEST(Report, SaysWhenTheSlopeHasNoIntervalInsteadOfPrintingInfinities) {
  TempDir dir;
  write_run(dir.path(), run_params());
  Verdict written = high_water_written_by_the_run("op");
  written.bytes_per_work = {812, -std::numeric_limits<double>::infinity(),
                            std::numeric_limits<double>::infinity()};
  written.explanation = "a step";
  std::ofstream(dir.path() / run_dir::kVerdict) << to_json(written).dump();
  const Outcome outcome = report(dir.path(), false);
  const std::string& text = outcome.out;
  EXPECT_NE(text.find("812 B/op (unbounded at the detector's confidence"), std::string::npos)
      << text << outcome.err;
  EXPECT_EQ(text.find("inf"), std::string::npos) << text;
}

TEST(Report, RecomputesWithTheDetectorSettingsTheRunRecorded) {
  TempDir dir;
  write_run(
      dir.path(), leaking_params(), false,
      json{{"detector", {{"work_unit", "query"}, {"warmup_s", 60}, {"fail_on", json::array()}}}});
  const json verdict = report(dir.path(), true).summary()["verdict"];
  EXPECT_EQ(verdict["work_unit"], "query");
  EXPECT_EQ(verdict["verdict"], "leak");
  EXPECT_FALSE(verdict["fail"].get<bool>()) << "this run failed on nothing";
  // 64 B per operation, of which 80 % are queries: 80 B per query.
  EXPECT_LT(verdict["bytes_per_work"]["lower"].get<double>(), 80);
  EXPECT_GT(verdict["bytes_per_work"]["upper"].get<double>(), 80);
}

TEST(Report, RejectsDetectorSettingsOfTheWrongType) {
  TempDir dir;
  write_run(dir.path(), run_params(), true, json{{"detector", {{"min_points", "many"}}}});
  const Outcome outcome = report(dir.path(), false);
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_NE(outcome.err.find("\"detector\".\"min_points\" is \"many\""), std::string::npos)
      << outcome.err;
}

TEST(Report, NamesAnAllocatorThatDidNotServeMalloc) {
  TempDir dir;
  write_run(dir.path(), run_params(), true,
            json{{"serving_allocator", {{"name", "system"}, {"version", nullptr}}}});
  EXPECT_NE(report(dir.path(), false).out.find("jemalloc was asked for, but system served malloc"),
            std::string::npos);
}

TEST(Report, ReportsAKilledRunFromTheDataSoFar) {
  TempDir dir;
  write_run(dir.path(), leaking_params(), false);
  std::ofstream(dir.path() / run_dir::kSeries, std::ios::app) << R"({"type":"sample","t_s":12)";
  const Outcome outcome = report(dir.path(), false);
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_NE(outcome.out.find("did not finish"), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find("cut-off last line was skipped"), std::string::npos);
  EXPECT_NE(outcome.out.find("run did not finish; verdict from the data so far"),
            std::string::npos);
}

TEST(Report, SaysWhenTheDataCannotDecideYet) {
  TempDir dir;
  GeneratorParams short_run = run_params();
  short_run.duration_s = 30;
  write_run(dir.path(), short_run, false);
  const Outcome outcome = report(dir.path(), false);
  EXPECT_NE(outcome.out.find("Verdict: undecided"), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find("too little data"), std::string::npos) << outcome.out;
}

TEST(Report, ShowsARunVerdictThatCouldNotDecideAsUndecided) {
  TempDir dir;
  write_run(dir.path(), run_params());
  Verdict undecided;
  undecided.work_unit = "op";
  undecided.explanation = "Not enough samples after the warm-up to decide yet (9 so far).";
  std::ofstream(dir.path() / run_dir::kVerdict) << to_json(undecided).dump();
  const std::string text = report(dir.path(), false).out;
  EXPECT_NE(text.find("Verdict: undecided (from verdict.json"), std::string::npos) << text;
  EXPECT_NE(text.find("(9 so far)"), std::string::npos) << text;
}

TEST(Report, RejectsAMissingDirectoryAMissingSeriesAndACorruptOne) {
  TempDir dir;
  Outcome outcome = report(dir.path() / "absent", false);
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_NE(outcome.err.find("no such directory"), std::string::npos) << outcome.err;

  outcome = report(dir.path(), false);
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_NE(outcome.err.find("no series.jsonl"), std::string::npos) << outcome.err;

  write_run(dir.path(), run_params());
  std::string series = read_file(dir.path() / run_dir::kSeries);
  series.insert(series.find('\n', series.find('\n') + 1) + 1, "{\"type\": \"sample\", oops}\n");
  std::ofstream(dir.path() / run_dir::kSeries) << series;
  outcome = report(dir.path(), false);
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_NE(outcome.err.find("series.jsonl:3:"), std::string::npos) << outcome.err;
  EXPECT_FALSE(fs::exists(dir.path() / run_dir::kReportText));
}

TEST(Report, ReportsARunKilledBeforeItsFirstSample) {
  TempDir dir;
  SeriesWriter((dir.path() / run_dir::kSeries).string()).write(SeriesHeader{});
  const Outcome outcome = report(dir.path(), false, fs::path("/bin/false"));
  EXPECT_EQ(outcome.exit_code, 0) << "nothing to plot is not a failure to plot";
  EXPECT_NE(outcome.out.find("Verdict: undecided"), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find("the series holds no sample yet"), std::string::npos) << outcome.out;

  std::ofstream(dir.path() / run_dir::kSeries) << R"({"type":"header","format":"mems)";
  const Outcome cut = report(dir.path(), false);
  EXPECT_EQ(cut.exit_code, 2);
  EXPECT_NE(cut.err.find("the header line is incomplete"), std::string::npos) << cut.err;
}

TEST(Report, RejectsAVerdictFileThatIsNotAVerdict) {
  TempDir dir;
  write_run(dir.path(), run_params());
  std::ofstream(dir.path() / run_dir::kVerdict) << R"({"verdict": "leak"})";
  const Outcome outcome = report(dir.path(), false);
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_NE(outcome.err.find("verdict.json: not a memsoak verdict: no \"fail\" field"),
            std::string::npos)
      << outcome.err;
}

TEST(ReportPlots, DrawsPngAndSvgFilesWithGnuplot) {
  const auto gnuplot = find_in_path("gnuplot");
  if (!gnuplot) GTEST_SKIP() << "gnuplot is not installed (apt-get install gnuplot-nox)";
  TempDir dir;
  write_run(dir.path(), leaking_params());
  const Outcome png = report(dir.path(), true, gnuplot);
  ASSERT_EQ(png.exit_code, 0) << png.err;
  const std::vector<std::string> files = png.summary()["plots"]["files"];
  EXPECT_EQ(files, (std::vector<std::string>{"memory_vs_time.png", "memory_vs_work.png",
                                             "rss_minus_live.png", "latency.png"}));
  for (const std::string& file : files) {
    const std::string bytes = read_file(dir.path() / file);
    EXPECT_GT(bytes.size(), 10000U) << file;
    EXPECT_EQ(bytes.substr(0, 8), "\x89PNG\r\n\x1a\n") << file;
  }
  const Outcome svg = report(dir.path(), true, gnuplot, PlotFormat::kSvg);
  ASSERT_EQ(svg.exit_code, 0) << svg.err;
  const std::vector<std::string> svg_files = svg.summary()["plots"]["files"];
  for (const std::string& file : svg_files) {
    const std::string text = read_file(dir.path() / file);
    EXPECT_NE(text.find("<svg"), std::string::npos) << file;
    EXPECT_NE(text.find("</svg>"), std::string::npos) << file;
  }
}

TEST(ReportPlots, ReportsAGnuplotThatFails) {
  TempDir dir;
  write_run(dir.path(), run_params());
  const Outcome outcome = report(dir.path(), false, fs::path("/bin/false"));
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_NE(outcome.err.find("gnuplot (/bin/false) failed"), std::string::npos) << outcome.err;
  EXPECT_TRUE(fs::exists(dir.path() / run_dir::kReportText));
}

TEST(ReportScan, KeepsThePlotDataBoundedAndItsSpikes) {
  TempDir dir;
  write_run(dir.path(), run_params());
  const RunScan scan = scan_series(dir.path() / run_dir::kSeries, ScanOptions{"op", 64, nullptr});
  const std::vector<PlotPoint> points = scan.plot.points();
  EXPECT_LE(points.size(), 65U);
  const std::size_t p999 = *scan.plot.find_channel(latency_channel("query", "p999"));
  double worst = 0;
  for (const PlotPoint& point : points) worst = std::max(worst, point.band(p999)->values.max);
  EXPECT_EQ(worst, kLatencySpikeUs);
}

TEST(ReportCommand, ExitsTwoOnAMissingDirectoryAndThreeWithoutGnuplot) {
  const std::vector<std::string> environment{"PATH=/nonexistent"};
  CapturedRun run = run_capturing(
      std::vector<std::string>{MEMSOAK_BINARY, "report", "/nonexistent/run"}, environment);
  EXPECT_EQ(run.exit_code, 2) << run.stderr_text;
  EXPECT_NE(run.stderr_text.find("no such directory"), std::string::npos) << run.stderr_text;

  TempDir dir;
  write_run(dir.path(), run_params());
  run = run_capturing(
      std::vector<std::string>{MEMSOAK_BINARY, "report", dir.path().string(), "--format", "svg"},
      environment);
  EXPECT_EQ(run.exit_code, 3) << run.stderr_text;
  EXPECT_NE(run.stdout_text.find("Verdict: bounded (pass)"), std::string::npos) << run.stdout_text;
  EXPECT_NE(run.stderr_text.find("apt-get install gnuplot-nox"), std::string::npos);
}

TEST(ReportCommand, DrawsThePlotsWithTheInstalledGnuplot) {
  if (!find_in_path("gnuplot")) GTEST_SKIP() << "gnuplot is not installed";
  TempDir dir;
  write_run(dir.path(), run_params());
  const CapturedRun run =
      run_capturing(std::vector<std::string>{MEMSOAK_BINARY, "report", dir.path().string()},
                    current_environment());
  EXPECT_EQ(run.exit_code, 0) << run.stderr_text;
  EXPECT_GT(fs::file_size(dir.path() / "memory_vs_work.png"), 0U);
}

}  // namespace
}  // namespace memsoak

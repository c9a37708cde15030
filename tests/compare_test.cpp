// memsoak compare: the statistics over repeats (soak/compare/repeats.h), the tables
// (soak/compare/comparison.h), and a short real comparison through the command.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/allocator_registry.h"
#include "harness/sanitizer_build.h"
#include "harness/subprocess.h"
#include "soak/compare/comparison.h"
#include "soak/compare/comparison_plots.h"
#include "soak/compare/repeats.h"
#include "soak/report/plots.h"
#include "tests/support/temp_dir.h"

namespace memsoak {
namespace {

TEST(MedianInterval, NineRepeatsGiveTheSecondAndEighthValuesAt96Percent) {
  const std::vector<double> values{9, 1, 8, 2, 7, 3, 6, 4, 5};
  const MedianInterval interval = median_interval(values);
  EXPECT_EQ(interval.median, 5);
  EXPECT_EQ(interval.lower, 2);
  EXPECT_EQ(interval.upper, 8);
  EXPECT_NEAR(interval.coverage, 1 - 2 * 10.0 / 512, 1e-12);  // 1 - 2 P(X <= 1), X ~ B(9, 1/2)
  EXPECT_EQ(interval.values, 9U);
}

TEST(MedianInterval, FewRepeatsGiveTheRangeAndSayHowSureItIs) {
  const std::vector<double> five{3, 1, 2, 5, 4};
  const MedianInterval interval = median_interval(five);
  EXPECT_EQ(interval.lower, 1);
  EXPECT_EQ(interval.upper, 5);
  EXPECT_DOUBLE_EQ(interval.coverage, 1 - 2.0 / 32);
  const std::vector<double> two{4, 2};
  EXPECT_EQ(median_interval(two).median, 3);
  EXPECT_DOUBLE_EQ(median_interval(two).coverage, 0.5);
  EXPECT_THROW(median_interval(std::vector<double>{}), std::invalid_argument);
}

TEST(PairedRatio, PairsRunsOfTheSameRepeatAndSkipsAZeroBaseline) {
  // Drift: repeat 2 ran on a slower machine for both; the paired ratios stay at 1.5.
  const std::vector<double> values{150, 75, 30, 9};
  const std::vector<double> baseline{100, 50, 20, 0};
  const std::optional<MedianInterval> ratio = paired_ratio(values, baseline);
  ASSERT_TRUE(ratio);
  EXPECT_EQ(ratio->values, 3U);
  EXPECT_DOUBLE_EQ(ratio->median, 1.5);
  EXPECT_DOUBLE_EQ(ratio->lower, 1.5);
  EXPECT_FALSE(ratio->contains(1));
  // A purge that gave nothing back under the baseline in every repeat: no ratio to take.
  EXPECT_FALSE(paired_ratio(values, std::vector<double>(4, 0.0)));
}

TEST(InterleavedOrder, EveryCellRunsAtEveryPositionOfARound) {
  const std::size_t cells = 3;
  const std::vector<std::size_t> order = interleaved_order(cells, cells);
  ASSERT_EQ(order.size(), 9U);
  for (std::size_t cell = 0; cell < cells; ++cell) {
    std::vector<std::size_t> positions;
    for (std::size_t i = 0; i < order.size(); ++i) {
      if (order[i] == cell) positions.push_back(i % cells);
    }
    std::sort(positions.begin(), positions.end());
    EXPECT_EQ(positions, (std::vector<std::size_t>{0, 1, 2})) << "cell " << cell;
  }
}

RunMetrics run_with(double queries_per_s, double peak_rss_bytes, const std::string& verdict) {
  RunMetrics run;
  run.values = {{"queries_per_s", queries_per_s}, {"peak_rss_bytes", peak_rss_bytes}};
  run.counters = {"queries"};
  run.row.verdict = verdict;
  run.row.expected = "bounded";
  run.row.outcome = verdict == "bounded" ? CiOutcome::kPass : CiOutcome::kFail;
  run.row.message = "verdict " + verdict + ", expected bounded";
  run.row.reproduce = "memsoak run --scenario healthy --allocator " + std::to_string(queries_per_s);
  return run;
}

TEST(Comparison, ReadsEachRatioAsBetterWorseOrSameAndListsUnexpectedVerdicts) {
  const std::vector<Cell> cells{
      {"healthy",
       "jemalloc",
       {run_with(2000, 200e6, "bounded"), run_with(2100, 210e6, "bounded"),
        run_with(1900, 190e6, "leak")}},
      {"healthy",
       "system",
       {run_with(1000, 100e6, "bounded"), run_with(1050, 105e6, "bounded"),
        run_with(950, 95e6, "bounded")}},
      {"healthy",
       "mimalloc",
       {run_with(1100, 100e6, "bounded"), run_with(1000, 105e6, "bounded"),
        run_with(900, 95e6, "bounded")}},
  };
  const std::vector<ScenarioTable> tables = compare_cells(cells, "system");
  ASSERT_EQ(tables.size(), 1U);
  ASSERT_EQ(tables[0].columns.size(), 3U);
  EXPECT_EQ(tables[0].columns[0].allocator, "system");  // the baseline first
  EXPECT_FALSE(tables[0].columns[0].metrics[0].ratio);
  const std::string text = comparison_text(tables);
  EXPECT_NE(text.find("2.00 (2.00-2.00) better"), std::string::npos) << text;  // queries/s
  EXPECT_NE(text.find("2.00 (2.00-2.00) worse"), std::string::npos) << text;   // peak RSS
  EXPECT_NE(text.find(" same"), std::string::npos) << text;                    // mimalloc
  EXPECT_NE(text.find("bounded x2, leak x1"), std::string::npos) << text;
  EXPECT_NE(
      text.find(
          "under jemalloc, 1 of 3 runs: verdict leak, expected bounded; reproduce: memsoak run"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("75 % with 3 repeats"), std::string::npos) << text;
  const nlohmann::json json = comparison_json(tables);
  const nlohmann::json& jemalloc = json["scenarios"][0]["allocators"]["jemalloc"];
  EXPECT_EQ(jemalloc["metrics"]["queries_per_s"]["median"], 2000);
  EXPECT_EQ(jemalloc["metrics"]["queries_per_s"]["ratio_to_baseline"]["median"], 2);
  EXPECT_EQ(jemalloc["verdicts"]["leak"], 1);
  EXPECT_NE(comparison_markdown(tables).find("| queries/s | 1000/s (950-1050) |"),
            std::string::npos);
}

RunMetrics run_with_latencies(std::vector<LatencyBucketCount> query_latencies) {
  RunMetrics run = run_with(1000, 100e6, "bounded");
  run.latency_histograms["query"] = std::move(query_latencies);
  return run;
}

TEST(ComparisonPlots, DrawRatesAgainstPeakRssAndEachAllocatorsLatencyTail) {
  const std::vector<Cell> cells{
      {"healthy", "system", {run_with_latencies({{10, 90}, {100, 9}, {1000, 1}})}},
      {"healthy", "jemalloc", {run_with_latencies({{10, 40}}), run_with_latencies({{20, 60}})}},
  };
  const ComparisonPlots plots = comparison_plots(cells, PlotFormat::kSvg);
  EXPECT_EQ(plots.outputs, (std::vector<std::string>{"comparison-healthy-queries-vs-peak-rss.svg",
                                                     "comparison-healthy-query-latency.svg"}));
  // The rate against peak RSS in MiB, a point per run.
  EXPECT_NE(plots.script.find("# system\n95.367 1000.000\n"), std::string::npos) << plots.script;
  // The fraction slower than each bucket's bound; none slower than the last: not on a log axis.
  EXPECT_NE(plots.script.find("# system\n10 0.1\n100 0.01\n\n"), std::string::npos) << plots.script;
  // Both runs of jemalloc taken together: 40 of 100 at most 10 us.
  EXPECT_NE(plots.script.find("# jemalloc\n10 0.6\n\n"), std::string::npos) << plots.script;
  EXPECT_NE(plots.script.find("set terminal svg"), std::string::npos);
}

TEST(ComparisonPlots, NothingToDrawWithoutRatesOrLatencies) {
  RunMetrics run = run_with(1000, 100e6, "bounded");
  run.counters.clear();
  EXPECT_TRUE(comparison_plots({{"watched", "system", {run}}}, PlotFormat::kPng).outputs.empty());
}

// A short real comparison: two allocators, two repeats; the table's shape, not its speed.
TEST(CompareCommand, RunsEveryCellEveryRepeatAndWritesTheTables) {
  if (kSanitizerOwnsMalloc) GTEST_SKIP() << "a sanitizer build can choose `system` alone";
  const testing::TempDir dir;
  const auto out = dir.path() / "comparison";
  const CapturedRun run = run_capturing(
      std::vector<std::string>{MEMSOAK_BINARY, "compare", "--scenario", "healthy", "--allocator",
                               "system,jemalloc", "--duration", "3s", "--repeat", "2", "--out",
                               out.string(), "--format", "json"},
      current_environment());
  // 1 when a run decided other than `memsoak list` expects, which 3 s of healthy may.
  ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.stderr_text;
  const nlohmann::json json = nlohmann::json::parse(run.stdout_text);
  const nlohmann::json& allocators = json["scenarios"][0]["allocators"];
  for (const char* allocator : {"system", "jemalloc"}) {
    ASSERT_TRUE(allocators.contains(allocator)) << json.dump(2);
    EXPECT_EQ(allocators[allocator]["metrics"]["queries_per_s"]["repeats"], 2);
    EXPECT_GT(allocators[allocator]["metrics"]["peak_rss_bytes"]["median"].get<double>(), 0);
  }
  EXPECT_TRUE(allocators["jemalloc"]["metrics"]["queries_per_s"].contains("ratio_to_baseline"));
  for (const char* file : {"comparison.txt", "comparison.md", "comparison.json", "comparison.gp",
                           "healthy-system-r1/series.jsonl", "healthy-jemalloc-r2/verdict.json"}) {
    EXPECT_TRUE(std::filesystem::exists(out / file)) << file;
  }
  if (find_in_path("gnuplot")) {
    for (const char* plot :
         {"comparison-healthy-queries-vs-peak-rss.png", "comparison-healthy-query-latency.png",
          "comparison-healthy-batch-latency.png"}) {
      EXPECT_GT(std::filesystem::file_size(out / plot), 0U) << plot;
    }
  }
  EXPECT_NE(run.stderr_text.find("compare: run 4/4"), std::string::npos) << run.stderr_text;

  // The same runs' tables again, against another baseline, without running anything.
  const CapturedRun again = run_capturing(
      std::vector<std::string>{MEMSOAK_BINARY, "compare", "--tables-from", out.string(),
                               "--baseline", "jemalloc", "--format", "json"},
      current_environment());
  ASSERT_EQ(again.exit_code, run.exit_code) << again.stderr_text;
  const nlohmann::json rerendered = nlohmann::json::parse(again.stdout_text);
  EXPECT_EQ(rerendered["scenarios"][0]["baseline"], "jemalloc");
  EXPECT_EQ(
      rerendered["scenarios"][0]["allocators"]["system"]["metrics"]["peak_rss_bytes"]["median"],
      allocators["system"]["metrics"]["peak_rss_bytes"]["median"]);
  EXPECT_TRUE(
      rerendered["scenarios"][0]["allocators"]["system"]["metrics"]["queries_per_s"].contains(
          "ratio_to_baseline"));
}

// Allocators compared on a process of the user's own: `memsoak watch` under each preload.
TEST(CompareCommand, WatchesACommandUnderEachAllocator) {
  if (kSanitizerOwnsMalloc) GTEST_SKIP() << "a sanitizer build can choose `system` alone";
  const testing::TempDir dir;
  const auto out = dir.path() / "comparison";
  const CapturedRun run = run_capturing(std::vector<std::string>{MEMSOAK_BINARY,
                                                                 "compare",
                                                                 "--watch",
                                                                 "--allocator",
                                                                 "system,jemalloc",
                                                                 "--duration",
                                                                 "2s",
                                                                 "--repeat",
                                                                 "2",
                                                                 "--out",
                                                                 out.string(),
                                                                 "--format",
                                                                 "json",
                                                                 "--",
                                                                 "--work",
                                                                 "requests=stdout:served ([0-9]+)",
                                                                 "--",
                                                                 WATCHED_SERVICE,
                                                                 "steady",
                                                                 "--rate",
                                                                 "2000"},
                                        current_environment());
  ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.stderr_text;
  const nlohmann::json json = nlohmann::json::parse(run.stdout_text);
  EXPECT_EQ(json["scenarios"][0]["scenario"], "watched_service");
  const nlohmann::json& allocators = json["scenarios"][0]["allocators"];
  for (const char* allocator : {"system", "jemalloc"}) {
    ASSERT_TRUE(allocators.contains(allocator)) << json.dump(2);
    const nlohmann::json& metrics = allocators[allocator]["metrics"];
    EXPECT_EQ(metrics["requests_per_s"]["repeats"], 2) << json.dump(2);
    EXPECT_GT(metrics["peak_rss_bytes"]["median"].get<double>(), 0);
    EXPECT_FALSE(metrics.contains("query_p50_us"));  // a foreign process has no latencies here
  }
  EXPECT_TRUE(std::filesystem::exists(out / "watched_service-jemalloc-r2" / "series.jsonl"));
  if (find_in_path("gnuplot")) {
    EXPECT_TRUE(
        std::filesystem::exists(out / "comparison-watched_service-requests-vs-peak-rss.png"));
  }
}

TEST(CompareCommand, WatchWantsACommand) {
  const testing::TempDir dir;
  const CapturedRun run = run_capturing(
      std::vector<std::string>{MEMSOAK_BINARY, "compare", "--watch", "--allocator", "system",
                               "--out", (dir.path() / "c").string(), "--", "--work", "n=file:x"},
      current_environment());
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.stderr_text.find("watch's flags, -- and the command"), std::string::npos)
      << run.stderr_text;
}

TEST(CompareCommand, ABaselineNotComparedIsAUsageError) {
  const testing::TempDir dir;
  const CapturedRun run =
      run_capturing(std::vector<std::string>{MEMSOAK_BINARY, "compare", "--scenario", "healthy",
                                             "--allocator", "jemalloc", "--baseline", "system",
                                             "--out", (dir.path() / "c").string()},
                    current_environment());
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.stderr_text.find("--baseline system is not among --allocator jemalloc"),
            std::string::npos)
      << run.stderr_text;
}

}  // namespace
}  // namespace memsoak

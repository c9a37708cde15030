#include "soak/report/summary.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <sstream>

#include "harness/units.h"
#include "soak/report/format.h"

namespace memsoak {
namespace {

using nlohmann::json;

constexpr std::size_t kTextWidth = 96;

// JSON has no infinity: an unbounded end of an interval is null.
json finite(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }
json optional_number(const std::optional<double>& value) {
  return value ? json(*value) : json(nullptr);
}

json point_json(const RunPoint& point) { return json{{"t_s", point.t_s}, {"work", point.work}}; }

json interval_json(const Interval& interval) {
  return json{{"estimate", finite(interval.estimate)},
              {"lower", finite(interval.lower)},
              {"upper", finite(interval.upper)}};
}

std::string origin_note(VerdictOrigin origin) {
  switch (origin) {
    case VerdictOrigin::kRunVerdict:
      return "from verdict.json, written by the run";
    case VerdictOrigin::kAnalyzeVerdict:
      return "from verdict.json, written by memsoak analyze after the run (it left none)";
    case VerdictOrigin::kRecomputed:
      return "re-computed from the series (the run left no verdict.json)";
    case VerdictOrigin::kRecomputedUnfinished:
      return "run did not finish; verdict from the data so far";
  }
  return "";
}

std::string_view origin_name(VerdictOrigin origin) {
  switch (origin) {
    case VerdictOrigin::kRunVerdict:
    case VerdictOrigin::kAnalyzeVerdict:
      return "verdict.json";
    case VerdictOrigin::kRecomputed:
      return "recomputed";
    case VerdictOrigin::kRecomputedUnfinished:
      return "recomputed-unfinished";
  }
  return "";
}

// A string field of the header's "serving_allocator" (soak/run_header.cpp): the allocator that
// really served malloc, which a preload that did not take makes differ from the one asked for.
json serving_allocator(const SeriesHeader& header, const char* key) {
  const auto serving = header.extra.find("serving_allocator");
  if (serving == header.extra.end() || !serving->is_object()) return nullptr;
  const auto found = serving->find(key);
  return found != serving->end() && found->is_string() ? *found : json(nullptr);
}

json run_json(const std::filesystem::path& dir, const RunScan& scan) {
  const SeriesHeader& header = scan.header;
  return json{
      {"dir", dir.string()},
      {"scenario", header.scenario},
      {"allocator", header.allocator},
      {"serving_allocator", serving_allocator(header, "name")},
      {"allocator_version", serving_allocator(header, "version")},
      {"command", header.command},
      {"seed", header.seed},
      {"kernel", header.kernel},
      {"tunables", header.tunables},
      {"start_time", header.start_time},
      {"finished", scan.end.has_value()},
      {"end_reason", scan.end ? json(scan.end->reason) : json(nullptr)},
      {"truncated_last_line", scan.truncated_tail},
      {"duration_s", scan.end ? scan.end->t_s : scan.last_t_s},
      {"samples", scan.samples},
  };
}

json work_json(const RunScan& scan) {
  json work = json::object();
  for (const auto& [name, count] : scan.last_work) {
    work[name] =
        json{{"done", count},
             {"per_second", scan.last_t_s > 0 ? json(count / scan.last_t_s) : json(nullptr)}};
  }
  return work;
}

json memory_json(const RunScan& scan) {
  json memory{{"peak_rss_bytes", scan.peak_rss.bytes}, {"peak_rss_t_s", scan.peak_rss.t_s}};
  if (scan.peak_live) {
    memory["peak_live_bytes"] = scan.peak_live->bytes;
    memory["peak_live_t_s"] = scan.peak_live->t_s;
  }
  if (scan.last_memory) {
    const MemoryReading& last = *scan.last_memory;
    memory["at_end"] = json{{"rss_bytes", last.rss_bytes},
                            {"rss_anon_bytes", optional_number(last.rss_anon_bytes)},
                            {"live_bytes", optional_number(last.allocator.live_bytes)},
                            {"active_bytes", optional_number(last.allocator.active_bytes)},
                            {"resident_bytes", optional_number(last.allocator.resident_bytes)}};
  }
  return memory;
}

json verdict_json(const ReportVerdict& report) {
  json result{{"origin", origin_name(report.origin)},
              {"note", origin_note(report.origin)},
              {"decided", report.verdict.has_value()}};
  if (!report.verdict) {
    result["undecided_reason"] = report.undecided_reason;
    return result;
  }
  const VerdictSummary& verdict = *report.verdict;
  result.update(json{
      {"verdict", verdict.shape},
      {"fail", verdict.fail},
      {"signal", verdict.signal},
      {"work_unit", verdict.work_unit},
      {"bytes_per_work", interval_json(verdict.bytes_per_work)},
      {"bytes_per_second", interval_json(verdict.bytes_per_second)},
      {"growth_began", verdict.growth_began ? point_json(*verdict.growth_began) : json(nullptr)},
      {"window_start", point_json(verdict.window_start)},
      {"window_end", point_json(verdict.window_end)},
      {"explanation", verdict.explanation},
  });
  return result;
}

json purges_json(const PurgeEffects& purges) {
  json result{{"count", purges.count}};
  if (!purges.last) return result;
  const PurgeCheckpoint& last = *purges.last;
  result["mean_rss_returned_bytes"] =
      purges.rss_returned_bytes_sum / static_cast<double>(purges.count);
  result["max_rss_returned_bytes"] = purges.rss_returned_bytes_max;
  result["last"] = json{{"t_s", last.t_s},
                        {"rss_before_bytes", last.before.rss_bytes},
                        {"rss_after_bytes", last.after.rss_bytes},
                        {"live_before_bytes", optional_number(last.before.allocator.live_bytes)},
                        {"live_after_bytes", optional_number(last.after.allocator.live_bytes)}};
  return result;
}

json latency_json(const std::map<std::string, LatencyOverIntervals>& latency) {
  json result = json::object();
  for (const auto& [kind, over_intervals] : latency) {
    json entry{{"intervals", over_intervals.intervals}, {"operations", over_intervals.operations}};
    for (std::size_t i = 0; i < kLatencyPercentiles.size(); ++i) {
      const QuantileSketch& sketch = over_intervals.percentiles_us[i];
      if (sketch.count() == 0) continue;
      entry[std::string(kLatencyPercentiles[i])] =
          json{{"median_us", sketch.quantile(0.5)}, {"worst_us", sketch.max()}};
    }
    result[kind] = entry;
  }
  return result;
}

std::string_view status_name(PlotOutcome::Status status) {
  switch (status) {
    case PlotOutcome::Status::kDrawn:
      return "drawn";
    case PlotOutcome::Status::kNothingToPlot:
      return "nothing-to-plot";
    case PlotOutcome::Status::kNoGnuplot:
      return "no-gnuplot";
    case PlotOutcome::Status::kFailed:
      return "failed";
  }
  return "";
}

json plots_json(const PlotOutcome& plots) {
  return json{
      {"status", status_name(plots.status)},
      {"files", plots.files},
      {"script", plots.status == PlotOutcome::Status::kNothingToPlot ? json(nullptr)
                                                                     : json(run_dir::kPlotScript)},
      {"problem", plots.problem.empty() ? json(nullptr) : json(plots.problem)}};
}

// Rendering: every number below comes from the summary JSON.

double number(const json& object, const char* key) { return object.at(key).get<double>(); }

std::string duration(double seconds) {
  return format_duration(std::chrono::duration<double>(seconds));
}

std::string row(std::string_view label, std::string_view value) {
  return fmt::format("  {:<15}{}\n", label, value.empty() ? "not recorded" : value);
}

// `text` broken into lines of at most kTextWidth, each indented by two spaces.
std::string wrapped(const std::string& text) {
  std::istringstream words(text);
  std::string word;
  std::string out;
  std::string line;
  while (words >> word) {
    if (!line.empty() && line.size() + 1 + word.size() > kTextWidth - 2) {
      out += "  " + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) out += "  " + line + "\n";
  return out;
}

std::string run_text(const json& run) {
  std::string allocator = run.at("allocator").get<std::string>();
  const json& serving = run.at("serving_allocator");
  if (serving.is_string() && serving != allocator) {
    allocator = fmt::format("{} was asked for, but {} served malloc", allocator,
                            serving.get<std::string>());
  }
  if (run.at("allocator_version").is_string()) {
    allocator += " " + run.at("allocator_version").get<std::string>();
  }
  std::string tunables;
  for (const auto& [name, value] : run.at("tunables").items()) {
    tunables += fmt::format("{}{}={}", tunables.empty() ? "" : " ", name,
                            value.is_string() ? value.get<std::string>() : value.dump());
  }
  std::string ending =
      run.at("finished").get<bool>()
          ? fmt::format("finished ({})", run.at("end_reason").get<std::string>())
          : "did not finish: the series has no end record (killed, or still running)";
  if (run.at("truncated_last_line").get<bool>()) ending += "; its cut-off last line was skipped";
  return fmt::format("memsoak report: {}\n\nRun\n", run.at("dir").get<std::string>()) +
         row("scenario", fmt::format("{} (seed {})", run.at("scenario").get<std::string>(),
                                     run.at("seed").get<std::uint64_t>())) +
         row("allocator", allocator) + row("tunables", tunables.empty() ? "none" : tunables) +
         row("reproduce", run.at("command").get<std::string>()) +
         row("kernel", run.at("kernel").get<std::string>()) +
         row("started", run.at("start_time").get<std::string>()) +
         row("duration", fmt::format("{}, {} samples", duration(number(run, "duration_s")),
                                     run.at("samples").get<std::size_t>())) +
         row("ending", ending);
}

std::string work_text(const json& work) {
  std::string text = "\nWork\n";
  for (const auto& [name, counter] : work.items()) {
    const json& rate = counter.at("per_second");
    text += row(
        name,
        fmt::format("{} done{}", format_count(number(counter, "done")),
                    rate.is_null() ? "" : fmt::format(", {}/s", format_count(rate.get<double>()))));
  }
  return text;
}

std::string memory_text(const json& memory) {
  std::string text =
      "\nMemory\n" +
      row("peak RSS", fmt::format("{} at {}", format_bytes(number(memory, "peak_rss_bytes")),
                                  duration(number(memory, "peak_rss_t_s"))));
  if (memory.contains("peak_live_bytes")) {
    text += row("peak live", fmt::format("{} at {} (allocator statistics)",
                                         format_bytes(number(memory, "peak_live_bytes")),
                                         duration(number(memory, "peak_live_t_s"))));
  }
  if (!memory.contains("at_end")) return text;
  const json& end = memory.at("at_end");
  std::string at_end = "RSS " + format_bytes(number(end, "rss_bytes"));
  const auto append_reading = [&](const char* key, std::string_view label) {
    if (end.at(key).is_number()) {
      at_end += fmt::format(", {} {}", label, format_bytes(number(end, key)));
    }
  };
  append_reading("rss_anon_bytes", "RSS anon");
  append_reading("live_bytes", "live");
  append_reading("active_bytes", "active");
  append_reading("resident_bytes", "allocator resident");
  if (end.at("live_bytes").is_number() && number(end, "live_bytes") > 0) {
    at_end += fmt::format(" (RSS is {:.2f}x the live bytes)",
                          number(end, "rss_bytes") / number(end, "live_bytes"));
  }
  return text + row("at the end", at_end);
}

// An interval end is null where the samples are too few or too autocorrelated to bound the
// slope at the detector's confidence (a step, a sawtooth): say so rather than print infinities.
std::string rate_range(const json& interval, std::string_view per) {
  const json& lower = interval.at("lower");
  const json& upper = interval.at("upper");
  const std::string estimate = format_rate_bytes(
      interval.at("estimate").is_null() ? 0 : interval.at("estimate").get<double>());
  if (lower.is_null() && upper.is_null()) {
    return fmt::format(
        "{}/{} (unbounded at the detector's confidence: the samples are too "
        "few or too correlated for an interval)",
        estimate, per);
  }
  const auto bound = [](const json& value) {
    return value.is_null() ? std::string("unbounded") : format_rate_bytes(value.get<double>());
  };
  return fmt::format("{}/{} (interval {} to {})", estimate, per, bound(lower), bound(upper));
}

std::string at_point(const json& point, std::string_view unit) {
  return fmt::format("{} ({} {})", duration(number(point, "t_s")),
                     format_count(number(point, "work")), plural_unit(unit));
}

std::string verdict_text(const json& verdict) {
  const std::string note = verdict.at("note").get<std::string>();
  if (!verdict.at("decided").get<bool>()) {
    return fmt::format("\nVerdict: undecided ({})\n", note) +
           wrapped(verdict.at("undecided_reason").get<std::string>());
  }
  const std::string unit = verdict.at("work_unit").get<std::string>();
  const json& per_second = verdict.at("bytes_per_second").at("estimate");
  const json& began = verdict.at("growth_began");
  return fmt::format("\nVerdict: {} ({}), {}\n", verdict.at("verdict").get<std::string>(),
                     verdict.at("fail").get<bool>() ? "fail" : "pass", note) +
         row("slope", rate_range(verdict.at("bytes_per_work"), unit) +
                          (per_second.is_null()
                               ? ""
                               : fmt::format(", {}/h",
                                             format_rate_bytes(per_second.get<double>() * 3600)))) +
         row("growth began", began.is_null() ? "no growth found" : "at " + at_point(began, unit)) +
         row("judged on", fmt::format("{} from {} to {}, after the warm-up",
                                      verdict.at("signal").get<std::string>(),
                                      at_point(verdict.at("window_start"), unit),
                                      at_point(verdict.at("window_end"), unit))) +
         wrapped(verdict.at("explanation").get<std::string>());
}

std::string purges_text(const json& purges) {
  const auto count = purges.at("count").get<std::size_t>();
  if (count == 0) return "\nPurge checkpoints: none recorded\n";
  const json& last = purges.at("last");
  std::string live;
  if (last.at("live_before_bytes").is_number() && last.at("live_after_bytes").is_number()) {
    live = fmt::format("; live {} -> {}", format_bytes(number(last, "live_before_bytes")),
                       format_bytes(number(last, "live_after_bytes")));
  }
  return fmt::format("\nPurge checkpoints (the allocator asked to give memory back)\n") +
         row("returned", fmt::format("{} of RSS on average over {} purge{}, {} at most",
                                     format_bytes(number(purges, "mean_rss_returned_bytes")), count,
                                     count == 1 ? "" : "s",
                                     format_bytes(number(purges, "max_rss_returned_bytes")))) +
         row("the last", fmt::format("at {}: RSS {} -> {}{}", duration(number(last, "t_s")),
                                     format_bytes(number(last, "rss_before_bytes")),
                                     format_bytes(number(last, "rss_after_bytes")), live));
}

std::string latency_text(const json& latency) {
  if (latency.empty()) return "\nLatency: none recorded\n";
  std::string text = fmt::format(
      "\nLatency of each sampling interval: median over the intervals (worst interval)\n"
      "  {:<10}{:>10}{:>12}  {:<22}{:<22}{}\n",
      "kind", "intervals", "operations", "p50", "p99", "p99.9");
  for (const auto& [kind, entry] : latency.items()) {
    std::string line =
        fmt::format("  {:<10}{:>10}{:>12}", kind, entry.at("intervals").get<std::size_t>(),
                    format_count(number(entry, "operations")));
    for (const std::string_view percentile : kLatencyPercentiles) {
      const auto found = entry.find(percentile);
      line += fmt::format(
          "  {:<20}", found == entry.end()
                          ? "-"
                          : fmt::format("{} ({})", format_latency_us(number(*found, "median_us")),
                                        format_latency_us(number(*found, "worst_us"))));
    }
    text += line.erase(line.find_last_not_of(' ') + 1) + '\n';
  }
  return text;
}

std::string plots_text(const json& plots, const std::string& dir) {
  if (plots.at("status") == "drawn") {
    std::string files;
    for (const json& file : plots.at("files")) {
      files += (files.empty() ? "" : ", ") + file.get<std::string>();
    }
    return fmt::format(
        "\nPlots in {}\n  {}\n  (to change them, edit {} there and run `gnuplot "
        "{}`)\n",
        dir, files, run_dir::kPlotScript, run_dir::kPlotScript);
  }
  return "\nPlots: none\n" + wrapped(plots.at("problem").get<std::string>());
}

}  // namespace

json summary_json(const std::filesystem::path& dir, const RunScan& scan,
                  const ReportVerdict& verdict, const PlotOutcome& plots) {
  return json{{"run", run_json(dir, scan)},         {"work", work_json(scan)},
              {"memory", memory_json(scan)},        {"verdict", verdict_json(verdict)},
              {"purges", purges_json(scan.purges)}, {"latency_us", latency_json(scan.latency)},
              {"plots", plots_json(plots)}};
}

std::string format_summary(const json& summary) {
  const json& run = summary.at("run");
  return run_text(run) + work_text(summary.at("work")) + memory_text(summary.at("memory")) +
         verdict_text(summary.at("verdict")) + purges_text(summary.at("purges")) +
         latency_text(summary.at("latency_us")) +
         plots_text(summary.at("plots"), run.at("dir").get<std::string>());
}

}  // namespace memsoak

#include "soak/compare/run_metrics.h"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "soak/report/scan.h"

namespace memsoak {
namespace {

constexpr std::size_t kNoPlot = 8;  // the scan's plot is not drawn here

void take_rates(const RunScan& scan, RunMetrics& metrics) {
  if (scan.last_t_s <= 0) return;
  for (const auto& [counter, metric] :
       {std::pair{"queries", "queries_per_s"}, std::pair{"docs", "docs_per_s"}}) {
    const auto done = scan.last_work.find(counter);
    if (done != scan.last_work.end()) metrics.values[metric] = done->second / scan.last_t_s;
  }
}

void take_latencies(const RunScan& scan, RunMetrics& metrics) {
  for (const auto& [kind, latency] : scan.latency) {
    if (latency.intervals == 0) continue;
    for (std::size_t i = 0; i < kLatencyPercentiles.size(); ++i) {
      metrics.values[fmt::format("{}_{}_us", kind, kLatencyPercentiles[i])] =
          latency.percentiles_us[i].quantile(0.5);
    }
  }
}

void take_memory(const RunScan& scan, RunMetrics& metrics) {
  if (scan.samples == 0) return;
  metrics.values["peak_rss_bytes"] = scan.peak_rss.bytes;
  const double mean_rss = scan.rss_bytes_sum / static_cast<double>(scan.samples);
  metrics.values["mean_rss_bytes"] = mean_rss;
  if (scan.live_samples > 0 && scan.live_bytes_sum > 0) {
    metrics.values["rss_over_live"] =
        mean_rss / (scan.live_bytes_sum / static_cast<double>(scan.live_samples));
  }
  if (scan.purges.count > 0) {
    metrics.values["purge_returned_bytes"] =
        scan.purges.rss_returned_bytes_sum / static_cast<double>(scan.purges.count);
  }
}

nlohmann::json read_verdict_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(fmt::format("{}: the run left no verdict", path.string()));
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& error) {
    throw std::runtime_error(fmt::format("{}: not valid JSON ({})", path.string(), error.what()));
  }
}

}  // namespace

RunMetrics read_run_metrics(const std::filesystem::path& dir) {
  RunMetrics metrics;
  const RunScan scan = scan_series(dir / "series.jsonl", ScanOptions{.plot_points = kNoPlot});
  take_rates(scan, metrics);
  take_latencies(scan, metrics);
  take_memory(scan, metrics);
  const nlohmann::json verdict = read_verdict_json(dir / "verdict.json");
  try {
    metrics.verdict = verdict.at("verdict").get<std::string>();
    const nlohmann::json& run = verdict.at("run");
    const auto text = [&run](const char* field) {
      return run.contains(field) && run[field].is_string() ? run[field].get<std::string>() : "";
    };
    metrics.scenario = text("scenario");
    metrics.allocator = text("allocator");
    metrics.expected_verdict = text("expected_verdict");
    metrics.command = text("command");
  } catch (const nlohmann::json::exception& error) {
    throw std::runtime_error(
        fmt::format("{}: not a verdict ({})", (dir / "verdict.json").string(), error.what()));
  }
  return metrics;
}

}  // namespace memsoak

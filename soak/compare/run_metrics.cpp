#include "soak/compare/run_metrics.h"

#include <fmt/format.h>

#include "soak/report/merge.h"
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

}  // namespace

RunMetrics read_run_metrics(const std::filesystem::path& dir) {
  RunMetrics metrics;
  const RunScan scan = scan_series(dir / "series.jsonl", ScanOptions{.plot_points = kNoPlot});
  take_rates(scan, metrics);
  take_latencies(scan, metrics);
  take_memory(scan, metrics);
  metrics.row = read_verdict_row(dir / "verdict.json");
  return metrics;
}

}  // namespace memsoak

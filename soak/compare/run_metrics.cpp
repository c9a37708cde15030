#include "soak/compare/run_metrics.h"

#include <fmt/format.h>

#include <stdexcept>

#include "soak/report/merge.h"
#include "soak/report/scan.h"

namespace memsoak {
namespace {

constexpr std::size_t kNoPlot = 8;  // the scan's plot is not drawn here

void take_rates(const RunScan& scan, RunMetrics& metrics) {
  if (scan.last_t_s <= 0) return;
  for (const auto& [counter, done] : scan.last_work) {
    metrics.counters.push_back(counter);
    metrics.values[rate_metric(counter).name] = done / scan.last_t_s;
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

// The end record's "latency_histogram_us": {"query": [[upper_us, count], ...], ...}.
void take_latency_histograms(const RunScan& scan, RunMetrics& metrics) {
  if (!scan.end) return;
  const nlohmann::json& details = scan.end->extra;
  const auto histograms = details.find("latency_histogram_us");
  if (histograms == details.end() || !histograms->is_object()) return;
  for (const auto& [kind, buckets] : histograms->items()) {
    std::vector<LatencyBucketCount>& counts = metrics.latency_histograms[kind];
    for (const nlohmann::json& bucket : buckets) {
      counts.push_back({bucket.at(0).get<double>(), bucket.at(1).get<double>()});
    }
  }
}

}  // namespace

Metric rate_metric(std::string_view counter) {
  return {fmt::format("{}_per_s", counter), fmt::format("{}/s", counter), MetricUnit::kPerSecond,
          Better::kHigher};
}

const std::vector<Metric>& latency_and_memory_metrics() {
  static const std::vector<Metric> metrics{
      {"query_p50_us", "query p50", MetricUnit::kMicroseconds, Better::kLower},
      {"query_p99_us", "query p99", MetricUnit::kMicroseconds, Better::kLower},
      {"query_p999_us", "query p99.9", MetricUnit::kMicroseconds, Better::kLower},
      {"batch_p50_us", "batch p50", MetricUnit::kMicroseconds, Better::kLower},
      {"batch_p99_us", "batch p99", MetricUnit::kMicroseconds, Better::kLower},
      {"batch_p999_us", "batch p99.9", MetricUnit::kMicroseconds, Better::kLower},
      {"peak_rss_bytes", "peak RSS", MetricUnit::kBytes, Better::kLower},
      {"mean_rss_bytes", "mean RSS", MetricUnit::kBytes, Better::kLower},
      {"rss_over_live", "RSS / live", MetricUnit::kRatio, Better::kLower},
      {"purge_returned_bytes", "purge gives back", MetricUnit::kBytes, Better::kNeither},
  };
  return metrics;
}

RunMetrics read_run_metrics(const std::filesystem::path& dir) {
  RunMetrics metrics;
  const RunScan scan = scan_series(dir / "series.jsonl", ScanOptions{.plot_points = kNoPlot});
  take_rates(scan, metrics);
  take_latencies(scan, metrics);
  take_memory(scan, metrics);
  try {
    take_latency_histograms(scan, metrics);
  } catch (const nlohmann::json::exception& error) {
    throw std::runtime_error(fmt::format("{}: the end record's latency_histogram_us: {}",
                                         (dir / "series.jsonl").string(), error.what()));
  }
  metrics.row = read_verdict_row(dir / "verdict.json");
  return metrics;
}

}  // namespace memsoak

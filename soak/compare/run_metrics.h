// What `memsoak compare` takes from one finished run directory of `memsoak run`: throughput,
// latency and memory as named numbers (series.jsonl through the report's scan), and the verdict
// as `memsoak merge` reads it.
#pragma once

#include <array>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "soak/report/ci_results.h"

namespace memsoak {

enum class MetricUnit { kPerSecond, kMicroseconds, kBytes, kRatio };

enum class Better { kHigher, kLower, kNeither };

struct Metric {
  std::string_view name;
  std::string_view label;
  MetricUnit unit;
  Better better;
};

// Latencies are the median over the run's sampling intervals of each interval's percentile.
// What a purge gives back is neither good nor bad: memory held until asked for.
inline constexpr std::array<Metric, 11> kMetrics{{
    {"queries_per_s", "queries/s", MetricUnit::kPerSecond, Better::kHigher},
    {"docs_per_s", "docs/s", MetricUnit::kPerSecond, Better::kHigher},
    {"query_p50_us", "query p50", MetricUnit::kMicroseconds, Better::kLower},
    {"query_p99_us", "query p99", MetricUnit::kMicroseconds, Better::kLower},
    {"query_p999_us", "query p99.9", MetricUnit::kMicroseconds, Better::kLower},
    {"batch_p50_us", "batch p50", MetricUnit::kMicroseconds, Better::kLower},
    {"batch_p99_us", "batch p99", MetricUnit::kMicroseconds, Better::kLower},
    {"peak_rss_bytes", "peak RSS", MetricUnit::kBytes, Better::kLower},
    {"mean_rss_bytes", "mean RSS", MetricUnit::kBytes, Better::kLower},
    {"rss_over_live", "RSS / live", MetricUnit::kRatio, Better::kLower},
    {"purge_returned_bytes", "purge gives back", MetricUnit::kBytes, Better::kNeither},
}};

struct RunMetrics {
  std::map<std::string, double, std::less<>> values;  // by Metric::name; absent: not measured
  CiRow row;  // its verdict as `memsoak merge` reads it: the one expected, the reproduce command
};

// Throws std::runtime_error naming the file when the run left no readable series or verdict.
RunMetrics read_run_metrics(const std::filesystem::path& dir);

}  // namespace memsoak

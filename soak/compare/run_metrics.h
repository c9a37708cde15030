// What `memsoak compare` takes from one finished run directory of `memsoak run` or `memsoak
// watch`: throughput (each work counter's rate), latency and memory as named numbers
// (series.jsonl through the report's scan), the whole latency distribution (the end record's
// histogram), and the verdict as `memsoak merge` reads it.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "soak/report/ci_results.h"

namespace memsoak {

enum class MetricUnit { kPerSecond, kMicroseconds, kBytes, kRatio };

enum class Better { kHigher, kLower, kNeither };

struct Metric {
  std::string name;   // in JSON: "queries_per_s"
  std::string label;  // in tables: "queries/s"
  MetricUnit unit;
  Better better;
};

// The rate of one work counter over the run: "<counter>_per_s".
Metric rate_metric(std::string_view counter);

// What every run may measure besides its rates. Latencies are the median over the run's
// sampling intervals of each interval's percentile. What a purge gives back is neither good
// nor bad: memory held until asked for.
const std::vector<Metric>& latency_and_memory_metrics();

// A bucket of a run's whole latency distribution: `count` operations took at most `upper_us`.
struct LatencyBucketCount {
  double upper_us = 0;
  double count = 0;
};

struct RunMetrics {
  std::map<std::string, double, std::less<>> values;  // by Metric::name; absent: not measured
  std::vector<std::string> counters;                  // its work counters, each with a rate
  std::map<std::string, std::vector<LatencyBucketCount>> latency_histograms;  // by kind
  CiRow row;  // its verdict as `memsoak merge` reads it: the one expected, the reproduce command
};

// Throws std::runtime_error naming the file when the run left no readable series or verdict.
RunMetrics read_run_metrics(const std::filesystem::path& dir);

}  // namespace memsoak

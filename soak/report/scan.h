// One streaming pass over a run's series.jsonl: the facts the report's summary prints and the
// downsampled data its plots draw, in memory bounded however long the run (Downsampler,
// QuantileSketch). A detector, when given, sees every sample and purge checkpoint: that is how
// a run that left no verdict.json still gets one. A malformed line throws SeriesError naming
// the file and line; a killed run's partial last line is skipped and reported.
#pragma once

#include <array>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "harness/detector.h"
#include "harness/series.h"
#include "soak/report/downsample.h"
#include "soak/report/quantiles.h"

namespace memsoak {

// The plot channels: each becomes <name>_min, <name>_mean and <name>_max columns.
namespace plot_channel {
inline constexpr std::string_view kRss = "rss";
inline constexpr std::string_view kRssAnon = "rss_anon";
inline constexpr std::string_view kLive = "live";
inline constexpr std::string_view kActive = "active";
inline constexpr std::string_view kResident = "resident";
inline constexpr std::string_view kOverhead = "overhead";  // rss - live
inline constexpr std::string_view kPurgeBefore = "purge_rss_before";
inline constexpr std::string_view kPurgeAfter = "purge_rss_after";
}  // namespace plot_channel

// "latency_query_p99" for the per-interval p99 of "query" latencies, in microseconds.
std::string latency_channel(std::string_view kind, std::string_view percentile);

// Latency kinds kept ("query", "batch", ...): more would make neither plot nor table readable.
inline constexpr std::size_t kMaxLatencyKinds = 4;
// The per-interval percentiles a sample's "latency_us" extra carries for each kind.
inline constexpr std::array<std::string_view, 3> kLatencyPercentiles{"p50", "p99", "p999"};

// The work done in `unit`, the detector's x-axis: "op" (or "ops") sums every counter, any other
// unit names one counter, singular or plural ("query" reads "queries"). Throws SeriesError.
double work_in_verdict_unit(const WorkCounters& work, std::string_view unit);

struct Peak {
  double bytes = 0;
  double t_s = 0;
};

struct PurgeEffects {
  std::size_t count = 0;
  double rss_returned_bytes_sum = 0;  // RSS before minus after, over all purges
  double rss_returned_bytes_max = 0;
  std::optional<PurgeCheckpoint> last;
};

// Per-interval percentiles of one kind of operation, over the intervals that measured any.
struct LatencyOverIntervals {
  std::array<QuantileSketch, kLatencyPercentiles.size()> percentiles_us;  // as kLatencyPercentiles
  std::size_t intervals = 0;
  double operations = 0;  // the sum of the intervals' "count"
};

struct RunScan {
  explicit RunScan(std::size_t plot_points) : plot(plot_points) {}

  SeriesHeader header;
  std::size_t samples = 0;
  double last_t_s = 0;
  WorkCounters last_work;  // counters start at zero with the run
  Peak peak_rss;
  std::optional<Peak> peak_live;
  double rss_bytes_sum = 0;   // over the samples: a time average, samples being evenly spaced
  double live_bytes_sum = 0;  // over the samples that read live bytes
  std::size_t live_samples = 0;
  std::optional<MemoryReading> last_memory;
  PurgeEffects purges;
  std::map<std::string, LatencyOverIntervals> latency;  // by kind
  std::optional<SeriesEnd> end;
  bool truncated_tail = false;
  Downsampler plot;  // x: t_s and work in the scan's work unit
};

struct ScanOptions {
  std::string work_unit = "op";  // of the plot's work axis: the verdict's unit
  std::size_t plot_points = 1024;
  Detector* detector = nullptr;  // fed every record when not null
};

RunScan scan_series(const std::filesystem::path& path, const ScanOptions& options);

}  // namespace memsoak

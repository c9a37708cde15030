#include "soak/report/scan.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <variant>

namespace memsoak {
namespace {

using nlohmann::json;

class Scanner {
 public:
  Scanner(const std::filesystem::path& path, const ScanOptions& options)
      : reader_(path.string()), options_(options), scan_(options.plot_points) {
    if (options.detector != nullptr) replay_.emplace(*options.detector);
    channels_ = {scan_.plot.channel(plot_channel::kRss),
                 scan_.plot.channel(plot_channel::kRssAnon),
                 scan_.plot.channel(plot_channel::kLive),
                 scan_.plot.channel(plot_channel::kActive),
                 scan_.plot.channel(plot_channel::kResident),
                 scan_.plot.channel(plot_channel::kOverhead),
                 scan_.plot.channel(plot_channel::kPurgeBefore),
                 scan_.plot.channel(plot_channel::kPurgeAfter)};
  }

  RunScan run() && {
    while (auto record = reader_.next()) {
      std::visit([this](const auto& value) { take(value); }, *record);
    }
    scan_.truncated_tail = reader_.truncated_tail();
    return std::move(scan_);
  }

 private:
  struct Channels {
    std::size_t rss, rss_anon, live, active, resident, overhead, purge_before, purge_after;
  };

  [[noreturn]] void fail(std::string_view problem) const {
    throw SeriesError(fmt::format("{}: {}", reader_.location(), problem));
  }

  void take(const SeriesHeader& header) { scan_.header = header; }
  void take(const SeriesEnd& end) { scan_.end = end; }

  void take(const SeriesSample& sample) {
    feed_detector(sample);
    ++scan_.samples;
    scan_.last_t_s = sample.t_s;
    scan_.last_work = sample.work;
    scan_.last_memory = sample.memory;
    track_peaks(sample);
    scan_.plot.add_sample(sample.t_s, work_of(sample.work));
    plot_memory(sample.memory);
    take_latency(sample.extra);
  }

  void take(const PurgeCheckpoint& purge) {
    if (replay_) replay_->feed(purge);
    PurgeEffects& effects = scan_.purges;
    const double returned = purge.before.rss_bytes - purge.after.rss_bytes;
    ++effects.count;
    effects.rss_returned_bytes_sum += returned;
    effects.rss_returned_bytes_max = std::max(effects.rss_returned_bytes_max, returned);
    effects.last = purge;
    scan_.plot.add_value(channels_.purge_before, purge.before.rss_bytes);
    scan_.plot.add_value(channels_.purge_after, purge.after.rss_bytes);
  }

  void feed_detector(const SeriesSample& sample) {
    if (!replay_) return;
    try {
      replay_->feed(sample);
    } catch (const DetectorInputError& error) {
      fail(fmt::format("{} (the series is inconsistent: was it written by two runs, or edited?)",
                       error.what()));
    }
  }

  double work_of(const WorkCounters& work) const {
    try {
      return work_in_verdict_unit(work, options_.work_unit);
    } catch (const SeriesError& error) {
      fail(error.what());
    }
  }

  void track_peaks(const SeriesSample& sample) {
    scan_.rss_bytes_sum += sample.memory.rss_bytes;
    if (sample.memory.rss_bytes > scan_.peak_rss.bytes) {
      scan_.peak_rss = Peak{sample.memory.rss_bytes, sample.t_s};
    }
    const auto& live = sample.memory.allocator.live_bytes;
    if (!live) return;
    scan_.live_bytes_sum += *live;
    ++scan_.live_samples;
    if (!scan_.peak_live || *live > scan_.peak_live->bytes) {
      scan_.peak_live = Peak{*live, sample.t_s};
    }
  }

  void plot_memory(const MemoryReading& memory) {
    Downsampler& plot = scan_.plot;
    plot.add_value(channels_.rss, memory.rss_bytes);
    const auto plot_optional = [&plot](std::size_t channel, const std::optional<double>& value) {
      if (value) plot.add_value(channel, *value);
    };
    plot_optional(channels_.rss_anon, memory.rss_anon_bytes);
    plot_optional(channels_.live, memory.allocator.live_bytes);
    plot_optional(channels_.active, memory.allocator.active_bytes);
    plot_optional(channels_.resident, memory.allocator.resident_bytes);
    if (memory.allocator.live_bytes) {
      plot.add_value(channels_.overhead, memory.rss_bytes - *memory.allocator.live_bytes);
    }
  }

  void take_latency(const json& extra) {
    const auto found = extra.find("latency_us");
    if (found == extra.end()) return;
    if (!found->is_object()) fail("\"latency_us\" must be an object of {kind: percentiles}");
    for (const auto& [kind, percentiles] : found->items()) {
      // Kinds name plot columns: keep them to one word.
      if (kind.empty() || !std::all_of(kind.begin(), kind.end(), [](unsigned char c) {
            return std::isalnum(c) != 0 || c == '_' || c == '-';
          })) {
        fail(
            fmt::format("\"latency_us\" kind \"{}\" must be a word of letters, digits, '_' "
                        "or '-' (such as \"query\")",
                        kind));
      }
      if (!percentiles.is_object()) {
        fail(
            fmt::format("\"latency_us\".\"{}\" must be an object such as {{\"p50\": 120, "
                        "\"p99\": 900, \"p999\": 2500, \"count\": 1000}}",
                        kind));
      }
      take_latency_kind(kind, percentiles);
    }
  }

  void take_latency_kind(const std::string& kind, const json& percentiles) {
    const std::optional<double> count = latency_number(kind, percentiles, "count");
    if (count && *count == 0) return;  // an interval without such operations has no latency
    auto found = scan_.latency.find(kind);
    if (found == scan_.latency.end()) {
      if (scan_.latency.size() == kMaxLatencyKinds) return;
      found = scan_.latency.emplace(kind, LatencyOverIntervals{}).first;
    }
    LatencyOverIntervals& latency = found->second;
    ++latency.intervals;
    latency.operations += count.value_or(0);
    for (std::size_t i = 0; i < kLatencyPercentiles.size(); ++i) {
      const auto value = latency_number(kind, percentiles, kLatencyPercentiles[i]);
      if (!value) continue;
      latency.percentiles_us[i].add(*value);
      scan_.plot.add_value(scan_.plot.channel(latency_channel(kind, kLatencyPercentiles[i])),
                           *value);
    }
  }

  std::optional<double> latency_number(const std::string& kind, const json& percentiles,
                                       std::string_view key) const {
    const auto found = percentiles.find(key);
    if (found == percentiles.end() || found->is_null()) return std::nullopt;
    if (!found->is_number() || found->get<double>() < 0) {
      fail(
          fmt::format("\"latency_us\".\"{}\".\"{}\" is {}: it must be a non-negative number "
                      "(microseconds, or operations for \"count\")",
                      kind, key, found->dump()));
    }
    return found->get<double>();
  }

  SeriesReader reader_;
  const ScanOptions& options_;
  RunScan scan_;
  Channels channels_{};
  std::optional<RunReplay> replay_;  // feeds the detector, if any, as the run did
};

}  // namespace

std::string latency_channel(std::string_view kind, std::string_view percentile) {
  return fmt::format("latency_{}_{}", kind, percentile);
}

double work_in_verdict_unit(const WorkCounters& work, std::string_view unit) {
  if (const auto count = work_in_unit(work, unit)) return *count;
  std::string names;
  for (const auto& [name, count] : work) names += (names.empty() ? "" : ", ") + name;
  throw SeriesError(
      fmt::format("no work counter matches the verdict's unit '{}' (the samples "
                  "count: {}): does verdict.json belong to this series?",
                  unit, names));
}

RunScan scan_series(const std::filesystem::path& path, const ScanOptions& options) {
  return Scanner(path, options).run();
}

}  // namespace memsoak

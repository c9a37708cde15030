// What a soak run is asked to do, and the rules that fit its timing to its duration. Defaults
// are chosen so that a run decides something useful in about a minute; every rule scales to
// runs of days. The command line fills these in (soak/cli/run_flags.h).
//
//   sample interval  duration / 600, clamped to [100 ms, 10 s]: ~600 samples per run
//   purges           none, or duration / 8 clamped to [2 s, 5 min] for a scenario that needs
//                    them (fragmentation)
//   judging starts   once the workload is steady (its document window filled 1.5 times),
//                    then a warm-up of 20% of the duration, at most 300 s (unless --warmup)
//   out dir          out/<scenario>-<allocator>-<seed>[-N]: a fresh name, never overwritten
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "harness/detector.h"
#include "soak/report/ci_results.h"
#include "soak/run/live_metrics.h"
#include "soak/run/workload_source.h"

namespace memsoak {

namespace workload {
struct ScenarioInfo;
}

struct RunOptions {
  std::string scenario = "healthy";
  std::string allocator = "system";
  double duration_s = 60;
  std::uint64_t seed = 1;
  unsigned threads = 2;                          // one indexer, the rest searchers
  std::optional<std::size_t> window_documents;   // the live document set; empty: workload's
  std::optional<double> huge_batch_rate;         // chance that a batch is huge; likewise
  std::optional<double> huge_batch_at_s;         // one scheduled huge batch; empty: scenario's
  std::optional<double> sample_interval_s;       // empty: from the duration
  std::optional<double> purge_every_s;           // 0: none; empty: from the scenario
  std::optional<std::filesystem::path> out_dir;  // empty: a fresh default name
  MetricsOptions metrics;                        // none unless asked
  CiFiles ci_files;                              // --junit, --summary-md: none unless asked
  DetectorOptions detector;                      // as given; see detector_options()
  bool warmup_given = false;                     // detector.warmup_s was asked for
  std::string command;                           // the command line that repeats the run
};

// Throws std::invalid_argument for what a run cannot do, before anything starts: an unknown
// scenario or allocator, a work unit that names none of the run's counters, settings out of
// range.
void check_run_options(const RunOptions& options);

double sample_interval_s(const RunOptions& options);
// The sample interval of a soak of `duration_s` that was given none.
double default_sample_interval_s(double duration_s);
// 0: no purge checkpoints.
double purge_every_s(const RunOptions& options, const workload::ScenarioInfo& scenario);
// Between purge checkpoints of a run of `duration_s` that has them.
double default_purge_every_s(double duration_s);

// The workload the options ask for, with the scenario's defaults applied: a scenario defined by
// one scheduled huge batch gets it at its share of the duration and no random ones, unless the
// options say otherwise.
WorkloadSettings workload_settings(const RunOptions& options,
                                   const workload::ScenarioInfo& scenario);

// The detector's options with the run's warm-up rule applied.
DetectorOptions detector_options(const RunOptions& options);
// `detector` with the warm-up rule applied for a soak of `duration_s` (unless one was given).
DetectorOptions with_warmup_rule(DetectorOptions detector, bool warmup_given, double duration_s);

// "out/healthy-jemalloc-7": where the run writes when no out dir is given (before uniquing).
std::filesystem::path default_out_dir(const RunOptions& options);

}  // namespace memsoak

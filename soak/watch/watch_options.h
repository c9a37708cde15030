// What `memsoak watch` is asked to do. Timing follows `memsoak run` (soak/run/options.h) when a
// duration is given; without one the watch lasts until the process exits, sampling every
// second, with the detector's default warm-up.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "harness/detector.h"
#include "soak/report/ci_results.h"
#include "soak/run/live_metrics.h"
#include "soak/watch/work_counters.h"

namespace memsoak {

struct WatchOptions {
  std::vector<std::string> command;         // started and followed; or
  std::optional<pid_t> pid;                 // attached to, never stopped
  std::string allocator = "none";           // preloaded into the command; none: environment as is
  std::vector<std::string> preloads;        // more libraries for LD_PRELOAD
  std::vector<std::string> work;            // NAME=KIND:ARGUMENT (work_counters.h)
  bool include_children = false;            // sum the process tree
  bool allow_child_failure = false;         // a crash or non-zero exit still passes
  std::optional<double> duration_s;         // empty: until the process exits
  std::optional<double> sample_interval_s;  // empty: from the duration
  double kill_grace_s = 10;                 // SIGTERM, then SIGKILL after this
  double startup_timeout_s = 30;            // for every counter to be read once
  bool agent = true;                        // preload the agent into the command (agent_link.h)
  std::optional<double> purge_every_s;      // with the agent; empty: from the duration, 0: none
  std::optional<std::filesystem::path> out_dir;  // empty: out/watch-<program>[-N]
  MetricsOptions metrics;                        // none unless asked
  CiFiles ci_files;                              // --junit, --summary-md: none unless asked
  DetectorOptions detector;
  bool warmup_given = false;
  std::string command_line;  // the `memsoak watch` command that repeats the watch
};

// Throws std::invalid_argument for what a watch cannot do, before anything starts: neither or
// both of a command and --pid, --allocator with --pid, an unknown allocator, a malformed
// --work, a work unit that names no counter, settings out of range.
void check_watch_options(const WatchOptions& options);

std::vector<WorkCounterSpec> work_counter_specs(const WatchOptions& options);
double watch_duration_s(const WatchOptions& options);  // kMaxDurationSeconds when open-ended
double watch_sample_interval_s(const WatchOptions& options);
// Between purge checkpoints (asked of the agent): --purge-every, else the run's rule for a
// duration, none when open-ended.
double watch_purge_every_s(const WatchOptions& options);
// The detector's options: the warm-up rule of `run`, and on the time axis (no --work) the
// growth allowed per second is the leak threshold.
DetectorOptions watch_detector_options(const WatchOptions& options);
std::filesystem::path default_watch_dir(const WatchOptions& options);

}  // namespace memsoak

#include "soak/watch/watch_options.h"

#include <fmt/format.h>

#include "harness/allocator_registry.h"
#include "harness/detector_settings.h"
#include "harness/units.h"
#include "soak/run/options.h"
#include "soak/watch/watched_work.h"

namespace memsoak {
namespace {

constexpr double kOpenEndedSampleInterval_s = 1;

WorkCounters zero_counters(const std::vector<WorkCounterSpec>& specs) {
  WorkCounters counters;
  for (const WorkCounterSpec& spec : specs) counters[spec.name] = 0;
  if (specs.empty()) counters[kSecondsCounter] = 0;
  return counters;
}

// The singular a counter's name is the plural of, as the detector matches units to counters.
std::string unit_of_counter(const std::string& name) {
  if (name.size() > 3 && name.ends_with("ies")) return name.substr(0, name.size() - 3) + "y";
  if (name.size() > 1 && name.ends_with('s')) return name.substr(0, name.size() - 1);
  return name;
}

}  // namespace

std::vector<WorkCounterSpec> work_counter_specs(const WatchOptions& options) {
  std::vector<WorkCounterSpec> specs;
  for (const std::string& text : options.work) {
    specs.push_back(parse_work_counter_spec(text));
    for (std::size_t i = 0; i + 1 < specs.size(); ++i) {
      if (specs[i].name == specs.back().name) {
        throw std::invalid_argument(
            fmt::format("--work: two counters are named '{}'", specs.back().name));
      }
    }
  }
  return specs;
}

void check_watch_options(const WatchOptions& options) {
  if (options.command.empty() == !options.pid.has_value()) {
    throw std::invalid_argument(
        "give the command to watch after -- (memsoak watch [OPTIONS] -- CMD ARGS...) or "
        "--pid PID, not both");
  }
  if (options.pid && options.allocator != "none") {
    throw std::invalid_argument(
        "--allocator preloads into a command memsoak starts; a running process (--pid) keeps "
        "the allocator it has");
  }
  if (options.allocator != "none") find_allocator(options.allocator);
  check_detector_options(options.detector);
  const std::vector<WorkCounterSpec> specs = work_counter_specs(options);
  if (!work_in_unit(zero_counters(specs), options.detector.work_unit)) {
    throw std::invalid_argument(fmt::format(
        "--max-growth: '{}' is neither a unit of time (s, m, h, d) nor one of the --work "
        "counters (or op, all of them)",
        options.detector.work_unit));
  }
  if (options.kill_grace_s < 0 || options.startup_timeout_s < 0) {
    throw std::invalid_argument("--kill-grace and --startup-timeout must not be negative");
  }
}

double watch_duration_s(const WatchOptions& options) {
  return options.duration_s.value_or(kMaxDurationSeconds);
}

double watch_sample_interval_s(const WatchOptions& options) {
  if (options.sample_interval_s) return *options.sample_interval_s;
  return options.duration_s ? default_sample_interval_s(*options.duration_s)
                            : kOpenEndedSampleInterval_s;
}

double watch_purge_every_s(const WatchOptions& options) {
  if (options.purge_every_s) return *options.purge_every_s;
  return options.duration_s ? default_purge_every_s(*options.duration_s) : 0;
}

DetectorOptions watch_detector_options(const WatchOptions& options) {
  DetectorOptions detector =
      with_warmup_rule(options.detector, options.warmup_given, watch_duration_s(options));
  if (options.work.empty()) {
    // The axis is time: a growth allowed per second is the growth allowed per unit of work.
    detector.max_bytes_per_work =
        std::max(detector.max_bytes_per_work, detector.max_bytes_per_second);
    if (detector.work_unit == "op") detector.work_unit = "second";
  } else if (options.work.size() == 1 && detector.work_unit == "op") {
    // One counter names the unit growth is told in: "commands" gives B/command.
    detector.work_unit = unit_of_counter(parse_work_counter_spec(options.work.front()).name);
  }
  return detector;
}

std::filesystem::path default_watch_dir(const WatchOptions& options) {
  const std::string subject =
      options.pid ? fmt::format("pid{}", *options.pid)
                  : std::filesystem::path(options.command.front()).filename().string();
  return std::filesystem::path("out") / fmt::format("watch-{}", subject);
}

}  // namespace memsoak

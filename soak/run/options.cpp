#include "soak/run/options.h"

#include <fmt/format.h>

#include <algorithm>

#include "harness/allocator_registry.h"
#include "harness/detector_settings.h"
#include "soak/run/workload_source.h"
#include "soak/workload/scenarios.h"

namespace memsoak {
namespace {

constexpr double kSamplesPerRun = 600;
constexpr double kMinSampleInterval_s = 0.1;
constexpr double kMaxSampleInterval_s = 10;
constexpr double kWarmupShareOfDuration = 0.2;
constexpr double kPurgesPerRun = 8;
constexpr double kMinPurgeInterval_s = 2;
constexpr double kMaxPurgeInterval_s = 300;

}  // namespace

void check_run_options(const RunOptions& options) {
  workload::find_scenario(options.scenario);
  find_allocator(options.allocator);
  check_detector_options(options.detector);
  const WorkCounters counters{{kQueriesCounter, 0}, {kDocsCounter, 0}};
  if (!work_in_unit(counters, options.detector.work_unit)) {
    throw std::invalid_argument(fmt::format(
        "--max-growth: '{}' is neither a unit of time (s, m, h, d) nor a kind of work of this "
        "run: use op (all work), query or doc",
        options.detector.work_unit));
  }
}

double default_sample_interval_s(double duration_s) {
  return std::clamp(duration_s / kSamplesPerRun, kMinSampleInterval_s, kMaxSampleInterval_s);
}

double sample_interval_s(const RunOptions& options) {
  return options.sample_interval_s.value_or(default_sample_interval_s(options.duration_s));
}

double purge_every_s(const RunOptions& options, const workload::ScenarioInfo& scenario) {
  if (options.purge_every_s) return *options.purge_every_s;
  if (!scenario.needs_purge_checkpoints) return 0;
  return default_purge_every_s(options.duration_s);
}

double default_purge_every_s(double duration_s) {
  return std::clamp(duration_s / kPurgesPerRun, kMinPurgeInterval_s, kMaxPurgeInterval_s);
}

WorkloadSettings workload_settings(const RunOptions& options,
                                   const workload::ScenarioInfo& scenario) {
  WorkloadSettings settings{options.seed, options.threads, options.window_documents,
                            options.huge_batch_rate, options.huge_batch_at_s};
  const double share = scenario.scheduled_huge_batch_share;
  if (share > 0) {
    if (!settings.huge_batch_at_s) settings.huge_batch_at_s = share * options.duration_s;
    if (!settings.huge_batch_rate) settings.huge_batch_rate = 0;
  }
  return settings;
}

DetectorOptions with_warmup_rule(DetectorOptions detector, bool warmup_given, double duration_s) {
  if (!warmup_given) {
    detector.warmup_s = std::min(detector.warmup_s, kWarmupShareOfDuration * duration_s);
  }
  return detector;
}

DetectorOptions detector_options(const RunOptions& options) {
  return with_warmup_rule(options.detector, options.warmup_given, options.duration_s);
}

std::filesystem::path default_out_dir(const RunOptions& options) {
  return std::filesystem::path("out") /
         fmt::format("{}-{}-{}", options.scenario, options.allocator, options.seed);
}

}  // namespace memsoak

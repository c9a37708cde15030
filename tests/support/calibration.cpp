#include "tests/support/calibration.h"

#include <random>

namespace memsoak {
namespace {

constexpr double kMiB = 1024.0 * 1024;

}  // namespace

GeneratorParams draw_healthy(std::uint64_t seed, double duration_s, bool report_live_bytes) {
  std::mt19937_64 random(seed ^ 0x9e3779b97f4a7c15ULL);
  const auto uniform = [&](double low, double high) {
    return std::uniform_real_distribution<double>(low, high)(random);
  };
  const auto chance = [&](double probability) { return uniform(0, 1) < probability; };
  GeneratorParams params;
  params.seed = seed;
  params.duration_s = duration_s;
  params.noise_bytes = uniform(1, 3) * kMiB;
  params.noise_ar = uniform(0.4, 0.8);
  params.fill_s = uniform(0, 300);
  params.cache_warm_bytes = uniform(0, 13.5) * kMiB;
  params.cache_warm_tau_s = uniform(30, 300);
  params.sawtooth_bytes = uniform(0, 8) * kMiB;
  params.sawtooth_period_s = uniform(10, 120);
  params.batch_rate_per_s = uniform(0, 1.0 / 600);
  params.batch_bytes = uniform(10, 60) * kMiB;
  params.batch_duration_s = uniform(2, 20);
  if (chance(0.3)) {
    params.step_bytes = uniform(5, 30) * kMiB;
    params.step_at_s = uniform(0, duration_s);
  }
  params.rss_decay_per_s = chance(0.5) ? 0 : uniform(0.001, 0.05);
  params.purge_interval_s = chance(0.5) ? 0 : 300;
  params.report_live_bytes = report_live_bytes;
  return params;
}

DetectionOutcome run_detector(const GeneratorParams& params, const DetectorOptions& options,
                              bool stop_at_failure) {
  Detector detector(options);
  SeriesGenerator generator(params);
  DetectionOutcome outcome;
  while (const auto record = generator.next()) {
    if (const auto* purge = std::get_if<PurgeCheckpoint>(&*record)) {
      detector.add(*purge);
      continue;
    }
    detector.add(std::get<SeriesSample>(*record));
    const Verdict& verdict = detector.check();
    if (verdict.fail && !outcome.failed) {
      outcome.failed = true;
      outcome.failed_at = verdict.proven_at ? verdict.proven_at : verdict.window_end;
      if (stop_at_failure) {
        outcome.final_shape = verdict.shape;
        return outcome;
      }
    }
  }
  const Verdict verdict = detector.finish();
  outcome.final_shape = verdict.shape;
  if (verdict.fail && !outcome.failed) {
    outcome.failed = true;
    outcome.failed_at = verdict.proven_at ? verdict.proven_at : verdict.window_end;
  }
  return outcome;
}

}  // namespace memsoak

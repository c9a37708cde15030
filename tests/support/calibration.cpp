#include "tests/support/calibration.h"

#include <array>
#include <cmath>
#include <random>

namespace memsoak {
namespace {

constexpr double kMiB = 1024.0 * 1024;

constexpr std::array kFamilies{Family::kMixed, Family::kPeriodic, Family::kWarmup};

// Uniform draws from one seed; each family draws its own features after the mixed ones, so a
// seed's mixed features are the same in every family.
class Draws {
 public:
  explicit Draws(std::uint64_t seed) : random_(seed ^ 0x9e3779b97f4a7c15ULL) {}
  double uniform(double low, double high) {
    return std::uniform_real_distribution<double>(low, high)(random_);
  }
  double log_uniform(double low, double high) {
    return std::exp(uniform(std::log(low), std::log(high)));
  }
  bool chance(double probability) { return uniform(0, 1) < probability; }

 private:
  std::mt19937_64 random_;
};

GeneratorParams draw_mixed(Draws& draws, std::uint64_t seed, double duration_s,
                           bool report_live_bytes) {
  const auto uniform = [&](double low, double high) { return draws.uniform(low, high); };
  const auto chance = [&](double probability) { return draws.chance(probability); };
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

// The first flush comes in the second half of the default warm-up after judging began (or of the
// first period, if shorter): the program has cycled before its growth is judged, as a
// long-running service has, and the detector has seen the cycle's top before its fall.
// (A permanent step that lands next to a flush cancels it at the store's resolution: the
// pair is a step up and a rise, as a leak is; the mixed family keeps the steps.)
void add_periodic_cache(Draws& draws, GeneratorParams& params) {
  params.step_bytes = 0;  // steps are the mixed family's: here the cycle is the question
  const double period_s = params.duration_s * draws.log_uniform(1.0 / 50, 1.0 / 2);
  params.sawtooth_period_s = period_s;
  params.sawtooth_bytes = draws.uniform(0.05, 0.5) * params.live_bytes;
  const double glimpse_s = std::min(period_s, DetectorOptions{}.warmup_s);
  const double first_flush_s = params.fill_s + draws.uniform(glimpse_s / 2, glimpse_s);
  params.sawtooth_phase =
      std::fmod(period_s - std::fmod(first_flush_s, period_s), period_s) / period_s;
}

void add_slow_warmup(Draws& draws, GeneratorParams& params) {
  params.cache_fill_s = draws.uniform(120, kSlowWarmupS);
  params.cache_fill_bytes = draws.uniform(0.05, 0.5) * params.live_bytes;
  params.batch_rate_per_s = draws.uniform(1.0 / 1200, 1.0 / 300);
  params.batch_bytes = draws.uniform(0.1, 0.5) * params.live_bytes;
  params.batch_duration_s = draws.uniform(2, 30);
}

}  // namespace

std::span<const Family> families() { return kFamilies; }

std::string_view family_name(Family family) {
  switch (family) {
    case Family::kMixed:
      return "mixed";
    case Family::kPeriodic:
      return "periodic";
    case Family::kWarmup:
      return "warm-up";
  }
  return "";
}

GeneratorParams draw(Family family, std::uint64_t seed, double duration_s, bool report_live_bytes) {
  Draws draws(seed);
  GeneratorParams params = draw_mixed(draws, seed, duration_s, report_live_bytes);
  if (family == Family::kPeriodic) add_periodic_cache(draws, params);
  if (family == Family::kWarmup) add_slow_warmup(draws, params);
  return params;
}

DetectorOptions judging(Family family, DetectorOptions options) {
  if (family == Family::kWarmup) options.warmup_s = std::max(options.warmup_s, kSlowWarmupS);
  return options;
}

GeneratorParams draw_healthy(std::uint64_t seed, double duration_s, bool report_live_bytes) {
  return draw(Family::kMixed, seed, duration_s, report_live_bytes);
}

DetectionOutcome run_detector(const GeneratorParams& params, const DetectorOptions& options,
                              bool stop_at_failure) {
  Detector detector(options);
  RunReplay replay(detector);
  SeriesGenerator generator(params);
  DetectionOutcome outcome;
  while (const auto record = generator.next()) {
    if (const auto* purge = std::get_if<PurgeCheckpoint>(&*record)) {
      replay.feed(*purge);
      continue;
    }
    const auto& sample = std::get<SeriesSample>(*record);
    replay.feed(sample);
    if (outcome.judged_from.t_s == 0 && !sample.extra.value(kBeforeSteadyKey, false)) {
      outcome.judged_from = RunPoint{sample.t_s, total_work(sample.work)};
    }
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

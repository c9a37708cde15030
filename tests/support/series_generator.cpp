#include "tests/support/series_generator.h"

#include <algorithm>
#include <cmath>

namespace memsoak {
namespace {

constexpr double kPageBytes = 4096;

double round_to_page(double bytes) { return std::ceil(bytes / kPageBytes) * kPageBytes; }

}  // namespace

SeriesGenerator::SeriesGenerator(const GeneratorParams& params)
    : params_(params), random_(params.seed) {
  noise_ = params_.noise_bytes * gaussian_(random_);
  const double phase = uniform_(random_);
  sawtooth_phase_s_ =
      params_.sawtooth_period_s * (params_.sawtooth_phase >= 0 ? params_.sawtooth_phase : phase);
  next_purge_s_ = params_.purge_interval_s;
}

double SeriesGenerator::live_now() const {
  const double filled = params_.fill_s > 0 ? std::min(1.0, t_s_ / params_.fill_s) : 1.0;
  const double cache = params_.cache_warm_bytes * (1 - std::exp(-t_s_ / params_.cache_warm_tau_s)) +
                       params_.cache_fill_bytes * std::min(1.0, t_s_ / params_.cache_fill_s);
  const double sawtooth = params_.sawtooth_bytes *
                          std::fmod(t_s_ + sawtooth_phase_s_, params_.sawtooth_period_s) /
                          params_.sawtooth_period_s;
  const double batch = t_s_ < batch_until_s_ ? params_.batch_bytes : 0;
  const double step = params_.step_bytes > 0 && t_s_ >= params_.step_at_s ? params_.step_bytes : 0;
  const double live = params_.live_bytes * filled + cache + sawtooth + batch + step + noise_ +
                      params_.leak_bytes_per_op * leak_work_ +
                      params_.time_growth_bytes_per_s * t_s_;
  return std::max(live, kPageBytes);
}

SeriesSample SeriesGenerator::sample() const {
  SeriesSample sample;
  sample.t_s = t_s_;
  const double docs = std::floor(work_ * params_.docs_share);
  sample.work = {{"queries", std::floor(work_) - docs}, {"docs", docs}};
  sample.memory.rss_bytes = round_to_page(rss_);
  if (params_.report_live_bytes) sample.memory.allocator.live_bytes = std::round(live_now());
  if (t_s_ < params_.fill_s && !params_.fill_is_steady) sample.extra[kBeforeSteadyKey] = true;
  return sample;
}

std::optional<SeriesRecord> SeriesGenerator::next() {
  if (purge_due_) {
    purge_due_ = false;
    PurgeCheckpoint purge;
    purge.t_s = t_s_;
    purge.work = sample().work;
    purge.before = sample().memory;
    rss_ = live_now() + params_.rss_overhead_bytes + params_.fragmentation_bytes_per_op * work_;
    purge.after = sample().memory;
    return purge;
  }
  ++index_;
  t_s_ = static_cast<double>(index_) * params_.interval_s;
  if (t_s_ > params_.duration_s) return std::nullopt;
  if (index_ > 0) {
    const double idle_phase = std::fmod(t_s_, params_.idle_period_s) / params_.idle_period_s;
    const bool idle = idle_phase >= 1 - params_.idle_fraction;
    const double jitter = 0.9 + 0.2 * uniform_(random_);
    const double ops = idle ? 0 : params_.ops_per_s * params_.interval_s * jitter;
    work_ += ops;
    if (t_s_ >= params_.leak_start_s) leak_work_ += ops;
  }
  const double ar = params_.noise_ar;
  noise_ = ar * noise_ + std::sqrt(1 - ar * ar) * params_.noise_bytes * gaussian_(random_);
  const bool scheduled = params_.batch_at_s >= 0 && t_s_ >= params_.batch_at_s &&
                         t_s_ < params_.batch_at_s + params_.interval_s;
  const bool random_batch = params_.batch_rate_per_s > 0 && t_s_ >= batch_until_s_ &&
                            uniform_(random_) < params_.batch_rate_per_s * params_.interval_s;
  if (scheduled || random_batch) batch_until_s_ = t_s_ + params_.batch_duration_s;
  const double footprint =
      live_now() + params_.rss_overhead_bytes + params_.fragmentation_bytes_per_op * work_;
  const double decayed = rss_ - params_.rss_decay_per_s * params_.interval_s * (rss_ - footprint);
  rss_ = std::max(footprint, index_ == 0 ? footprint : decayed);
  if (params_.purge_interval_s > 0 && t_s_ >= next_purge_s_) {
    next_purge_s_ += params_.purge_interval_s;
    purge_due_ = true;
  }
  return sample();
}

}  // namespace memsoak

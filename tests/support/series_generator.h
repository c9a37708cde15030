// Synthetic memory series with known answers, realistic enough to be hard: a bounded live set
// with AR(1) noise, a slow warm-up (a linear fill and an exponential cache warm-up), a sawtooth
// cache, transient big batches, a rare permanent step, and RSS modelled as a running maximum of
// the footprint that decays slowly (as jemalloc's dirty pages do) and drops at purges. Faults
// are injected on top: a leak of B bytes per operation, growth per second, fragmentation.
// The same parameters and seed always give the same series. Used by the tests, the
// calibration (bench/detector_calibration) and the benchmark.
#pragma once

#include <cstdint>
#include <optional>
#include <random>

#include "harness/series.h"

namespace memsoak {

struct GeneratorParams {
  std::uint64_t seed = 1;
  double duration_s = 3600;
  double interval_s = 1;
  double ops_per_s = 10000;  // split between the "queries" and "docs" counters
  double docs_share = 0.2;
  double idle_fraction = 0;  // of every idle_period_s, the work stops (the clock does not)
  double idle_period_s = 600;

  double live_bytes = 135.0 * 1024 * 1024;  // the steady working set
  double noise_bytes = 2.0 * 1024 * 1024;   // marginal standard deviation of the AR(1) noise
  double noise_ar = 0.6;                    // lag-1 autocorrelation at this interval
  // Linear fill of the working set from nothing at the start: the program loading its data.
  // Its samples are marked before_steady (as memsoak run marks its own) unless told otherwise.
  double fill_s = 0;
  bool fill_is_steady = false;
  double cache_warm_bytes = 0;  // an exponential warm-up on top of it
  double cache_warm_tau_s = 120;
  double cache_fill_bytes = 0;  // a cache on top of it that fills linearly to its cap
  double cache_fill_s = 600;
  double sawtooth_bytes = 0;  // a cache that fills linearly and is flushed every period
  double sawtooth_period_s = 60;
  double sawtooth_phase = -1;   // of the period at t = 0, in [0, 1); negative: drawn at random
  double batch_rate_per_s = 0;  // transient big batches (live rises, then falls back)
  double batch_bytes = 0;
  double batch_duration_s = 5;
  double batch_at_s = -1;  // one batch at this time as well (negative: none)
  double step_bytes = 0;   // one permanent step of the live set (a table that doubled)
  double step_at_s = 0;

  double rss_overhead_bytes = 12.0 * 1024 * 1024;  // allocator metadata, code, stacks
  double rss_decay_per_s = 0;                      // 0: RSS is a pure running maximum
  double purge_interval_s = 0;                     // 0: no purge checkpoints
  bool report_live_bytes = true;

  double leak_bytes_per_op = 0;
  double leak_start_s = 0;
  double time_growth_bytes_per_s = 0;
  double fragmentation_bytes_per_op = 0;  // RSS drift that a purge does not return
};

// Produces the records of one series in order: samples, and purge checkpoints between them.
class SeriesGenerator {
 public:
  explicit SeriesGenerator(const GeneratorParams& params);

  std::optional<SeriesRecord> next();  // nothing after the last sample

 private:
  double live_now() const;
  SeriesSample sample() const;

  GeneratorParams params_;
  std::mt19937_64 random_;
  std::normal_distribution<double> gaussian_{0.0, 1.0};
  std::uniform_real_distribution<double> uniform_{0.0, 1.0};
  long long index_ = -1;
  double t_s_ = 0;
  double work_ = 0;
  double leak_work_ = 0;  // operations since the leak began
  double noise_ = 0;
  double sawtooth_phase_s_ = 0;
  double batch_until_s_ = -1;
  double rss_ = 0;
  double next_purge_s_ = 0;
  bool purge_due_ = false;
};

}  // namespace memsoak

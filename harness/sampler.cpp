#include "harness/sampler.h"

#include <stdexcept>

namespace memsoak {

Sampler::Sampler(WorkSource& work, MemorySource& memory, unsigned rss_anon_every)
    : work_(work), memory_(memory), rss_anon_every_(rss_anon_every) {
  if (rss_anon_every == 0) throw std::invalid_argument("Sampler: rss_anon_every must be >= 1");
}

SeriesSample Sampler::sample(double t_s) {
  SeriesSample sample;
  sample.t_s = t_s;
  sample.work = work_.work();
  sample.memory = memory_.read(samples_ % rss_anon_every_ == 0);
  sample.extra = work_.take_interval_extra();
  ++samples_;
  return sample;
}

PurgeCheckpoint Sampler::purge(double t_s) {
  PurgeCheckpoint checkpoint;
  checkpoint.t_s = t_s;
  checkpoint.work = work_.work();
  checkpoint.before = memory_.read(true);
  memory_.purge();
  checkpoint.after = memory_.read(true);
  return checkpoint;
}

}  // namespace memsoak

#include "soak/run/sampler.h"

#include <stdexcept>

#include "harness/allocator_stats.h"

namespace memsoak {

Sampler::Sampler(WorkSource& work, unsigned rss_anon_every)
    : work_(work), rss_anon_every_(rss_anon_every) {
  if (rss_anon_every == 0) throw std::invalid_argument("Sampler: rss_anon_every must be >= 1");
}

MemoryReading Sampler::read_memory(bool with_rss_anon) const {
  MemoryReading reading;
  reading.rss_bytes = static_cast<double>(self_.rss_bytes());
  if (with_rss_anon) {
    reading.rss_anon_bytes = static_cast<double>(self_.smaps_rollup().anonymous_bytes);
  }
  reading.allocator = read_allocator_stats();
  return reading;
}

WorkCounters Sampler::work_counters() const {
  const WorkDone done = work_.work();
  return WorkCounters{{kQueriesCounter, static_cast<double>(done.queries)},
                      {kDocsCounter, static_cast<double>(done.docs)}};
}

SeriesSample Sampler::sample(double t_s) {
  SeriesSample sample;
  sample.t_s = t_s;
  sample.work = work_counters();
  sample.memory = read_memory(samples_ % rss_anon_every_ == 0);
  sample.extra = work_.take_interval_extra();
  ++samples_;
  return sample;
}

PurgeCheckpoint Sampler::purge(double t_s) {
  PurgeCheckpoint checkpoint;
  checkpoint.t_s = t_s;
  checkpoint.work = work_counters();
  checkpoint.before = read_memory(true);
  purge_allocator();
  checkpoint.after = read_memory(true);
  return checkpoint;
}

}  // namespace memsoak

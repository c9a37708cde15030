// One sample of a soak: the work done, the memory of the process soaked (RSS every sample,
// RssAnon only every `rss_anon_every` samples, the allocator's own statistics) and the work
// source's extra fields (arena bytes, the interval's latency percentiles). And one purge
// checkpoint: the same memory readings before and after the allocator's purge hook. The
// sampler allocates nothing that outlives a call.
#pragma once

#include <cstdint>

#include "harness/memory_source.h"
#include "harness/series.h"
#include "harness/work_source.h"

namespace memsoak {

// smaps_rollup walks the page tables (milliseconds on a big heap): one sample in ten reads it.
inline constexpr unsigned kRssAnonEverySamples = 10;

class Sampler {
 public:
  Sampler(WorkSource& work, MemorySource& memory, unsigned rss_anon_every);  // every >= 1

  SeriesSample sample(double t_s);
  PurgeCheckpoint purge(double t_s);
  bool steady() const { return work_.steady(); }  // see WorkSource::steady

 private:
  WorkSource& work_;
  MemorySource& memory_;
  unsigned rss_anon_every_;
  std::uint64_t samples_ = 0;
};

}  // namespace memsoak

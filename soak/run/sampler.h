// One sample of a soak run: the work done, this process's RSS (statm, every sample) and RssAnon
// (smaps_rollup, which walks the page tables, only every `rss_anon_every` samples), the
// allocator's own statistics, and the work source's extra fields (arena bytes, the interval's
// latency percentiles). And one purge checkpoint: the same memory readings before and after
// the allocator's purge hook. The sampler allocates nothing that outlives a call.
#pragma once

#include <cstdint>

#include "harness/proc_memory.h"
#include "harness/series.h"
#include "soak/run/work_source.h"

namespace memsoak {

class Sampler {
 public:
  Sampler(WorkSource& work, unsigned rss_anon_every);  // rss_anon_every >= 1

  SeriesSample sample(double t_s);
  PurgeCheckpoint purge(double t_s);
  bool steady() const { return work_.steady(); }  // see WorkSource::steady

 private:
  MemoryReading read_memory(bool with_rss_anon) const;
  WorkCounters work_counters() const;

  WorkSource& work_;
  ProcessMemory self_ = ProcessMemory::self();
  unsigned rss_anon_every_;
  std::uint64_t samples_ = 0;
};

}  // namespace memsoak

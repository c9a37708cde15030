// Where a soak reads memory from: this process (`memsoak run`'s workload, an in-process soak)
// or another one (`memsoak watch`). A reading holds RSS on every call and RssAnon (smaps_rollup,
// which walks the page tables: milliseconds on a big heap) when asked, and the allocator's own
// statistics where they can be read.
#pragma once

#include "harness/proc_memory.h"
#include "harness/series.h"

namespace memsoak {

class MemorySource {
 public:
  virtual ~MemorySource() = default;

  virtual MemoryReading read(bool with_rss_anon) = 0;
  // Asks the allocator to return free memory to the OS now; false when it cannot be asked.
  virtual bool purge() = 0;
};

// This process, its allocator read in place (harness/allocator_stats.h).
class ThisProcessMemory final : public MemorySource {
 public:
  MemoryReading read(bool with_rss_anon) override;
  bool purge() override;

 private:
  ProcessMemory self_ = ProcessMemory::self();
};

}  // namespace memsoak

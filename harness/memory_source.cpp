#include "harness/memory_source.h"

#include "harness/allocator_stats.h"

namespace memsoak {

MemoryReading ThisProcessMemory::read(bool with_rss_anon) {
  MemoryReading reading;
  reading.rss_bytes = static_cast<double>(self_.rss_bytes());
  if (with_rss_anon) {
    reading.rss_anon_bytes = static_cast<double>(self_.smaps_rollup().anonymous_bytes);
  }
  reading.allocator = read_allocator_stats();
  return reading;
}

bool ThisProcessMemory::purge() { return purge_allocator(); }

}  // namespace memsoak

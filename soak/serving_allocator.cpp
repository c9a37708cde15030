#include "soak/serving_allocator.h"

#include "harness/allocator_report.h"
#include "harness/allocator_stats.h"

namespace memsoak {

ServingAllocator serving_allocator() {
  const MallocProvider& provider = malloc_provider();
  return ServingAllocator{provider.allocator, provider.library_path, allocator_version()};
}

nlohmann::json serving_allocator_stats() { return read_allocator_stats(); }

bool purge_serving_allocator() { return purge_allocator(); }

}  // namespace memsoak

// The allocator serving malloc in this process, in the forms a soak run records: who it is
// (for the series header), its statistics as the "allocator" object of a sample, and its
// purge hook. A thin layer over harness/allocator_stats.h, which cannot share a file with
// harness/series.h (both define a memsoak::AllocatorStats).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace memsoak {

struct ServingAllocator {
  std::string name;          // "system", "jemalloc", ... as detected, not as requested
  std::string library_path;  // the object that defines malloc
  std::optional<std::string> version;
};

ServingAllocator serving_allocator();

// {"live_bytes":..,"active_bytes":..,"resident_bytes":..,"mapped_bytes":..,"retained_bytes":..},
// null where the allocator reports nothing. A few microseconds.
nlohmann::json serving_allocator_stats();

// Asks the allocator to return free memory to the OS now; false if it has no purge hook.
bool purge_serving_allocator();

}  // namespace memsoak

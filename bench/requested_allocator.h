// For benchmarks run once per allocator under LD_PRELOAD (bench/under_each_allocator.sh): labels
// the benchmark with the allocator that serves malloc, and skips it with an error when that is
// not the one MEMSOAK_ALLOCATOR asked for (a preload that did not take).
#pragma once

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "harness/allocator_registry.h"
#include "harness/allocator_stats.h"

namespace memsoak {

inline bool measuring_requested_allocator(benchmark::State& state) {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): no thread calls setenv
  const char* requested = std::getenv(std::string(kAllocatorVariable).c_str());
  try {
    if (requested != nullptr) require_malloc_served_by(requested);
  } catch (const AllocatorMismatch& mismatch) {
    state.SkipWithError(mismatch.what());
    return false;
  }
  state.SetLabel(malloc_provider().allocator);
  return true;
}

}  // namespace memsoak

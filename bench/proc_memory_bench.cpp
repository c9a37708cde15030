// The cost of each memory probe, to choose how often a sampler may call it: statm (kept fd,
// every sample), status and stat, smaps_rollup on a small and on a 1 GiB heap (it walks page
// tables), and the statistics of the allocator serving malloc (run it under LD_PRELOAD too).
#include <benchmark/benchmark.h>
#include <sys/mman.h>

#include <cstring>

#include "harness/allocator_stats.h"
#include "harness/proc_memory.h"

namespace memsoak {
namespace {

void BM_StatmRss(benchmark::State& state) {
  const ProcessMemory self = ProcessMemory::self();
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the loop idiom
    benchmark::DoNotOptimize(self.rss_bytes());
  }
}

void BM_StatusBreakdown(benchmark::State& state) {
  const ProcessMemory self = ProcessMemory::self();
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the loop idiom
    benchmark::DoNotOptimize(self.rss_breakdown());
  }
}

void BM_StatPageFaults(benchmark::State& state) {
  const ProcessMemory self = ProcessMemory::self();
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the loop idiom
    benchmark::DoNotOptimize(self.page_faults());
  }
}

// Argument: MiB of touched anonymous memory mapped while measuring.
void BM_SmapsRollup(benchmark::State& state) {
  const auto heap_bytes = static_cast<std::size_t>(state.range(0)) << 20;
  void* heap = heap_bytes == 0 ? nullptr
                               : ::mmap(nullptr, heap_bytes, PROT_READ | PROT_WRITE,
                                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (heap == MAP_FAILED) {
    state.SkipWithError("mmap failed");
    return;
  }
  if (heap != nullptr) std::memset(heap, 1, heap_bytes);
  const ProcessMemory self = ProcessMemory::self();
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the loop idiom
    benchmark::DoNotOptimize(self.smaps_rollup());
  }
  if (heap != nullptr) ::munmap(heap, heap_bytes);
}

void BM_AllocatorStats(benchmark::State& state) {
  state.SetLabel(malloc_provider().allocator);
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the loop idiom
    benchmark::DoNotOptimize(read_allocator_stats());
  }
}

BENCHMARK(BM_StatmRss);
BENCHMARK(BM_StatusBreakdown);
BENCHMARK(BM_StatPageFaults);
BENCHMARK(BM_SmapsRollup)->Arg(0)->Arg(1024)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AllocatorStats);

}  // namespace
}  // namespace memsoak

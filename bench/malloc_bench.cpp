// malloc/free of small blocks (16-64 bytes) under whichever allocator serves malloc; run once
// per allocator under LD_PRELOAD by bench/run_malloc_bench.sh. Each benchmark is labelled with
// the allocator detected, and refuses to run when it is not the one MEMSOAK_ALLOCATOR asked for.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdlib>
#include <string>

#include "harness/allocator_registry.h"
#include "harness/allocator_stats.h"

namespace memsoak {
namespace {

constexpr std::size_t kBatchBlocks = 1000;

bool measuring_requested_allocator(benchmark::State& state) {
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

// One block allocated and freed at once: the thread-cache fast path of every allocator.
void BM_MallocFree(benchmark::State& state) {
  if (!measuring_requested_allocator(state)) return;
  const auto bytes = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the loop idiom
    void* block = std::malloc(bytes);
    benchmark::DoNotOptimize(block);
    std::free(block);
  }
  state.SetItemsProcessed(state.iterations());
}

// A thousand blocks live at once, then freed in allocation order: caches fill and drain, and
// the allocator's free lists and slab/page bookkeeping take part.
void BM_MallocBatchThenFree(benchmark::State& state) {
  if (!measuring_requested_allocator(state)) return;
  const auto bytes = static_cast<std::size_t>(state.range(0));
  std::array<void*, kBatchBlocks> blocks{};
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the loop idiom
    for (void*& block : blocks) {
      block = std::malloc(bytes);
      benchmark::DoNotOptimize(block);
    }
    for (void* block : blocks) std::free(block);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kBatchBlocks));
}

BENCHMARK(BM_MallocFree)->Arg(16)->Arg(32)->Arg(48)->Arg(64);
BENCHMARK(BM_MallocBatchThenFree)->Arg(16)->Arg(32)->Arg(48)->Arg(64);

}  // namespace
}  // namespace memsoak

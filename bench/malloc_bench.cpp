// malloc/free of small blocks (16-64 bytes) under whichever allocator serves malloc; run once
// per allocator under LD_PRELOAD by bench/run_malloc_bench.sh (bench/requested_allocator.h).
#include <benchmark/benchmark.h>

#include <array>
#include <cstdlib>
#include <string>
#include <utility>

#include "bench/requested_allocator.h"

namespace memsoak {
namespace {

constexpr std::size_t kBatchBlocks = 1000;

// One block allocated and freed at once: the thread-cache fast path of every allocator.
void BM_MallocFree(benchmark::State& state) {
  if (!measuring_requested_allocator(state)) return;
  const auto bytes = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the loop idiom
    void* block = std::malloc(bytes);
    benchmark::DoNotOptimize(std::as_const(block));
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
      benchmark::DoNotOptimize(std::as_const(block));
    }
    for (void* block : blocks) std::free(block);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kBatchBlocks));
}

BENCHMARK(BM_MallocFree)->Arg(16)->Arg(32)->Arg(48)->Arg(64);
BENCHMARK(BM_MallocBatchThenFree)->Arg(16)->Arg(32)->Arg(48)->Arg(64);

}  // namespace
}  // namespace memsoak

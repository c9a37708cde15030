// Small-allocation throughput of memsoak::Arena against llvm::BumpPtrAllocator,
// std::pmr::monotonic_buffer_resource and malloc/free, on one fixed sequence of 16-64-byte
// requests (8-byte aligned). Each iteration allocates a batch and then frees it the way each
// allocator is used per query or per batch: reset(), Reset(), release() or free() of every
// block; that cost is included, so each allocator's reuse policy counts. items/s =
// allocations per second.
#include <benchmark/benchmark.h>
#include <llvm/Support/Allocator.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory_resource>
#include <random>
#include <vector>

#include "harness/arena.h"
#include "harness/arena_resource.h"

namespace memsoak {
namespace {

constexpr std::size_t kAlign = 8;
constexpr std::uint64_t kSizesSeed = 20240611;

std::vector<std::size_t> request_sizes(std::size_t count) {
  std::mt19937_64 random(kSizesSeed);
  std::uniform_int_distribution<std::size_t> bytes(16, 64);
  std::vector<std::size_t> sizes(count);
  for (std::size_t& size : sizes) {
    size = bytes(random);
  }
  return sizes;
}

struct MemsoakArena {
  Arena arena;
  void* allocate(std::size_t bytes) { return arena.allocate(bytes, kAlign); }
  void free_batch() { arena.reset(); }
};

// What the soak workload uses: the arena behind a std::pmr::memory_resource pointer.
struct MemsoakArenaResource {
  Arena arena;
  ArenaResource resource{arena};
  std::pmr::memory_resource* upstream = &resource;
  void* allocate(std::size_t bytes) { return upstream->allocate(bytes, kAlign); }
  void free_batch() { arena.reset(); }
};

struct LlvmBumpPtr {
  llvm::BumpPtrAllocator allocator;
  void* allocate(std::size_t bytes) { return allocator.Allocate(bytes, llvm::Align(kAlign)); }
  void free_batch() { allocator.Reset(); }
};

struct PmrMonotonic {
  std::pmr::monotonic_buffer_resource resource;
  void* allocate(std::size_t bytes) { return resource.allocate(bytes, kAlign); }
  void free_batch() { resource.release(); }
};

struct MallocFree {
  std::vector<void*> live;
  void* allocate(std::size_t bytes) { return live.emplace_back(std::malloc(bytes)); }
  void free_batch() {
    for (void* block : live) {
      std::free(block);
    }
    live.clear();
  }
};

template <class Allocator>
void BM_SmallAllocations(benchmark::State& state) {
  const std::vector<std::size_t> sizes = request_sizes(static_cast<std::size_t>(state.range(0)));
  Allocator allocator;
  for (auto _ : state) {
    for (const std::size_t bytes : sizes) {
      benchmark::DoNotOptimize(allocator.allocate(bytes));
    }
    allocator.free_batch();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

// 4096 requests (~160 KiB) model per-query scratch, 65536 (~2.6 MiB) an indexing batch.
BENCHMARK_TEMPLATE(BM_SmallAllocations, MemsoakArena)->Arg(4096)->Arg(65536);
BENCHMARK_TEMPLATE(BM_SmallAllocations, MemsoakArenaResource)->Arg(4096)->Arg(65536);
BENCHMARK_TEMPLATE(BM_SmallAllocations, LlvmBumpPtr)->Arg(4096)->Arg(65536);
BENCHMARK_TEMPLATE(BM_SmallAllocations, PmrMonotonic)->Arg(4096)->Arg(65536);
BENCHMARK_TEMPLATE(BM_SmallAllocations, MallocFree)->Arg(4096)->Arg(65536);

}  // namespace
}  // namespace memsoak

// Small-allocation throughput of memsoak::Arena against llvm::BumpPtrAllocator,
// std::pmr::monotonic_buffer_resource and malloc/free, on fixed seeded sequences of 16-64-byte
// requests. Each iteration allocates a batch and then frees it the way each allocator is used
// per query or per batch: reset(), Reset(), release() or free() of every block; that cost is
// included, so each allocator's reuse policy counts. items/s = allocations per second.
// Cases: 8-byte-aligned requests (directly and through std::pmr::memory_resource*), mixed
// alignments, objects with destructors, and a scope per query. bench/arena_table.py makes the
// table and the same-run ratios from the JSON output.
#include <benchmark/benchmark.h>
#include <llvm/Support/Allocator.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <iterator>
#include <memory_resource>
#include <random>
#include <vector>

#include "harness/arena.h"
#include "harness/arena_resource.h"

namespace memsoak {
namespace {

constexpr std::uint64_t kRequestsSeed = 20240611;

struct Request {
  std::size_t bytes;
  std::size_t align;
};

// `count` requests of 16 to 64 bytes (uniform, seeded), each aligned to one of `aligns`.
std::vector<Request> requests(std::size_t count, std::initializer_list<std::size_t> aligns) {
  std::mt19937_64 random(kRequestsSeed);
  std::uniform_int_distribution<std::size_t> bytes(16, 64);
  std::uniform_int_distribution<std::size_t> align_index(0, aligns.size() - 1);
  std::vector<Request> chosen(count);
  for (Request& request : chosen) {
    request.bytes = bytes(random);
    request.align = std::data(aligns)[align_index(random)];
  }
  return chosen;
}

struct MemsoakArena {
  Arena arena;
  void* allocate(std::size_t bytes, std::size_t align) { return arena.allocate(bytes, align); }
  void free_batch() { arena.reset(); }
};

// The arena returning its chunks after every batch, as LLVM's Reset() and pmr's release() do.
struct MemsoakArenaRelease {
  Arena arena;
  void* allocate(std::size_t bytes, std::size_t align) { return arena.allocate(bytes, align); }
  void free_batch() { arena.release(); }
};

// What the soak workload uses: the arena behind a std::pmr::memory_resource pointer.
struct MemsoakArenaResource {
  Arena arena;
  ArenaResource resource{arena};
  std::pmr::memory_resource* upstream = &resource;
  void* allocate(std::size_t bytes, std::size_t align) { return upstream->allocate(bytes, align); }
  void free_batch() { arena.reset(); }
};

struct LlvmBumpPtr {
  llvm::BumpPtrAllocator allocator;
  void* allocate(std::size_t bytes, std::size_t align) {
    return allocator.Allocate(bytes, llvm::Align(align));
  }
  void free_batch() { allocator.Reset(); }
};

struct PmrMonotonic {
  std::pmr::monotonic_buffer_resource resource;
  void* allocate(std::size_t bytes, std::size_t align) { return resource.allocate(bytes, align); }
  void free_batch() { resource.release(); }
};

// pmr's own bump resource behind the same virtual call as MemsoakArenaResource: what the
// std::pmr interface costs any resource.
struct PmrMonotonicResource {
  std::pmr::monotonic_buffer_resource resource;
  std::pmr::memory_resource* upstream = &resource;
  void* allocate(std::size_t bytes, std::size_t align) { return upstream->allocate(bytes, align); }
  void free_batch() { resource.release(); }
};

struct MallocFree {
  std::vector<void*> live;
  void* allocate(std::size_t bytes, std::size_t /*align: malloc's 16 covers the requests*/) {
    return live.emplace_back(std::malloc(bytes));
  }
  void free_batch() {
    for (void* block : live) {
      std::free(block);
    }
    live.clear();
  }
};

// With `kFixedAlign`, every request is aligned to it as a compile-time constant, as most
// callers' alignof(T) is (LLVM's Align then needs no Log2 at run time); otherwise to its own.
// Flattened so that each allocator's header-inline fast path is inlined whatever GCC's
// heuristics decide for this file (LLVM's Allocate is not, otherwise).
template <class Allocator, std::size_t kFixedAlign = 0>
[[gnu::flatten]] void allocate_batches(benchmark::State& state,
                                       const std::vector<Request>& requests) {
  Allocator allocator;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the loop idiom
    for (const Request& request : requests) {
      const std::size_t align = kFixedAlign != 0 ? kFixedAlign : request.align;
      benchmark::DoNotOptimize(allocator.allocate(request.bytes, align));
    }
    allocator.free_batch();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(requests.size()));
}

// 16-64-byte requests, 8-byte aligned.
template <class Allocator>
void BM_SmallAllocations(benchmark::State& state) {
  allocate_batches<Allocator, 8>(state, requests(static_cast<std::size_t>(state.range(0)), {8}));
}

// The same sizes, each aligned to 8, 16, 32 or 64 bytes (cache-line-aligned nodes beside plain
// ones): padding in every other request.
template <class Allocator>
void BM_MixedAlignments(benchmark::State& state) {
  allocate_batches<Allocator>(state,
                              requests(static_cast<std::size_t>(state.range(0)), {8, 16, 32, 64}));
}

// An object that owns heap memory, as the workload's documents do; its destructor must run.
struct Node {
  explicit Node(std::size_t id) : id(id) {}
  ~Node() { benchmark::DoNotOptimize(id); }
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  std::size_t id;
  std::array<std::byte, 24> payload{};
};

// Objects whose destructors run when the batch is freed: Arena::make<T> registers each one,
// llvm::SpecificBumpPtrAllocator<T> runs them all in DestroyAll() (one type per allocator).
void BM_MakeWithDestructor_MemsoakArena(benchmark::State& state) {
  Arena arena;
  const auto count = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the loop idiom
    for (std::size_t i = 0; i < count; ++i) benchmark::DoNotOptimize(arena.make<Node>(i));
    arena.reset();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_MakeWithDestructor_LlvmSpecificBumpPtr(benchmark::State& state) {
  llvm::SpecificBumpPtrAllocator<Node> allocator;
  const auto count = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the loop idiom
    for (std::size_t i = 0; i < count; ++i) {
      benchmark::DoNotOptimize(new (allocator.Allocate()) Node(i));
    }
    allocator.DestroyAll();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

// Per-query scratch inside one long-lived arena: an ArenaScope around each query of 64
// requests rewinds the arena at the query's end.
void BM_ScopePerQuery_MemsoakArena(benchmark::State& state) {
  constexpr std::size_t kRequestsPerQuery = 64;
  const std::vector<Request> query = requests(kRequestsPerQuery, {8});
  Arena arena;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the loop idiom
    for (std::int64_t q = 0; q < state.range(0); ++q) {
      const ArenaScope scope(arena);
      for (const Request& request : query) {
        benchmark::DoNotOptimize(arena.allocate(request.bytes, request.align));
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * state.range(0) *
                          static_cast<std::int64_t>(kRequestsPerQuery));
}

// 4096 requests (~160 KiB) model per-query scratch, 65536 (~2.6 MiB) an indexing batch.
BENCHMARK_TEMPLATE(BM_SmallAllocations, MemsoakArena)->Arg(4096)->Arg(65536);
BENCHMARK_TEMPLATE(BM_SmallAllocations, MemsoakArenaRelease)->Arg(4096)->Arg(65536);
BENCHMARK_TEMPLATE(BM_SmallAllocations, MemsoakArenaResource)->Arg(4096)->Arg(65536);
BENCHMARK_TEMPLATE(BM_SmallAllocations, LlvmBumpPtr)->Arg(4096)->Arg(65536);
BENCHMARK_TEMPLATE(BM_SmallAllocations, PmrMonotonic)->Arg(4096)->Arg(65536);
BENCHMARK_TEMPLATE(BM_SmallAllocations, PmrMonotonicResource)->Arg(4096)->Arg(65536);
BENCHMARK_TEMPLATE(BM_SmallAllocations, MallocFree)->Arg(4096)->Arg(65536);
BENCHMARK_TEMPLATE(BM_MixedAlignments, MemsoakArena)->Arg(4096);
BENCHMARK_TEMPLATE(BM_MixedAlignments, LlvmBumpPtr)->Arg(4096);
BENCHMARK_TEMPLATE(BM_MixedAlignments, PmrMonotonic)->Arg(4096);
BENCHMARK(BM_MakeWithDestructor_MemsoakArena)->Arg(4096);
BENCHMARK(BM_MakeWithDestructor_LlvmSpecificBumpPtr)->Arg(4096);
BENCHMARK(BM_ScopePerQuery_MemsoakArena)->Arg(64);

}  // namespace
}  // namespace memsoak

// memsoak's fuzz kit: fuzz your own allocator with memsoak's operation programs and shadow-model
// oracles. Describe the allocator as a MallocLike (a few callables and what it guarantees), or
// hand over a std::pmr::memory_resource, and one macro makes the libFuzzer target:
//
//   MEMSOAK_FUZZ_MALLOC_LIKE("my_heap", [] { return my_heap_as_malloc_like(); })
//
// Each input is a program of operations on 32 slots (allocate, allocate_zeroed, reallocate,
// deallocate, check), run against a fresh allocator from the factory; nothing carries over
// between inputs. Every block the allocator returns is checked (aligned as promised, usable
// size at least the request, no overlap with any live block, zeroed when promised, a resize
// keeps the old contents), filled with a canary that is checked again before it is freed, and
// its slack beyond the request is poisoned under ASan. The allocator's own count of bytes in use,
// if it has one, must cover the live blocks and be zero once they are freed. A broken promise
// aborts with the operation that broke it, so libFuzzer records a crash.
//
// The same target linked with memsoak::fuzz_replay (instead of -fsanitize=fuzzer) is the replay
// binary: it runs inputs and corpora without libFuzzer, prints any input as its program
// (--print), assembles hand-written programs (.ops) and prints a dictionary (--dictionary).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <memory_resource>
#include <span>
#include <string_view>

namespace memsoak::fuzz {

// What the allocator promises. The kit asks only for what is promised and checks all of it.
struct Guarantees {
  std::size_t min_alignment = 1;       // every block is aligned at least this much (malloc: 16)
  std::size_t max_alignment = 4096;    // the largest alignment `allocate` honours (1: none)
  bool realloc_to_zero_frees = false;  // reallocate(p, n, 0) frees p and may return null
  // deallocate also accepts any size from the request up to usable_size (jemalloc's sdallocx);
  // the kit then passes either.
  bool sized_free_takes_usable_size = false;
  // bytes_in_use is exactly the live blocks' requested bytes (a 0-byte block counts as 1),
  // not only at least that.
  bool bytes_in_use_exact = false;
};

// A malloc-like allocator as callables. allocate and deallocate are required; the rest are
// optional (empty: the kit does without). Sizes are in bytes; alignments are powers of two.
struct MallocLike {
  // A block of `bytes` aligned to `alignment` (at most max_alignment); never null.
  std::function<void*(std::size_t bytes, std::size_t alignment)> allocate;
  // Frees a block with the size and alignment it was allocated with.
  std::function<void(void* block, std::size_t bytes, std::size_t alignment)> deallocate;
  // Resizes a block allocated with alignment 1, keeping its first min(old, new) bytes.
  std::function<void*(void* block, std::size_t old_bytes, std::size_t new_bytes)> reallocate;
  // A block of `bytes` whose bytes all read zero (calloc).
  std::function<void*(std::size_t bytes)> allocate_zeroed;
  // What the block can hold: at least the request.
  std::function<std::size_t(void* block)> usable_size;
  // The allocator's own count of bytes in use: at least the live blocks' requested bytes.
  std::function<std::size_t()> bytes_in_use;
  // Whether [block, block + bytes) lies in memory the allocator owns (its chunks, its heap).
  std::function<bool(void* block, std::size_t bytes)> owns;
  // Called once a block is found aligned to less than asked: true when that is a known bug to
  // tolerate (report it yourself), false to fail.
  std::function<bool(void* block, std::size_t bytes, std::size_t alignment)> tolerate_misalignment;
  Guarantees guarantees;
};

// A MallocLike over a memory resource: allocate and deallocate with sizes and alignments up to
// 4096. The resource must outlive it.
MallocLike malloc_like(std::pmr::memory_resource& resource);

// Runs one input against `allocator`; returns 0 (a failure aborts).
int run_malloc_like(const MallocLike& allocator, std::span<const std::uint8_t> input);

// The operation table every MallocLike target uses, under the target's name. Defined by the
// macros below; read by the replay binary.
struct OpTable;
const OpTable& malloc_like_table(std::string_view target);
const OpTable& target_op_table();

// Structure-aware mutation, the hooks every target macro defines (fuzz/mutator.cpp): inputs
// change by whole operations (insert, delete, duplicate, swap, or one argument re-chosen from
// size-class, page and mmap boundaries, object sizes and alignments, slots in use) instead of
// by bytes that shift every later operation; one mutation in three is libFuzzer's own. Every
// output decodes to whole operations.
std::size_t mutate_program(const OpTable& table, std::uint8_t* data, std::size_t size,
                           std::size_t max_size, unsigned seed);
// The operations of `first` up to a random point, then those of `second` from a random point.
std::size_t cross_over_programs(const OpTable& table, const std::uint8_t* first,
                                std::size_t first_size, const std::uint8_t* second,
                                std::size_t second_size, std::uint8_t* out, std::size_t max_size,
                                unsigned seed);

}  // namespace memsoak::fuzz

// libFuzzer's custom mutator hooks on the target's operation table.
#define MEMSOAK_FUZZ_MUTATOR_HOOKS()                                                            \
  extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size,          \
                                                 std::size_t max_size, unsigned int seed) {     \
    return ::memsoak::fuzz::mutate_program(::memsoak::fuzz::target_op_table(), data, size,      \
                                           max_size, seed);                                     \
  }                                                                                             \
  extern "C" std::size_t LLVMFuzzerCustomCrossOver(                                             \
      const std::uint8_t* first, std::size_t first_size, const std::uint8_t* second,            \
      std::size_t second_size, std::uint8_t* out, std::size_t max_size, unsigned int seed) {    \
    return ::memsoak::fuzz::cross_over_programs(::memsoak::fuzz::target_op_table(), first,      \
                                                first_size, second, second_size, out, max_size, \
                                                seed);                                          \
  }

// Defines the fuzz target `name`: make() returns a fresh MallocLike for each input.
#define MEMSOAK_FUZZ_MALLOC_LIKE(name, make)                                          \
  const ::memsoak::fuzz::OpTable& memsoak::fuzz::target_op_table() {                  \
    return ::memsoak::fuzz::malloc_like_table(name);                                  \
  }                                                                                   \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) { \
    return ::memsoak::fuzz::run_malloc_like((make)(), std::span(data, size));         \
  }                                                                                   \
  MEMSOAK_FUZZ_MUTATOR_HOOKS()

// Defines the fuzz target `name` for a memory resource: make() returns a fresh
// std::unique_ptr to one for each input, destroyed after the input has freed every block.
#define MEMSOAK_FUZZ_MEMORY_RESOURCE(name, make)                                      \
  const ::memsoak::fuzz::OpTable& memsoak::fuzz::target_op_table() {                  \
    return ::memsoak::fuzz::malloc_like_table(name);                                  \
  }                                                                                   \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) { \
    const auto resource = (make)();                                                   \
    return ::memsoak::fuzz::run_malloc_like(::memsoak::fuzz::malloc_like(*resource),  \
                                            std::span(data, size));                   \
  }                                                                                   \
  MEMSOAK_FUZZ_MUTATOR_HOOKS()

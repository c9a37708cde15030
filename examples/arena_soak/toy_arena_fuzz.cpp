// A fuzz target for the toy arena, written with memsoak's fuzz kit: the arena described as a
// malloc-like allocator, a fresh one for every input. Built twice: with libFuzzer
// (toy_arena_fuzz, clang) and with memsoak::fuzz_replay (toy_arena_fuzz_replay, any compiler),
// which replays inputs and prints them as programs (--print).
#include <memory>

#include "memsoak/fuzz.h"
#include "toy_arena.h"

namespace {

memsoak::fuzz::MallocLike fresh_toy_arena() {
  auto arena = std::make_shared<ToyArena>();
  memsoak::fuzz::MallocLike allocator;
  allocator.allocate = [arena](std::size_t bytes, std::size_t) { return arena->allocate(bytes); };
  allocator.deallocate = [arena](void*, std::size_t, std::size_t) {};  // reset() frees them all
  allocator.guarantees.min_alignment = 16;  // every block is rounded to 16 bytes in a malloc chunk
  allocator.guarantees.max_alignment = 16;
  return allocator;
}

}  // namespace

MEMSOAK_FUZZ_MALLOC_LIKE("toy_arena", fresh_toy_arena)

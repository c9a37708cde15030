// ArenaResource — a std::pmr::memory_resource that allocates from a memsoak::Arena, so that
// code written against std::pmr (containers, the soak workload) runs on the arena.
// deallocate() frees nothing (memory comes back when the arena is reset, rewound or
// released); under AddressSanitizer it poisons the block, so a use after deallocate is caught.
// Two resources are equal only if they are the same object. The arena must outlive every
// container using the resource.
#pragma once

#include <cstddef>
#include <memory_resource>

#include "harness/arena.h"
#include "harness/asan_poison.h"

namespace memsoak {

class ArenaResource final : public std::pmr::memory_resource {
 public:
  explicit ArenaResource(Arena& arena) : arena_(arena) {}

  Arena& arena() const { return arena_; }

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    return arena_.allocate(bytes, alignment);
  }
  void do_deallocate(void* block, std::size_t bytes, std::size_t /*alignment*/) override {
    poison_bytes(block, bytes);
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }

  Arena& arena_;
};

}  // namespace memsoak

// The shadow model of every live block a fuzz program holds: one per slot, in a fixed array so
// the model never allocates (the harness's bookkeeping stays out of the fuzzed allocator).
// adopt() checks a block the allocator just returned (alignment, usable size at least the
// request, no overlap with any other live block, zeroed memory really zero, the prefix a resize
// must keep) and then fills it with its canary; release() checks the canary before the block
// goes back. For foreign allocators the slack between request and usable size is poisoned
// with ASan's manual poisoning, so an overflow into it is reported; release() unpoisons it
// again first, because the allocator may copy or zero all of the block (only the slack: the
// rest was never poisoned, and unpoisoning a huge block's shadow costs page faults).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "fuzz/program.h"

namespace memsoak::fuzz {

struct Block {
  std::byte* data = nullptr;
  std::size_t requested_bytes = 0;  // what the program asked for; the canary covers it
  std::size_t usable_bytes = 0;     // what the allocator says the block holds
  std::size_t alignment = 1;
  std::uint64_t seed = 0;  // of the canary pattern
  unsigned owner = 0;      // the heap, arena or resource it came from (per target)
  unsigned api_flags = 0;  // how it was allocated (per target: flags to free it with)

  bool live() const { return data != nullptr; }
};

enum class SlackPoisoning : bool { kOff, kOn };

// What else a fresh block must satisfy beyond the invariants every block keeps.
struct Expect {
  std::size_t resized_from_bytes = 0;      // a resize must keep the canary of the old size
  std::size_t zero_from_bytes = SIZE_MAX;  // [zero_from, requested) must read zero
};

class ShadowModel {
 public:
  explicit ShadowModel(SlackPoisoning poisoning) : poisoning_(poisoning) {}

  const Block& operator[](std::size_t slot) const { return blocks_[slot]; }
  bool live(std::size_t slot) const { return blocks_[slot].live(); }
  std::size_t live_count() const;
  std::size_t live_requested_bytes() const;

  // A seed for a new block's canary: distinct for every block of an input.
  std::uint64_t next_seed() { return ++seeds_issued_ * 0xD6E8FEB86659FD93ULL; }

  // Checks `block` and takes it into `slot` (which must be empty), then fills the canary.
  void adopt(std::size_t slot, const Block& block, const Expect& expectation = {});

  // Records how a live block must now be freed (after a resize changed the rules).
  void set_api_flags(std::size_t slot, unsigned api_flags) { blocks_[slot].api_flags = api_flags; }

  // Checks the canary and unpoisons the slack, then forgets the block: the caller frees it.
  Block release(std::size_t slot);

  // Re-checks the canary of every live block.
  void check_all() const;
  void check_intact(const Block& block) const;

  template <typename Visit>
  void for_each_live(Visit&& visit) const {
    for (std::size_t slot = 0; slot < blocks_.size(); ++slot) {
      if (blocks_[slot].live()) visit(slot, blocks_[slot]);
    }
  }

 private:
  void check_fresh(std::size_t slot, const Block& block, const Expect& expectation) const;
  std::array<Block, kSlotCount> blocks_{};
  SlackPoisoning poisoning_;
  std::uint64_t seeds_issued_ = 0;
};

}  // namespace memsoak::fuzz

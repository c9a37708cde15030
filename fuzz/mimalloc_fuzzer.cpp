// Fuzz target `mimalloc`: mimalloc's own API. Heaps (mi_heap_new, mi_heap_malloc, _zalloc,
// _calloc, _malloc_aligned, _zalloc_aligned, _realloc, _rezalloc, mi_heap_collect, and
// mi_heap_delete, which hands live blocks to the backing heap, or mi_heap_destroy, which frees
// them), mi_free / mi_free_size / mi_free_size_aligned and mi_usable_size. Checked beyond the
// shadow model: each block is in the heap the model says (mi_heap_contains_block), the blocks
// mi_heap_visit_blocks reports for a heap are exactly the model's (each known, none missing,
// the areas' `used` counts adding up), mi_rezalloc zeroes what it adds, and a destroyed heap's
// blocks are no longer in the backing heap.
#include <mimalloc.h>

#include <array>
#include <cstdio>

#include "fuzz/canary.h"
#include "fuzz/known_bugs.h"
#include "fuzz/limits.h"
#include "fuzz/run.h"
#include "fuzz/shadow.h"

namespace memsoak::fuzz {
namespace {

enum Opcode : std::uint8_t {
  kMalloc,
  kZalloc,
  kCalloc,
  kMallocAligned,
  kZallocAligned,
  kRealloc,
  kRezalloc,
  kFree,
  kHeapNew,
  kHeapDelete,
  kHeapDestroy,
  kHeapCollect,
  kCheckHeaps,
};

// `heap` arguments: 0-2 a created heap (the default heap if that one does not exist), 3+ the
// default heap. `how` for free: 0 mi_free, 1 mi_free_size, 2 mi_free_size_aligned.
constexpr OpSpec kOps[] = {
    {"malloc", {{{"slot", ArgKind::kSlot}, {"heap", ArgKind::kByte}, {"size", ArgKind::kSize}}}, 3},
    {"zalloc", {{{"slot", ArgKind::kSlot}, {"heap", ArgKind::kByte}, {"size", ArgKind::kSize}}}, 3},
    {"calloc",
     {{{"slot", ArgKind::kSlot},
       {"heap", ArgKind::kByte},
       {"count", ArgKind::kByte},
       {"size", ArgKind::kSize}}},
     4},
    {"malloc_aligned",
     {{{"slot", ArgKind::kSlot},
       {"heap", ArgKind::kByte},
       {"align", ArgKind::kAlign},
       {"size", ArgKind::kSize}}},
     4},
    {"zalloc_aligned",
     {{{"slot", ArgKind::kSlot},
       {"heap", ArgKind::kByte},
       {"align", ArgKind::kAlign},
       {"size", ArgKind::kSize}}},
     4},
    {"realloc",
     {{{"slot", ArgKind::kSlot}, {"heap", ArgKind::kByte}, {"size", ArgKind::kSize}}},
     3},
    {"rezalloc",
     {{{"slot", ArgKind::kSlot}, {"heap", ArgKind::kByte}, {"size", ArgKind::kSize}}},
     3},
    {"free", {{{"slot", ArgKind::kSlot}, {"how", ArgKind::kByte}}}, 2},
    {"heap_new", {{{"heap", ArgKind::kByte}}}, 1},
    {"heap_delete", {{{"heap", ArgKind::kByte}}}, 1},
    {"heap_destroy", {{{"heap", ArgKind::kByte}}}, 1},
    {"heap_collect", {{{"heap", ArgKind::kByte}, {"force", ArgKind::kByte}}}, 2},
    {"check_heaps", {}, 0},
};
constexpr OpTable kTable{"mimalloc", kOps};

constexpr std::size_t kHeaps = 3;
constexpr unsigned kBackingHeap = kHeaps;  // Block::owner of blocks in the backing heap
constexpr unsigned kZeroInitialized = 1;   // Block::api_flags: allocated zeroed (rezalloc's rule)

// A rezalloc that moves a block zeroes only up to the new size, not to the new block's usable
// size; a later rezalloc that grows in place then hands out those stale bytes as "zeroed".
constexpr KnownBug kRezallocStaleTail{
    "mimalloc-rezalloc-stale-tail", "mimalloc", "2.0.9",
    "mi_rezalloc grows a zero-initialized block in place over bytes an earlier moving "
    "mi_rezalloc left unzeroed (past its requested size), so the grown part is not zero"};

// The small-block fast path of the aligned allocators compares the size with a limit in words
// as if it were bytes and returns a block of the size class without checking its alignment.
constexpr KnownBug kAlignedSmallMisaligned{
    "mimalloc-aligned-small-misaligned", "mimalloc", "2.0.9",
    "mi_heap_malloc_aligned(heap, 512, 256) and other small sizes with alignments of 256 to "
    "1024 return blocks aligned to less than asked"};

// mi_version() as "major.minor.patch" (209 is 2.0.9).
std::string_view mimalloc_version() {
  static char text[16];
  const int version = mi_version();
  std::snprintf(text, sizeof text, "%d.%d.%d", version / 100, version / 10 % 10, version % 10);
  return text;
}

// What mi_heap_visit_blocks saw in one heap.
struct HeapCensus {
  const ShadowModel* model = nullptr;
  unsigned owner = 0;
  std::size_t blocks = 0;
  std::size_t area_used_blocks = 0;
};

// Aligned allocations hand out a pointer inside the block: a visited block matches a model
// block that starts within it.
bool count_block(const mi_heap_t*, const mi_heap_area_t* area, void* data, std::size_t block_bytes,
                 void* census_ptr) {
  auto& census = *static_cast<HeapCensus*>(census_ptr);
  if (data == nullptr) {  // called once per area before its blocks
    census.area_used_blocks += area->used;
    return true;
  }
  ++census.blocks;
  bool known = false;
  census.model->for_each_live([&](std::size_t, const Block& block) {
    const auto* start = static_cast<const std::byte*>(data);
    known = known || (block.owner == census.owner && block.data >= start &&
                      block.data < start + block_bytes);
  });
  expect(known, "mi_heap_visit_blocks reports block %p in heap %u, which the model does not have",
         data, census.owner);
  return true;
}

class MimallocMachine {
 public:
  void execute(const Op& op) {
    switch (op.code) {
      case kMalloc:
      case kZalloc:
        allocate(op.slot(0), op.args[1], op.bytes(2), 1, op.code == kZalloc);
        break;
      case kCalloc:
        if (op.args[2] != 0 && op.bytes(3) > kMaxLiveBytes / op.args[2]) break;
        allocate(op.slot(0), op.args[1], op.args[2] * op.bytes(3), 1, true, op.args[2]);
        break;
      case kMallocAligned:
      case kZallocAligned:
        allocate(op.slot(0), op.args[1], op.bytes(3), op.bytes(2), op.code == kZallocAligned);
        break;
      case kRealloc:
      case kRezalloc:
        reallocate(op.slot(0), op.args[1], op.bytes(2), op.code == kRezalloc);
        break;
      case kFree:
        free_block(op.slot(0), op.args[1]);
        break;
      case kHeapNew:
        if (!heaps_[op.args[0] % kHeaps]) heaps_[op.args[0] % kHeaps] = mi_heap_new();
        break;
      case kHeapDelete:
        delete_heap(op.args[0] % kHeaps);
        break;
      case kHeapDestroy:
        destroy_heap(op.args[0] % kHeaps);
        break;
      case kHeapCollect:
        mi_heap_collect(heap(op.args[0]), op.args[1] % 2 == 1);
        break;
      default:
        check_heaps();
        break;
    }
  }

  void teardown() {
    check_heaps();
    for (std::size_t slot = 0; slot < kSlotCount; ++slot) free_block(slot, 0);
    for (std::size_t index = 0; index < kHeaps; ++index) destroy_heap(index);
  }

 private:
  unsigned owner_of(std::uint64_t heap_choice) const {
    const std::size_t index = heap_choice % (kHeaps + 1);
    return index < kHeaps && heaps_[index] ? static_cast<unsigned>(index) : kBackingHeap;
  }

  mi_heap_t* heap(std::uint64_t heap_choice) const {
    const unsigned owner = owner_of(heap_choice);
    return owner == kBackingHeap ? mi_heap_get_backing() : heaps_[owner];
  }

  mi_heap_t* heap_of_owner(unsigned owner) const {
    return owner == kBackingHeap ? mi_heap_get_backing() : heaps_[owner];
  }

  void allocate(std::size_t slot, std::uint64_t heap_choice, std::size_t size,
                std::size_t alignment, bool zero, std::size_t count = 0) {
    free_block(slot, 0);
    if (!within_budget(model_.live_requested_bytes(), size)) return;
    mi_heap_t* target = heap(heap_choice);
    void* data = nullptr;
    if (count != 0) {
      data = mi_heap_calloc(target, count, size / count);
    } else if (alignment > 1) {
      data = zero ? mi_heap_zalloc_aligned(target, size, alignment)
                  : mi_heap_malloc_aligned(target, size, alignment);
    } else {
      data = zero ? mi_heap_zalloc(target, size) : mi_heap_malloc(target, size);
    }
    expect(data != nullptr, "mimalloc returned null for %zu bytes", size);
    Block block = make_block(data, size, alignment, owner_of(heap_choice), model_.next_seed());
    block.api_flags = zero ? kZeroInitialized : 0;
    zero_beyond_bytes_[slot] = size;
    model_.adopt(slot, block, zero ? Expect{.zero_from_bytes = 0} : Expect{});
  }

  Block make_block(void* data, std::size_t size, std::size_t alignment, unsigned owner,
                   std::uint64_t seed) const {
    Block block;
    block.data = static_cast<std::byte*>(data);
    block.requested_bytes = size;
    block.usable_bytes = mi_usable_size(data);
    block.alignment = alignment;
    const auto address = reinterpret_cast<std::uintptr_t>(data);
    if (address % alignment != 0) {
      known_bug(kAlignedSmallMisaligned, mimalloc_version());
      block.alignment = address & ~(address - 1);  // what it really has
    }
    block.owner = owner;
    block.seed = seed;
    expect(mi_heap_contains_block(heap_of_owner(owner), data),
           "block %p is not in the heap it was allocated from (%u)", data, owner);
    return block;
  }

  // mi_heap_realloc keeps a block that still fits in place (and in its heap), else moves it to
  // `heap`. mi_rezalloc (only for zero-initialized blocks, as documented) must leave every byte
  // the program never wrote reading zero.
  void reallocate(std::size_t slot, std::uint64_t heap_choice, std::size_t size, bool zero) {
    if (!model_.live(slot)) {
      allocate(slot, heap_choice, size, 1, zero);
      return;
    }
    zero = zero && (model_[slot].api_flags & kZeroInitialized) != 0;
    if (!within_budget(model_.live_requested_bytes() - model_[slot].requested_bytes, size)) return;
    const Block old = model_.release(slot);
    mi_heap_t* target = heap(heap_choice);
    void* data =
        zero ? mi_heap_rezalloc(target, old.data, size) : mi_heap_realloc(target, old.data, size);
    expect(data != nullptr, "mi_heap_realloc to %zu bytes returned null", size);
    const unsigned owner = data == old.data ? old.owner : owner_of(heap_choice);
    Block block = make_block(data, size, 1, owner, old.seed);
    block.api_flags = zero ? kZeroInitialized : 0;
    Expect expectation{.resized_from_bytes = old.requested_bytes};
    if (zero) expectation.zero_from_bytes = zero_beyond_bytes_[slot];
    if (zero && find_nonzero(block.data, size, expectation.zero_from_bytes, size) != kNoMismatch) {
      known_bug(kRezallocStaleTail, mimalloc_version());
      expectation.zero_from_bytes = SIZE_MAX;
    }
    zero_beyond_bytes_[slot] = std::max(zero_beyond_bytes_[slot], size);
    model_.adopt(slot, block, expectation);
  }

  void free_block(std::size_t slot, std::uint64_t how) {
    if (!model_.live(slot)) return;
    const Block block = model_.release(slot);
    switch (how % 3) {
      case 0:
        mi_free(block.data);
        break;
      case 1:
        mi_free_size(block.data, block.requested_bytes);
        break;
      default:
        mi_free_size_aligned(block.data, block.requested_bytes, block.alignment);
        break;
    }
  }

  // mi_heap_delete hands the live blocks to the backing heap.
  void delete_heap(std::size_t index) {
    if (!heaps_[index]) return;
    check_heap(static_cast<unsigned>(index));
    mi_heap_delete(heaps_[index]);
    heaps_[index] = nullptr;
    for (std::size_t slot = 0; slot < kSlotCount; ++slot) {
      if (!model_.live(slot) || model_[slot].owner != index) continue;
      Block block = model_.release(slot);
      block.owner = kBackingHeap;
      model_.adopt(slot, block, Expect{.resized_from_bytes = block.requested_bytes});
    }
  }

  // mi_heap_destroy frees the live blocks with the heap.
  void destroy_heap(std::size_t index) {
    if (!heaps_[index]) return;
    check_heap(static_cast<unsigned>(index));
    std::array<const void*, kSlotCount> discarded{};
    std::size_t discarded_count = 0;
    for (std::size_t slot = 0; slot < kSlotCount; ++slot) {
      if (model_.live(slot) && model_[slot].owner == index) {
        discarded[discarded_count++] = model_.release(slot).data;
      }
    }
    mi_heap_destroy(heaps_[index]);
    heaps_[index] = nullptr;
    for (std::size_t i = 0; i < discarded_count; ++i) {
      expect(!mi_is_in_heap_region(discarded[i]) ||
                 !mi_heap_contains_block(mi_heap_get_backing(), discarded[i]),
             "block %p of destroyed heap %zu turned up in the backing heap", discarded[i], index);
    }
  }

  void check_heaps() {
    model_.check_all();
    for (unsigned index = 0; index < kHeaps; ++index) {
      if (heaps_[index]) check_heap(index);
    }
  }

  // The heap's own census must match the model: every block it reports is one the model holds
  // there, and it reports as many as the model holds.
  void check_heap(unsigned index) const {
    HeapCensus census{.model = &model_, .owner = index};
    mi_heap_visit_blocks(heaps_[index], true, count_block, &census);
    std::size_t modelled = 0;
    model_.for_each_live(
        [&](std::size_t, const Block& block) { modelled += block.owner == index; });
    expect(census.blocks == modelled && census.area_used_blocks == modelled,
           "heap %u: the model holds %zu blocks, mi_heap_visit_blocks visits %zu and its areas "
           "count %zu used",
           index, modelled, census.blocks, census.area_used_blocks);
  }

  ShadowModel model_{SlackPoisoning::kOn};
  std::array<mi_heap_t*, kHeaps> heaps_{};
  std::array<std::size_t, kSlotCount> zero_beyond_bytes_{};  // never written past this (rezalloc)
};

}  // namespace
}  // namespace memsoak::fuzz

MEMSOAK_FUZZ_TARGET(memsoak::fuzz::kTable, memsoak::fuzz::MimallocMachine)

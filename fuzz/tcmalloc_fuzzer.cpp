// Fuzz target `tcmalloc`: gperftools' tcmalloc where its API differs from the system's — its
// own entry points (tc_malloc, tc_memalign, tc_realloc), the C++ ones with sizes and
// alignments (tc_new, tc_new_aligned, tc_delete_sized, tc_delete_sized_aligned, tc_free_sized,
// which must get the requested size and alignment back), tc_malloc_size, nallocx, and the
// MallocExtension queries (GetOwnership, GetAllocatedSize, GetEstimatedAllocatedSize,
// ReleaseFreeMemory, generic.current_allocated_bytes). Checked beyond the shadow model: every
// live block is owned by tcmalloc and both size queries agree with tc_malloc_size; nallocx
// predicts tc_malloc's usable size; the allocated-bytes statistic moves by exactly the usable
// sizes the program holds; contents survive ReleaseFreeMemory.
#include <gperftools/malloc_extension.h>
#include <gperftools/nallocx.h>
#include <gperftools/tcmalloc.h>

#include <new>

#include "fuzz/limits.h"
#include "fuzz/run.h"
#include "fuzz/shadow.h"

namespace memsoak::fuzz {
namespace {

enum Opcode : std::uint8_t {
  kMalloc,
  kMemalign,
  kNew,
  kNewAligned,
  kRealloc,
  kFree,
  kFreeSized,
  kReleaseFreeMemory,
  kCheck,
};

constexpr OpSpec kOps[] = {
    {"malloc", {{{"slot", ArgKind::kSlot}, {"size", ArgKind::kSize}}}, 2},
    {"memalign",
     {{{"slot", ArgKind::kSlot}, {"align", ArgKind::kAlign}, {"size", ArgKind::kSize}}},
     3},
    {"new", {{{"slot", ArgKind::kSlot}, {"size", ArgKind::kSize}}}, 2},
    {"new_aligned",
     {{{"slot", ArgKind::kSlot}, {"align", ArgKind::kAlign}, {"size", ArgKind::kSize}}},
     3},
    {"realloc", {{{"slot", ArgKind::kSlot}, {"size", ArgKind::kSize}}}, 2},
    {"free", {{{"slot", ArgKind::kSlot}}}, 1},
    {"free_sized", {{{"slot", ArgKind::kSlot}}}, 1},
    {"release_free_memory", {}, 0},
    {"check", {}, 0},
};
constexpr OpTable kTable{"tcmalloc", kOps};

// Block::api_flags: which family allocated the block, so it is freed by the matching call.
enum Family : unsigned { kMallocFamily, kNewFamily, kNewAlignedFamily };
// ...and whether tc_realloc resized it: tcmalloc takes a free_sized size as the size class to
// file the block under, and a realloc that shrinks in place keeps the old class, so such a
// block is freed unsized (as it must be after memalign: gperftools issue #1096).
constexpr unsigned kResized = 4;

std::size_t allocated_bytes() {
  std::size_t bytes = 0;
  expect(MallocExtension::instance()->GetNumericProperty("generic.current_allocated_bytes", &bytes),
         "tcmalloc has no generic.current_allocated_bytes");
  return bytes;
}

class TcmallocMachine {
 public:
  TcmallocMachine() : baseline_bytes_(allocated_bytes()) {}

  void execute(const Op& op) {
    switch (op.code) {
      case kMalloc:
        allocate(op.slot(0), op.bytes(1), 1, kMallocFamily);
        break;
      case kMemalign:
        allocate(op.slot(0), op.bytes(2), op.bytes(1), kMallocFamily);
        break;
      case kNew:
        allocate(op.slot(0), op.bytes(1), 1, kNewFamily);
        break;
      case kNewAligned:
        allocate(op.slot(0), op.bytes(2), op.bytes(1), kNewAlignedFamily);
        break;
      case kRealloc:
        reallocate(op.slot(0), op.bytes(1));
        break;
      case kFree:
      case kFreeSized:
        free_block(op.slot(0), op.code == kFreeSized);
        break;
      case kReleaseFreeMemory:
        MallocExtension::instance()->ReleaseFreeMemory();
        check();
        break;
      default:
        check();
        break;
    }
  }

  void teardown() {
    check();
    for (std::size_t slot = 0; slot < kSlotCount; ++slot) free_block(slot, slot % 2 == 0);
    check_statistics();
  }

 private:
  void allocate(std::size_t slot, std::size_t size, std::size_t alignment, Family family) {
    free_block(slot, false);
    if (!within_budget(model_.live_requested_bytes(), size)) return;
    void* data = nullptr;
    if (family == kNewFamily) {
      data = tc_new(size);
    } else if (family == kNewAlignedFamily) {
      data = tc_new_aligned(size, std::align_val_t{alignment});
    } else {
      data = alignment > 1 ? tc_memalign(alignment, size) : tc_malloc(size);
    }
    expect(data != nullptr, "tcmalloc returned null for %zu bytes", size);
    if (family == kMallocFamily && alignment == 1) {
      expect(tc_malloc_size(data) == nallocx(size, 0),
             "tc_malloc(%zu) has %zu usable bytes, nallocx predicted %zu", size,
             tc_malloc_size(data), nallocx(size, 0));
    }
    adopt(slot, data, size, alignment, family, Expect{}, model_.next_seed());
  }

  void adopt(std::size_t slot, void* data, std::size_t size, std::size_t alignment, Family family,
             const Expect& expectation, std::uint64_t seed) {
    Block block;
    block.data = static_cast<std::byte*>(data);
    block.requested_bytes = size;
    block.usable_bytes = tc_malloc_size(data);
    block.alignment = alignment;
    block.api_flags = family;
    block.seed = seed;
    model_.adopt(slot, block, expectation);
    check_statistics();
  }

  // tc_realloc is for the malloc family only; it keeps the old alignment only by chance.
  void reallocate(std::size_t slot, std::size_t size) {
    if (!model_.live(slot)) {
      allocate(slot, size, 1, kMallocFamily);
      return;
    }
    if ((model_[slot].api_flags & ~kResized) != kMallocFamily || size == 0 ||
        !within_budget(model_.live_requested_bytes() - model_[slot].requested_bytes, size)) {
      return;
    }
    const Block old = model_.release(slot);
    void* data = tc_realloc(old.data, size);
    expect(data != nullptr, "tc_realloc to %zu bytes returned null", size);
    adopt(slot, data, size, 1, kMallocFamily, Expect{.resized_from_bytes = old.requested_bytes},
          old.seed);
    model_.set_api_flags(slot, kMallocFamily | kResized);
  }

  void free_block(std::size_t slot, bool sized) {
    if (!model_.live(slot)) return;
    const Block block = model_.release(slot);
    const std::size_t size = block.requested_bytes;
    switch (block.api_flags & ~kResized) {
      case kNewFamily:
        sized ? tc_delete_sized(block.data, size) : tc_delete(block.data);
        break;
      case kNewAlignedFamily:
        sized ? tc_delete_sized_aligned(block.data, size, std::align_val_t{block.alignment})
              : tc_delete_aligned(block.data, std::align_val_t{block.alignment});
        break;
      default:
        sized&& block.api_flags == kMallocFamily&& block.alignment == 1
            ? tc_free_sized(block.data, size)
            : tc_free(block.data);
        break;
    }
  }

  void check() {
    model_.check_all();
    MallocExtension& extension = *MallocExtension::instance();
    model_.for_each_live([&](std::size_t slot, const Block& block) {
      expect(extension.GetOwnership(block.data) == MallocExtension::kOwned,
             "tcmalloc does not own live block %p (slot %zu)", static_cast<void*>(block.data),
             slot);
      expect(extension.GetAllocatedSize(block.data) == block.usable_bytes,
             "GetAllocatedSize(%p) = %zu, tc_malloc_size said %zu", static_cast<void*>(block.data),
             extension.GetAllocatedSize(block.data), block.usable_bytes);
    });
    check_statistics();
  }

  // tcmalloc counts the usable bytes of every block it has handed out and not got back.
  void check_statistics() const {
    std::size_t usable = 0;
    model_.for_each_live([&](std::size_t, const Block& block) { usable += block.usable_bytes; });
    const std::size_t counted = allocated_bytes() - baseline_bytes_;
    expect(counted == usable, "tcmalloc counts %zu bytes allocated, the live blocks hold %zu",
           counted, usable);
  }

  ShadowModel model_{SlackPoisoning::kOn};
  std::size_t baseline_bytes_;
};

}  // namespace
}  // namespace memsoak::fuzz

// tcmalloc registers its MallocExtension with a `new` it never frees, by design.
// NOLINTNEXTLINE(bugprone-reserved-identifier): the LeakSanitizer runtime's hook.
extern "C" const char* __lsan_default_suppressions() { return "leak:MallocExtension::Register\n"; }

MEMSOAK_FUZZ_TARGET(memsoak::fuzz::kTable, memsoak::fuzz::TcmallocMachine)

// Fuzz target `system`: the C allocator of whatever process it runs in, through malloc, calloc,
// realloc, aligned_alloc, posix_memalign, free and malloc_usable_size. The binary links no other
// allocator. Built with g++ (the replay binary) it exercises glibc's ptmalloc2; under ASan
// (the fuzz preset) ASan's interceptors own malloc, so it fuzzes ASan's allocator instead.
// Written on the fuzz kit (include/memsoak/fuzz.h): the C allocator as a MallocLike, with an
// operation table of its own for its several entry points.
#include <malloc.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>

#include "fuzz/asan.h"
#include "fuzz/limits.h"
#include "fuzz/malloc_like_machine.h"
#include "fuzz/run.h"

#ifdef MEMSOAK_FUZZ_UNDER_ASAN
// From <sanitizer/allocator_interface.h>, which g++ does not ship.
extern "C" {
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void*,
                                                                  std::size_t),
                                              void (*free_hook)(const volatile void*));
std::size_t __sanitizer_get_allocated_size(const volatile void* data);
}
#endif

namespace memsoak::fuzz {
namespace {

enum Opcode : std::uint8_t {
  kMalloc,
  kCalloc,
  kRealloc,
  kAlignedAlloc,
  kPosixMemalign,
  kFree,
  kCheckAll,
};

constexpr OpSpec kOps[] = {
    {"malloc", {{{"slot", ArgKind::kSlot}, {"size", ArgKind::kSizeRareHuge}}}, 2},
    {"calloc",
     {{{"slot", ArgKind::kSlot}, {"count", ArgKind::kByte}, {"size", ArgKind::kSizeRareHuge}}},
     3},
    {"realloc", {{{"slot", ArgKind::kSlot}, {"size", ArgKind::kSizeRareHuge}}}, 2},
    {"aligned_alloc",
     {{{"slot", ArgKind::kSlot}, {"align", ArgKind::kAlign}, {"size", ArgKind::kSizeRareHuge}}},
     3},
    {"posix_memalign",
     {{{"slot", ArgKind::kSlot}, {"align", ArgKind::kAlign}, {"size", ArgKind::kSizeRareHuge}}},
     3},
    {"free", {{{"slot", ArgKind::kSlot}}}, 1},
    {"check_all", {}, 0},
};
constexpr OpTable kTable{"system", kOps};

// Bytes ASan's allocator holds for the fuzzing thread, as its malloc and free hooks report them:
// exactly the bytes requested. Only this thread counts: libFuzzer's own threads (the RSS watcher)
// allocate at any moment, so a process-wide figure (__sanitizer_get_current_allocated_bytes)
// races with them. (glibc has no such count: mallinfo2 keeps chunks of its thread cache counted
// as in use after free.)
thread_local bool counting_this_thread = false;
thread_local std::size_t counted_bytes = 0;

#ifdef MEMSOAK_FUZZ_UNDER_ASAN
void count_malloc(const volatile void* /*data*/, std::size_t size) {
  if (counting_this_thread) counted_bytes += size;
}

// ASan runs free hooks before it releases the chunk, so its size is still known.
void count_free(const volatile void* data) {
  if (counting_this_thread) counted_bytes -= __sanitizer_get_allocated_size(data);
}
#endif

void start_counting() {
#ifdef MEMSOAK_FUZZ_UNDER_ASAN
  static const int installed = __sanitizer_install_malloc_and_free_hooks(count_malloc, count_free);
  expect(installed != 0, "ASan refused the malloc and free hooks");
#endif
  counted_bytes = 0;
  counting_this_thread = true;
}

// C11 asks aligned_alloc for a size that is a multiple of the alignment (ASan enforces it).
std::size_t round_up(std::size_t bytes, std::size_t alignment) {
  return (bytes + alignment - 1) / alignment * alignment;
}

// The C allocator as the fuzz kit sees it (calloc has its own operation, with a count). realloc(p,
// 0) frees p and returns null in glibc and under ASan alike.
const MallocLike& c_allocator() {
  static const MallocLike allocator = [] {
    MallocLike c;
    c.allocate = [](std::size_t bytes, std::size_t alignment) {
      return alignment <= alignof(std::max_align_t)
                 ? std::malloc(bytes)
                 : std::aligned_alloc(alignment, round_up(bytes, alignment));
    };
    c.deallocate = [](void* block, std::size_t, std::size_t) { std::free(block); };
    c.reallocate = [](void* block, std::size_t, std::size_t bytes) {
      return std::realloc(block, bytes);
    };
    c.usable_size = [](void* block) { return malloc_usable_size(block); };
    c.guarantees.min_alignment = alignof(std::max_align_t);
    c.guarantees.realloc_to_zero_frees = true;
    if (kUnderAsan) {
      c.bytes_in_use = [] { return counted_bytes; };
      c.guarantees.bytes_in_use_exact = true;
    }
    return c;
  }();
  return allocator;
}

class SystemMachine {
 public:
  SystemMachine() { start_counting(); }
  SystemMachine(const SystemMachine&) = delete;
  SystemMachine& operator=(const SystemMachine&) = delete;
  ~SystemMachine() { counting_this_thread = false; }

  void execute(const Op& op) {
    switch (op.code) {
      case kMalloc:
        blocks_.allocate(op.slot(0), op.bytes(1), 1);
        break;
      case kCalloc:
        calloc_block(op.slot(0), op.args[1], op.bytes(2));
        break;
      case kRealloc:
        blocks_.reallocate(op.slot(0), op.bytes(1));
        break;
      case kAlignedAlloc: {
        const std::size_t alignment = op.bytes(1);
        const std::size_t size = round_up(op.bytes(2), alignment);
        blocks_.allocate_with(op.slot(0), size, alignment, false,
                              [&] { return std::aligned_alloc(alignment, size); });
        break;
      }
      case kPosixMemalign:
        posix_memalign_block(op.slot(0), op.bytes(1), op.bytes(2));
        break;
      case kFree:
        blocks_.deallocate(op.slot(0));
        break;
      default:
        blocks_.check();
        break;
    }
  }

  void teardown() { blocks_.teardown(); }

 private:
  // count × size of common sizes would be huge in a third of the calls, and every huge block
  // costs an mmap; a huge calloc is made only when its size is one of the rare huge sizes.
  void calloc_block(std::size_t slot, std::size_t count, std::size_t size) {
    blocks_.deallocate(slot);
    if (count != 0 && size > kMaxLiveBytes / count) return;
    if (count * size > kCommonSizeMaxBytes && size <= kCommonSizeMaxBytes) return;
    blocks_.allocate_with(slot, count * size, 1, true, [&] { return std::calloc(count, size); });
  }

  void posix_memalign_block(std::size_t slot, std::size_t alignment, std::size_t size) {
    alignment = std::max(alignment, sizeof(void*));  // the smallest alignment it accepts
    blocks_.allocate_with(slot, size, alignment, false, [&] {
      void* data = nullptr;
      const int error = posix_memalign(&data, alignment, size);
      expect(error == 0, "posix_memalign(%zu, %zu) failed with %d", alignment, size, error);
      return data;
    });
  }

  MallocLikeMachine blocks_{c_allocator()};
};

}  // namespace
}  // namespace memsoak::fuzz

MEMSOAK_FUZZ_TARGET(memsoak::fuzz::kTable, memsoak::fuzz::SystemMachine)

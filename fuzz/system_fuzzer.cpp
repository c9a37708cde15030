// Fuzz target `system`: the C allocator of whatever process it runs in, through malloc, calloc,
// realloc, aligned_alloc, posix_memalign, free and malloc_usable_size. The binary links no other
// allocator. Built with g++ (the replay binary) it exercises glibc's ptmalloc2; under ASan
// (the fuzz preset) ASan's interceptors own malloc, so it fuzzes ASan's allocator instead.
#include <malloc.h>

#include <cstdlib>

#include "fuzz/asan.h"
#include "fuzz/limits.h"
#include "fuzz/run.h"
#include "fuzz/shadow.h"

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

constexpr std::size_t kMaxHugeBytesPerInput = std::size_t{1} << 20;

class SystemMachine {
 public:
  SystemMachine() { start_counting(); }
  SystemMachine(const SystemMachine&) = delete;
  SystemMachine& operator=(const SystemMachine&) = delete;
  ~SystemMachine() { counting_this_thread = false; }

  void execute(const Op& op) {
    switch (op.code) {
      case kMalloc:
        allocate(op.slot(0), op.bytes(1), 1, [&] { return std::malloc(op.bytes(1)); });
        break;
      case kCalloc:
        calloc_block(op.slot(0), op.args[1], op.bytes(2));
        break;
      case kRealloc:
        realloc_block(op.slot(0), op.bytes(1));
        break;
      case kAlignedAlloc: {
        // C11 asks for a size that is a multiple of the alignment (ASan enforces it).
        const std::size_t alignment = op.bytes(1);
        const std::size_t size = (op.bytes(2) + alignment - 1) / alignment * alignment;
        allocate(op.slot(0), size, alignment, [&] { return std::aligned_alloc(alignment, size); });
        break;
      }
      case kPosixMemalign:
        posix_memalign_block(op.slot(0), op.bytes(1), op.bytes(2));
        break;
      case kFree:
        free_block(op.slot(0));
        break;
      default:
        model_.check_all();
        check_statistics();
        break;
    }
  }

  void teardown() {
    for (std::size_t slot = 0; slot < kSlotCount; ++slot) free_block(slot);
    if (!kUnderAsan) return;
    expect(counted_bytes == 0, "ASan counts %zu bytes in use after the program freed everything",
           counted_bytes);
  }

 private:
  template <typename Allocate>
  void allocate(std::size_t slot, std::size_t size, std::size_t alignment, Allocate call,
                bool zeroed = false) {
    free_block(slot);
    if (!within_budget(model_.live_requested_bytes(), size) || !take_huge_allowance(size)) return;
    void* data = call();
    expect(data != nullptr, "the allocator returned null for %zu bytes", size);
    adopt(slot, data, size, alignment, zeroed ? Expect{.zero_from_bytes = 0} : Expect{}, 0);
  }

  void adopt(std::size_t slot, void* data, std::size_t size, std::size_t alignment,
             const Expect& expectation, std::uint64_t seed) {
    Block block;
    block.data = static_cast<std::byte*>(data);
    block.requested_bytes = size;
    block.usable_bytes = malloc_usable_size(data);
    block.alignment = alignment;
    block.seed = seed != 0 ? seed : model_.next_seed();
    model_.adopt(slot, block, expectation);
    check_statistics();
  }

  // Whether the input may still allocate `size` bytes: a huge block (over kCommonSizeMaxBytes)
  // costs ASan an mmap, a shadow memset and a page fault per page it touches. The corpus keeps
  // inputs that reach huge sizes and libFuzzer splices them into others, so rare encodings alone
  // would let huge blocks dominate every input; every huge size stays reachable, within
  // kMaxHugeBytesPerInput in all.
  bool take_huge_allowance(std::size_t size) {
    if (size <= kCommonSizeMaxBytes) return true;
    if (size > kMaxHugeBytesPerInput - huge_bytes_) return false;
    huge_bytes_ += size;
    return true;
  }

  // count × size of common sizes would be huge in a third of the calls, and every huge block
  // costs an mmap; a huge calloc is made only when its size is one of the rare huge sizes.
  void calloc_block(std::size_t slot, std::size_t count, std::size_t size) {
    free_block(slot);
    if (count != 0 && size > kMaxLiveBytes / count) return;
    if (count * size > kCommonSizeMaxBytes && size <= kCommonSizeMaxBytes) return;
    allocate(
        slot, count * size, 1, [&] { return std::calloc(count, size); }, true);
  }

  void posix_memalign_block(std::size_t slot, std::size_t alignment, std::size_t size) {
    alignment = std::max(alignment, sizeof(void*));  // the smallest alignment it accepts
    allocate(slot, size, alignment, [&] {
      void* data = nullptr;
      const int error = posix_memalign(&data, alignment, size);
      expect(error == 0, "posix_memalign(%zu, %zu) failed with %d", alignment, size, error);
      return data;
    });
  }

  // glibc and ASan both free the block and return null for realloc(p, 0); other sizes must
  // move or resize the block keeping its prefix.
  void realloc_block(std::size_t slot, std::size_t size) {
    if (!model_.live(slot)) {
      allocate(slot, size, 1, [&] { return std::realloc(nullptr, size); });
      return;
    }
    if (!within_budget(model_.live_requested_bytes() - model_[slot].requested_bytes, size) ||
        !take_huge_allowance(size)) {
      return;
    }
    const Block old = model_.release(slot);
    void* data = std::realloc(old.data, size);
    if (size == 0 && data == nullptr) return;
    expect(data != nullptr, "realloc to %zu bytes returned null", size);
    adopt(slot, data, size, 1, Expect{.resized_from_bytes = old.requested_bytes}, old.seed);
  }

  void free_block(std::size_t slot) {
    if (!model_.live(slot)) return;
    std::free(model_.release(slot).data);
  }

  // ASan counts the bytes requested, a zero-byte block as one byte.
  void check_statistics() const {
    if (!kUnderAsan) return;
    std::size_t live_bytes = 0;
    model_.for_each_live([&](std::size_t, const Block& block) {
      live_bytes += std::max<std::size_t>(block.requested_bytes, 1);
    });
    expect(counted_bytes == live_bytes, "ASan counts %zu bytes in use, the live blocks hold %zu",
           counted_bytes, live_bytes);
  }

  ShadowModel model_{SlackPoisoning::kOn};
  std::size_t huge_bytes_ = 0;  // allocated in huge blocks by this input so far
};

}  // namespace
}  // namespace memsoak::fuzz

MEMSOAK_FUZZ_TARGET(memsoak::fuzz::kTable, memsoak::fuzz::SystemMachine)

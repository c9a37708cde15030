// The preloaded library of harness/counted_glibc.h. The count must cost the program next to
// nothing, so a thread adds to a counter only it writes (a plain load and store, no locked
// read-modify-write): each thread claims a slot at its first call and gives it up when it
// exits. A slot keeps its count when its owner goes, since blocks outlive the threads that
// allocated them; the next thread to claim it adds on. The sum over all slots is therefore the
// exact net count however many threads came and went. A thread that finds no free slot, or
// calls before the library is initialised or after its slot was given up, adds atomically to
// one shared counter.
#include "harness/counted_glibc.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>

// glibc's own entry points, which its public malloc functions alias.
// NOLINTBEGIN(bugprone-reserved-identifier)
extern "C" {
void* __libc_malloc(std::size_t size);
void __libc_free(void* block);
void* __libc_calloc(std::size_t number, std::size_t size);
void* __libc_realloc(void* block, std::size_t size);
void* __libc_memalign(std::size_t alignment, std::size_t size);
void* __libc_valloc(std::size_t size);
void* __libc_pvalloc(std::size_t size);
}
// NOLINTEND(bugprone-reserved-identifier)

namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;

struct alignas(64) Slot {
  std::atomic<std::int64_t> bytes{0};
  std::atomic<bool> owned{false};
};

// More than the threads a soak runs at once; a thread beyond them counts in `shared`.
constexpr std::size_t kSlots = 256;
Slot slots[kSlots];
Slot shared;

pthread_key_t release_key;
std::atomic<bool> initialised{false};

enum class Ownership : unsigned char { kNone, kClaiming, kOwner, kShared };
// initial-exec: the first access of a dynamic TLS model may itself call malloc.
thread_local Ownership ownership [[gnu::tls_model("initial-exec")]] = Ownership::kNone;
thread_local Slot* own_slot [[gnu::tls_model("initial-exec")]] = nullptr;

// The thread is exiting: its slot (and its count) goes to the next thread that claims one.
void release(void* slot) {
  static_cast<Slot*>(slot)->owned.store(false, std::memory_order_release);
  own_slot = nullptr;
  ownership = Ownership::kShared;
}

[[gnu::noinline, gnu::cold]] void claim() {
  ownership = Ownership::kClaiming;  // a call from within (pthread_setspecific) counts shared
  for (Slot& slot : slots) {
    if (slot.owned.load(kRelaxed) || slot.owned.exchange(true, std::memory_order_acquire)) {
      continue;
    }
    if (::pthread_setspecific(release_key, &slot) == 0) {
      own_slot = &slot;
      ownership = Ownership::kOwner;
      return;
    }
    slot.owned.store(false, std::memory_order_release);
    break;
  }
  ownership = Ownership::kShared;
}

[[gnu::always_inline]] inline void count(std::int64_t delta) {
  if (ownership == Ownership::kNone && initialised.load(std::memory_order_acquire)) claim();
  if (ownership == Ownership::kOwner) {
    own_slot->bytes.store(own_slot->bytes.load(kRelaxed) + delta, kRelaxed);
  } else {
    shared.bytes.fetch_add(delta, kRelaxed);
  }
}

// The size of the chunk glibc holds the block in, from the word before the block (its low
// three bits are flags): what malloc_usable_size reads, without a call. A block's chunk keeps
// its size while the program holds it, so what malloc adds, free takes away exactly.
std::int64_t chunk_bytes(void* block) {
  if (block == nullptr) return 0;
  const std::size_t header = static_cast<const std::size_t*>(block)[-1];
  return static_cast<std::int64_t>(header & ~std::size_t{7});
}

[[gnu::always_inline]] inline void* counted(void* block) {
  count(chunk_bytes(block));
  return block;
}

[[gnu::constructor]] void initialise() {
  if (::pthread_key_create(&release_key, release) == 0) {
    initialised.store(true, std::memory_order_release);
  }
}

}  // namespace

extern "C" {

std::uint64_t memsoak_counted_glibc_live_bytes() noexcept {
  std::int64_t total = shared.bytes.load(kRelaxed);
  for (const Slot& slot : slots) total += slot.bytes.load(kRelaxed);
  // A block freed on one thread may be read before its allocation on another: never below 0.
  return static_cast<std::uint64_t>(std::max<std::int64_t>(total, 0));
}

void* malloc(std::size_t size) noexcept { return counted(__libc_malloc(size)); }

void free(void* block) noexcept {
  count(-chunk_bytes(block));
  __libc_free(block);
}

void* calloc(std::size_t number, std::size_t size) noexcept {
  return counted(__libc_calloc(number, size));
}

void* realloc(void* block, std::size_t size) noexcept {
  const std::int64_t before = chunk_bytes(block);
  void* moved = __libc_realloc(block, size);
  // glibc frees the block for a size of 0; on failure the block is left as it was.
  if (moved != nullptr || (size == 0 && block != nullptr)) count(chunk_bytes(moved) - before);
  return moved;
}

void* reallocarray(void* block, std::size_t number, std::size_t size) noexcept {
  std::size_t total = 0;
  if (__builtin_mul_overflow(number, size, &total)) {
    errno = ENOMEM;
    return nullptr;
  }
  return realloc(block, total);
}

void* memalign(std::size_t alignment, std::size_t size) noexcept {
  return counted(__libc_memalign(alignment, size));
}

void* aligned_alloc(std::size_t alignment, std::size_t size) noexcept {
  return counted(__libc_memalign(alignment, size));
}

int posix_memalign(void** out, std::size_t alignment, std::size_t size) noexcept {
  const bool power_of_two = alignment != 0 && (alignment & (alignment - 1)) == 0;
  if (!power_of_two || alignment % sizeof(void*) != 0) return EINVAL;
  void* block = __libc_memalign(alignment, size);
  if (block == nullptr) return ENOMEM;
  *out = counted(block);
  return 0;
}

void* valloc(std::size_t size) noexcept { return counted(__libc_valloc(size)); }

void* pvalloc(std::size_t size) noexcept { return counted(__libc_pvalloc(size)); }

}  // extern "C"

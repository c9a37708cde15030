// libmemsoak_drop_frees.so: a planted leak for any program. Preloaded in front of its
// allocator, it forwards free() to the next library that defines it, except every Nth call
// (N from MEMSOAK_DROP_FREE_EVERY, default 50), whose block it drops. Dropping a free is always
// safe, so the program runs correctly and leaks a share of whatever it frees: memory that grows
// with its work, as a real leak does. tests/soak/watch_redis.sh plants it in redis-server.
#include <dlfcn.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>

namespace {

using FreeFunction = void (*)(void*);

std::atomic<FreeFunction> next_free{nullptr};
std::atomic<std::uint64_t> free_calls{0};
std::uint64_t drop_every = 50;

// Resolved at load, before the program's own frees. dlsym may itself free; a free that comes
// before the next one is known is dropped, which is only a leak.
__attribute__((constructor)) void resolve_next_free() {
  if (const char* every = std::getenv("MEMSOAK_DROP_FREE_EVERY")) {
    const std::uint64_t parsed = std::strtoull(every, nullptr, 10);
    if (parsed > 0) drop_every = parsed;
  }
  next_free.store(reinterpret_cast<FreeFunction>(dlsym(RTLD_NEXT, "free")),
                  std::memory_order_release);
}

}  // namespace

extern "C" void free(void* block) noexcept {
  if (block == nullptr) return;
  const FreeFunction forward = next_free.load(std::memory_order_acquire);
  if (forward == nullptr) return;
  if (free_calls.fetch_add(1, std::memory_order_relaxed) % drop_every == drop_every - 1) return;
  forward(block);
}

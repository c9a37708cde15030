// The counting library (harness/counted_glibc.h) under many threads that allocate, free and
// exit while another thread reads the count: what a soak does to it, and what ThreadSanitizer
// must see. The library is loaded with dlopen (RTLD_LOCAL) and its entry points are called by
// name, so that it runs in every build: preloaded, it would take malloc from a sanitizer's
// runtime (counted_glibc_test covers the preloaded library, outside sanitizer builds).
//
// The blocks come from glibc directly, which ThreadSanitizer does not track: the test never
// writes into them, so that glibc reusing an address on another thread is not taken for a race.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "harness/counted_glibc.h"

namespace memsoak {
namespace {

class CountedGlibcLibrary {
 public:
  CountedGlibcLibrary() : handle_(::dlopen(MEMSOAK_COUNTED_GLIBC, RTLD_NOW | RTLD_LOCAL)) {
    if (handle_ == nullptr) throw std::runtime_error(std::string("dlopen: ") + ::dlerror());
    malloc_ = symbol<void*(std::size_t)>("malloc");
    free_ = symbol<void(void*)>("free");
    live_bytes_ = symbol<std::uint64_t()>(kCountedGlibcLiveBytes);
  }
  CountedGlibcLibrary(const CountedGlibcLibrary&) = delete;
  CountedGlibcLibrary& operator=(const CountedGlibcLibrary&) = delete;
  // Not closed: the threads' slots and their destructor key live in it until the process ends.
  ~CountedGlibcLibrary() = default;

  void* allocate(std::size_t bytes) const { return malloc_(bytes); }
  void release(void* block) const { free_(block); }
  std::int64_t live_bytes() const { return static_cast<std::int64_t>(live_bytes_()); }

 private:
  template <typename Function>
  Function* symbol(const char* name) {
    // dlsym on the handle: the library's own definition, not the process's malloc.
    void* address = ::dlsym(handle_, name);
    if (address == nullptr) throw std::runtime_error(std::string("dlsym: ") + name);
    return reinterpret_cast<Function*>(address);
  }

  void* handle_;
  void* (*malloc_)(std::size_t) = nullptr;
  void (*free_)(void*) = nullptr;
  std::uint64_t (*live_bytes_)() = nullptr;
};

const CountedGlibcLibrary& library() {
  static const CountedGlibcLibrary loaded;
  return loaded;
}

// More threads over the test than the library has slots (256): slots are handed on.
constexpr int kGenerations = 40;
constexpr int kThreadsAtOnce = 8;
constexpr int kBlocksPerThread = 64;

// Sizes from small bins to a chunk mapped on its own (above glibc's 128 KiB mmap threshold).
std::size_t block_size(int thread, int block) {
  constexpr std::size_t kSizes[] = {16, 24, 100, 1000, 5000, 40'000, 200'000};
  return kSizes[static_cast<std::size_t>(thread + block) % std::size(kSizes)];
}

TEST(CountedGlibcThreads, CountStaysExactAsThreadsAllocateFreeAndExitWhileItIsRead) {
  const CountedGlibcLibrary& counted = library();
  const std::int64_t start = counted.live_bytes();

  // The sampler's part: reads the count for as long as the threads run.
  std::atomic<bool> done{false};
  std::int64_t reads = 0;
  std::thread reader([&] {
    while (!done.load(std::memory_order_relaxed)) {
      // A block freed on one thread may be read before its allocation on another is: the
      // count is clamped at 0, never wrapped to a huge value.
      EXPECT_LT(counted.live_bytes(), std::int64_t{1} << 40);
      ++reads;
    }
  });

  // Each thread frees half its blocks and exits holding the other half, which outlive it and
  // are freed on the main thread: the count must follow blocks across threads.
  std::vector<void*> kept;
  std::uint64_t kept_requested = 0;
  for (int generation = 0; generation < kGenerations; ++generation) {
    std::vector<std::vector<void*>> handed_over(kThreadsAtOnce);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreadsAtOnce; ++t) {
      threads.emplace_back([&counted, &handed_over, t] {
        std::vector<void*> blocks;
        for (int b = 0; b < kBlocksPerThread; ++b) {
          blocks.push_back(counted.allocate(block_size(t, b)));
        }
        for (int b = 0; b < kBlocksPerThread; b += 2) counted.release(blocks[b]);
        for (int b = 1; b < kBlocksPerThread; b += 2) handed_over[t].push_back(blocks[b]);
      });
    }
    for (std::thread& thread : threads) thread.join();
    for (int t = 0; t < kThreadsAtOnce; ++t) {
      for (int b = 1; b < kBlocksPerThread; b += 2) kept_requested += block_size(t, b);
      kept.insert(kept.end(), handed_over[t].begin(), handed_over[t].end());
    }
  }

  // Every thread that allocated has exited; what they kept is counted, headers included.
  const std::int64_t holding = counted.live_bytes() - start;
  EXPECT_GE(holding, static_cast<std::int64_t>(kept_requested));
  EXPECT_LE(holding, static_cast<std::int64_t>(kept_requested + kept.size() * (4096 + 16)));
  for (void* block : kept) counted.release(block);
  done.store(true);
  reader.join();
  EXPECT_GT(reads, 0);
  EXPECT_EQ(counted.live_bytes(), start);
}

}  // namespace
}  // namespace memsoak

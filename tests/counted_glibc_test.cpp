// The counting library (harness/counted_glibc.h), preloaded into this test by CTest: every
// malloc entry point counts what it hands out and gives back, and the count stays exact when
// threads come and go (slots handed from thread to thread) and when more threads run at once
// than there are slots.
#include "harness/counted_glibc.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <array>
#include <barrier>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <thread>
#include <utility>
#include <vector>

#include "harness/allocator_stats.h"

namespace memsoak {
namespace {

std::int64_t live_bytes() { return static_cast<std::int64_t>(memsoak_counted_glibc_live_bytes()); }

// What the library counts for a block: its usable size plus glibc's chunk header, 8 bytes, or
// 16 for a chunk mapped on its own (IS_MMAPPED, bit 1 of the size word before the block). Not
// inlined, and not analysed: the compilers see the allocation's size and take glibc's header,
// which lies before it, for out of bounds.
[[gnu::noinline]] std::int64_t chunk_bytes(void* block) {
  // NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult)
  const bool mapped = (static_cast<const std::size_t*>(block)[-1] & 2) != 0;
  return static_cast<std::int64_t>(::malloc_usable_size(block)) + (mapped ? 16 : 8);
}

TEST(CountedGlibc, ServesMallocInThisTest) {
  EXPECT_EQ(malloc_provider().allocator, "system");
  EXPECT_TRUE(malloc_provider().library_path.ends_with(kCountedGlibcLibrary))
      << malloc_provider().library_path << ": CTest preloads the library into this test";
  EXPECT_EQ(read_allocator_stats().live_bytes, memsoak_counted_glibc_live_bytes());
}

// No allocation of the test's own between the readings: the blocks sit in a plain array.
TEST(CountedGlibc, EveryEntryPointCountsWhatItHoldsAndFreeingReturnsToTheStart) {
  std::array<void*, 11> blocks{};
  const std::int64_t start = live_bytes();
  blocks[0] = std::malloc(100);
  blocks[1] = std::calloc(10, 100);
  blocks[2] = std::realloc(std::malloc(50), 5000);  // grown
  blocks[3] = std::realloc(std::malloc(5000), 50);  // shrunk
  blocks[4] = ::memalign(64, 1000);
  ASSERT_EQ(::posix_memalign(&blocks[5], 4096, 5000), 0);
  blocks[6] = std::aligned_alloc(256, 512);
  blocks[7] = ::valloc(3000);  // NOLINT(concurrency-mt-unsafe): one thread here
  blocks[8] = ::pvalloc(3000);
  blocks[9] = ::reallocarray(nullptr, 30, 40);
  blocks[10] = std::malloc(std::size_t{1} << 20);  // above the mmap threshold
  std::int64_t held = 0;
  for (void* block : blocks) {
    ASSERT_NE(block, nullptr);
    held += chunk_bytes(block);
  }
  EXPECT_EQ(live_bytes() - start, held);
  for (void* block : blocks) std::free(block);
  EXPECT_EQ(live_bytes(), start);
}

// A realloc that fails leaves the block as it was, which the compilers' use-after-free checks
// do not know.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuse-after-free"
#endif
// NOLINTBEGIN(clang-analyzer-unix.Malloc)
TEST(CountedGlibc, CallsThatFailLeaveTheCountAlone) {
  void* block = std::malloc(64);
  const std::int64_t block_bytes = chunk_bytes(block);
  const std::int64_t start = live_bytes();
  // Read at run time, so that the compiler does not see (and warn about) a call bound to fail.
  const volatile std::size_t huge = SIZE_MAX / 2;
  EXPECT_EQ(std::realloc(block, huge), nullptr);
  EXPECT_EQ(::reallocarray(block, huge, 4), nullptr);
  void* unaligned = nullptr;
  EXPECT_EQ(::posix_memalign(&unaligned, 24, 64), EINVAL);
  std::free(nullptr);
  EXPECT_EQ(live_bytes(), start);
  std::free(block);
  EXPECT_EQ(live_bytes(), start - block_bytes);
}
// NOLINTEND(clang-analyzer-unix.Malloc)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

// Each wave of threads frees the blocks the previous wave allocated, then allocates its own;
// in 64 waves of 8 the same slots pass from thread to thread, with their counts. Then 264
// threads at once, more than the 256 slots. What glibc keeps per thread (cached stacks and
// their TLS) is paid before the first reading by a wave of 264.
TEST(CountedGlibc, StaysExactAsThreadsComeAndGoAndOutnumberTheSlots) {
  constexpr std::size_t kMostThreads = 264;
  std::vector<std::array<void*, 200>> held(kMostThreads);  // all null
  const auto run_wave = [&held](std::size_t threads) {
    std::barrier all_started(static_cast<std::ptrdiff_t>(threads));
    std::vector<std::thread> wave;
    wave.reserve(threads);
    for (std::size_t t = 0; t < threads; ++t) {
      wave.emplace_back([&, t] {
        all_started.arrive_and_wait();
        std::size_t i = 0;
        for (void*& block : held[t]) {
          std::free(block);  // allocated by another thread, or null
          block = std::malloc(16 + 97 * (i++ % 40));
        }
      });
    }
    for (std::thread& thread : wave) thread.join();
  };
  const auto free_all = [&held] {
    for (auto& blocks : held) {
      for (void*& block : blocks) std::free(std::exchange(block, nullptr));
    }
  };
  run_wave(kMostThreads);
  free_all();
  const std::int64_t start = live_bytes();
  for (int round = 0; round < 64; ++round) run_wave(8);
  run_wave(kMostThreads);
  free_all();
  // A miscount would be a share of 65 000 blocks of up to 4 KiB, not a few bytes.
  EXPECT_NEAR(static_cast<double>(live_bytes() - start), 0.0, 16 * 1024.0);
}

}  // namespace
}  // namespace memsoak

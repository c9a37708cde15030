// Proves that the arena's poisoning turns uses of freed arena memory into ASan reports.
// Meaningful only in the asan preset; other builds skip with the reason.
#include <gtest/gtest.h>

#include <cstddef>
#include <memory_resource>
#include <vector>

#include "harness/arena.h"
#include "harness/arena_resource.h"
#include "harness/asan_poison.h"

namespace memsoak {
namespace {

constexpr const char* kNeedsAsan = "needs AddressSanitizer: configure with --preset asan";
constexpr const char* kPoisonReport = "use-after-poison";

// A read the optimiser cannot remove.
int read(const int* address) { return *static_cast<const volatile int*>(address); }

TEST(ArenaAsanDeathTest, ReadAfterResetIsReported) {
  if (!kAsanEnabled) {
    GTEST_SKIP() << kNeedsAsan;
  }
  Arena arena;
  const int* value = arena.make<int>(42);
  EXPECT_EQ(read(value), 42);
  arena.reset();
  EXPECT_DEATH(read(value), kPoisonReport);
}

TEST(ArenaAsanDeathTest, ReadAfterScopeRewindIsReported) {
  if (!kAsanEnabled) {
    GTEST_SKIP() << kNeedsAsan;
  }
  Arena arena;
  const int* kept = arena.make<int>(1);
  const int* scratch = nullptr;
  {
    ArenaScope scope(arena);
    scratch = arena.make<int>(2);
  }
  EXPECT_EQ(read(kept), 1);  // freed bytes are poisoned, not the live neighbour
  EXPECT_DEATH(read(scratch), kPoisonReport);
}

TEST(ArenaAsanDeathTest, ReadOfAlignmentPaddingIsReported) {
  if (!kAsanEnabled) {
    GTEST_SKIP() << kNeedsAsan;
  }
  Arena arena;
  auto* first = static_cast<std::byte*>(arena.allocate(4, 4));
  arena.allocate(4, 64);  // leaves 60 bytes of padding after `first`
  EXPECT_DEATH(read(reinterpret_cast<const int*>(first + 16)), kPoisonReport);
}

TEST(ArenaAsanDeathTest, ReadOfABlockAPmrContainerGaveBackIsReported) {
  if (!kAsanEnabled) {
    GTEST_SKIP() << kNeedsAsan;
  }
  Arena arena;
  ArenaResource resource(arena);
  std::pmr::vector<int> values({1, 2, 3, 4}, &resource);
  const int* old_storage = values.data();
  values.reserve(1000);  // moves the elements and deallocates the old storage
  EXPECT_DEATH(read(old_storage), kPoisonReport);
}

}  // namespace
}  // namespace memsoak

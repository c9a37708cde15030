// Soak tests of ToyArena with memsoak: a request handler that resets its arena is bounded; one
// that keeps the arena in long-lived state and never resets it leaks, and memsoak says so.
#include <memsoak/gtest.h>
#include <memsoak/soak.h>

#include <cstring>
#include <string>

#include "toy_arena.h"

namespace {

// One request: parse, build a response in the arena.
void handle_request(ToyArena& arena, std::uint64_t id) {
  for (int field = 0; field < 32; ++field) {
    char* text = static_cast<char*>(arena.allocate(48));
    std::memset(text, 'a' + field % 26, 48);
  }
  const std::string key = "request-" + std::to_string(id);
  std::memcpy(arena.allocate(key.size()), key.data(), key.size());
}

memsoak::SoakOptions options() {
  memsoak::SoakOptions soak;
  soak.duration_s = 2;  // times MEMSOAK_SOAK_SCALE: nightly jobs set 60
  soak.work_unit = "request";
  return soak;
}

TEST(ToyArena, AnArenaResetAfterEachRequestIsBounded) {
  ToyArena arena;
  EXPECT_MEMSOAK_PASS(options(), [&](memsoak::SoakUnit& unit) {
    handle_request(arena, unit.index());
    unit.count("requests");
    arena.reset();
  });
}

// The planted leak: the arena lives in long-lived state and is never reset.
TEST(ToyArena, AnArenaNeverResetIsCaughtAsALeak) {
  ToyArena shared;
  const memsoak::SoakResult result = memsoak::soak(options(), [&](memsoak::SoakUnit& unit) {
    handle_request(shared, unit.index());
    unit.count("requests");
  });
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.shape, "leak") << result.explanation;
  EXPECT_GT(result.bytes_per_unit_lower, 1024) << result.explanation;  // 1.5 KiB a request
}

// What a failing soak prints: run with --gtest_also_run_disabled_tests.
TEST(ToyArena, DISABLED_ShowsHowALeakFailsATest) {
  ToyArena shared;
  EXPECT_MEMSOAK_PASS(options(), [&](memsoak::SoakUnit& unit) {
    handle_request(shared, unit.index());
    unit.count("requests");
  });
}

}  // namespace

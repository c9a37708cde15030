// GoogleTest assertions for memsoak::soak (memsoak/soak.h):
//
//   TEST(Cache, DoesNotLeak) {
//     Cache cache;
//     EXPECT_MEMSOAK_PASS(memsoak::SoakOptions{}, [&](memsoak::SoakUnit& unit) {
//       cache.get(unit.index() % 1000);
//     });
//   }
//
// A failure prints the detector's explanation (the slope per unit with its interval, when the
// growth began and was proven), where the series is, and the command that runs the test again.
// An options object with the default name is named after the test, so that every soak of a
// nightly MEMSOAK_SOAK_OUT run writes its series to a directory of its own.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <climits>
#include <sstream>
#include <string>

#include "memsoak/soak.h"

namespace memsoak::testing {

// `options`, named after the running test when it kept the default name.
inline SoakOptions named_after_test(SoakOptions options) {
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  if (options.name == SoakOptions{}.name && test != nullptr) {
    options.name = std::string(test->test_suite_name()) + "." + test->name();
    for (char& c : options.name) {
      if (c == '/') c = '_';  // parameterised tests
    }
  }
  return options;
}

inline std::string rerun_command() {
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  char path[PATH_MAX] = {};
  const ssize_t length = ::readlink("/proc/self/exe", path, sizeof(path) - 1);
  std::ostringstream command;
  command << "MEMSOAK_SOAK_SCALE=" << soak_scale() << ' '
          << (length > 0 ? std::string(path, static_cast<std::size_t>(length)) : "TEST_BINARY");
  if (test == nullptr) return command.str();
  command << " --gtest_filter=" << test->test_suite_name() << '.' << test->name();
  const std::string disabled = "DISABLED_";
  if (std::string(test->test_suite_name()).starts_with(disabled) ||
      std::string(test->name()).starts_with(disabled)) {
    command << " --gtest_also_run_disabled_tests";
  }
  return command.str();
}

inline ::testing::AssertionResult Passes(const SoakResult& result) {
  if (result.passed) return ::testing::AssertionSuccess();
  ::testing::AssertionResult failure = ::testing::AssertionFailure();
  failure << "memsoak: " << result.shape << " after " << result.units << " units in "
          << result.elapsed_s << " s on " << result.allocator << " (" << result.signal << ")\n"
          << result.explanation << '\n';
  if (!result.series_path.empty()) {
    failure << "series: " << result.series_path << " (memsoak report "
            << result.series_path.substr(0, result.series_path.rfind('/')) << ")\n";
  }
  return failure << "reproduce: " << rerun_command();
}

}  // namespace memsoak::testing

// The unit is the rest of the arguments, so that commas in a lambda's body need no parentheses.
#define EXPECT_MEMSOAK_PASS(options, ...) \
  EXPECT_TRUE(::memsoak::testing::Passes( \
      ::memsoak::soak(::memsoak::testing::named_after_test(options), __VA_ARGS__)))
#define ASSERT_MEMSOAK_PASS(options, ...) \
  ASSERT_TRUE(::memsoak::testing::Passes( \
      ::memsoak::soak(::memsoak::testing::named_after_test(options), __VA_ARGS__)))

// memsoak::soak and its GoogleTest assertions (include/memsoak/soak.h, gtest.h), as a user's
// test suite calls them.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/series.h"
#include "harness/subprocess.h"
#include "memsoak/gtest.h"
#include "memsoak/soak.h"
#include "tests/support/temp_dir.h"

namespace memsoak {
namespace {

using testing::TempDir;

// A unit of realistic work: a few hundred small allocations, all freed again.
std::size_t busy_unit(std::uint64_t index) {
  std::map<std::uint64_t, std::string> scratch;
  for (std::uint64_t key = 0; key < 64; ++key) scratch[key * index] = std::string(40, 'x');
  return scratch.size();
}

SoakOptions short_soak() {
  SoakOptions options;
  options.duration_s = 1.5;
  return options;
}

TEST(Soak, WorkThatFreesWhatItAllocatesPasses) {
  EXPECT_MEMSOAK_PASS(short_soak(), [](SoakUnit& unit) { busy_unit(unit.index()); });
}

TEST(Soak, ALeakPerUnitIsProvenAndNamed) {
  std::vector<std::unique_ptr<char[]>> kept;  // 256 B a unit, never given back during the soak
  const SoakResult result = soak(short_soak(), [&](SoakUnit& unit) {
    busy_unit(unit.index());
    kept.push_back(std::make_unique<char[]>(256));
  });
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.shape, "leak") << result.explanation;
  ASSERT_TRUE(result.proven_at_units);
  EXPECT_LE(*result.proven_at_units, static_cast<double>(result.units));
  EXPECT_GT(result.bytes_per_unit_lower, 128) << result.explanation;  // 256 B + the vector's share
  EXPECT_NE(result.explanation.find("B/unit"), std::string::npos) << result.explanation;
}

TEST(Soak, TheFailureMessageSaysWhatAndHowToRunItAgain) {
  std::vector<std::unique_ptr<char[]>> kept;
  EXPECT_NONFATAL_FAILURE(EXPECT_MEMSOAK_PASS(short_soak(),
                                              [&](SoakUnit& unit) {
                                                busy_unit(unit.index());
                                                kept.push_back(std::make_unique<char[]>(256));
                                              }),
                          "reproduce: MEMSOAK_SOAK_SCALE=1 ");
}

// A cache that fills on first use, then stays: the first-call warm-up. It fills for the first
// tenth of the judged time, however fast the build runs the units (an ASan build runs a
// quarter as many), and grows by megabytes, well past min_growth_bytes.
TEST(Soak, ACacheThatFillsToItsCapOnFirstUseIsNotALeak) {
  const SoakOptions options = short_soak();
  const auto filling = std::chrono::duration<double>(options.duration_s * soak_scale() / 10);
  std::optional<std::chrono::steady_clock::time_point> judged_since;
  std::map<std::uint64_t, std::string> cache;
  EXPECT_MEMSOAK_PASS(options, [&](SoakUnit& unit) {
    const auto now = std::chrono::steady_clock::now();
    if (unit.index() >= options.warmup_units && !judged_since) judged_since = now;
    if (!judged_since || now - *judged_since < filling) {
      cache[unit.index()] = std::string(1000, 'c');
    }
    busy_unit(unit.index());
  });
  EXPECT_GT(cache.size(), 1000U);  // so that the warm-up, not the growth floor, let it pass
}

TEST(Soak, GrowthIsJudgedPerUnitOfACounterOfYourOwn) {
  std::vector<std::unique_ptr<char[]>> kept;
  SoakOptions options = short_soak();
  options.work_unit = "request";
  const SoakResult result = soak(options, [&](SoakUnit& unit) {
    busy_unit(unit.index());
    unit.count("requests", 4);  // four requests a unit, one 1 KiB leak
    kept.push_back(std::make_unique<char[]>(1024));
  });
  EXPECT_EQ(result.shape, "leak") << result.explanation;
  EXPECT_NE(result.explanation.find("B/request"), std::string::npos) << result.explanation;
  EXPECT_LT(result.bytes_per_unit, 1024) << "per request, not per unit";
}

TEST(Soak, WritesASeriesThatAnalyzeJudgesTheSameWay) {
  const TempDir dir;
  std::vector<std::unique_ptr<char[]>> kept;
  SoakOptions options = short_soak();
  options.out_dir = (dir.path() / "leak").string();
  const SoakResult result = soak(options, [&](SoakUnit& unit) {
    busy_unit(unit.index());
    kept.push_back(std::make_unique<char[]>(256));
  });
  EXPECT_EQ(result.series_path, options.out_dir + "/series.jsonl");
  SeriesReader reader(result.series_path);
  std::optional<SeriesRecord> first = reader.next();
  ASSERT_TRUE(first && std::holds_alternative<SeriesHeader>(*first));
  EXPECT_EQ(std::get<SeriesHeader>(*first).scenario, "soak");
  std::optional<SeriesRecord> last;
  while (auto record = reader.next()) last = std::move(record);
  ASSERT_TRUE(last && std::holds_alternative<SeriesEnd>(*last));
  EXPECT_EQ(std::get<SeriesEnd>(*last).reason, "leak");
  const CapturedRun analyzed =
      run_capturing(std::vector<std::string>{MEMSOAK_BINARY, "analyze", options.out_dir}, {},
                    std::chrono::minutes(1));
  EXPECT_EQ(analyzed.exit_code, 1) << analyzed.stdout_text << analyzed.stderr_text;
  EXPECT_NE(analyzed.stdout_text.find("leak"), std::string::npos) << analyzed.stdout_text;
}

TEST(Soak, TooShortToDecideIsNotAPass) {
  SoakOptions options;
  options.duration_s = 0.05;
  const SoakResult result = soak(options, [](SoakUnit& unit) { busy_unit(unit.index()); });
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.shape, "insufficient-data");
  EXPECT_NE(result.explanation.find("MEMSOAK_SOAK_SCALE"), std::string::npos) << result.explanation;
}

TEST(Soak, WhatTheUnitThrowsEndsTheSoakAndReachesTheCaller) {
  EXPECT_THROW(soak(short_soak(),
                    [](SoakUnit& unit) {
                      if (unit.index() == 500) throw std::runtime_error("broken unit");
                    }),
               std::runtime_error);
}

TEST(Soak, OptionsOutOfRangeAreRefusedSayingWhich) {
  SoakOptions options;
  options.duration_s = -1;
  try {
    soak(options, [](SoakUnit&) {});
    FAIL() << "a negative duration was accepted";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("duration_s"), std::string::npos) << error.what();
  }
}

// Single-threaded here: no soak runs while the environment changes.
// NOLINTBEGIN(concurrency-mt-unsafe)
TEST(Soak, TheScaleComesFromTheEnvironmentAndMustBePositive) {
  ASSERT_EQ(::setenv("MEMSOAK_SOAK_SCALE", "60", 1), 0);
  EXPECT_EQ(soak_scale(), 60);
  ASSERT_EQ(::setenv("MEMSOAK_SOAK_SCALE", "-2", 1), 0);
  EXPECT_THROW(soak_scale(), std::invalid_argument);
  ASSERT_EQ(::unsetenv("MEMSOAK_SOAK_SCALE"), 0);
  EXPECT_EQ(soak_scale(), 1);
}
// NOLINTEND(concurrency-mt-unsafe)

}  // namespace
}  // namespace memsoak

// A reduced calibration (bench/detector_calibration runs the full one): realistic healthy runs
// of every family (mixed, periodic caches, slow warm-ups) must never fail, and leaks of 64, 8
// and 1 bytes per operation must be found in bounded work, on allocator live bytes and (64 B/op)
// on RSS alone, under a periodic cache too. Seeded, so a change to the detector that costs
// either is caught here.
#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "tests/support/calibration.h"

namespace memsoak {
namespace {

class HealthyRuns : public ::testing::TestWithParam<std::tuple<Family, bool>> {};

TEST_P(HealthyRuns, TwoHundredNeverFail) {
  const auto [family, rss_only] = GetParam();
  constexpr int kRuns = 200;
  constexpr double kDurationS = 25 * 60;
  int failed = 0;
  for (std::uint64_t seed = 1; seed <= kRuns; ++seed) {
    const DetectionOutcome outcome =
        run_detector(draw(family, seed, kDurationS, !rss_only), judging(family, {}), true);
    EXPECT_FALSE(outcome.failed) << "healthy seed " << seed << " failed as "
                                 << shape_name(outcome.final_shape)
                                 << " at t=" << outcome.failed_at->t_s;
    failed += outcome.failed;
  }
  EXPECT_EQ(failed, 0);
}

INSTANTIATE_TEST_SUITE_P(Families, HealthyRuns,
                         ::testing::Combine(::testing::ValuesIn(families()), ::testing::Bool()),
                         [](const ::testing::TestParamInfo<HealthyRuns::ParamType>& info) {
                           std::string name(family_name(std::get<0>(info.param)));
                           std::erase(name, '-');
                           return name + (std::get<1>(info.param) ? "RssOnly" : "LiveBytes");
                         });

struct LeakCase {
  double bytes_per_op;
  double max_ops;  // a regression bound, above the calibrated 90th percentile
  bool rss_only = false;
  Family family = Family::kMixed;
};

class LeakDetection : public ::testing::TestWithParam<LeakCase> {};

TEST_P(LeakDetection, IsFoundAsALeakWithinBoundedWork) {
  for (std::uint64_t seed = 1000001; seed <= 1000003; ++seed) {
    GeneratorParams params = draw(GetParam().family, seed, 3600, !GetParam().rss_only);
    params.leak_bytes_per_op = GetParam().bytes_per_op;
    params.leak_start_s = params.fill_s;
    const DetectionOutcome outcome = run_detector(params, {}, true);
    ASSERT_TRUE(outcome.failed_at) << "seed " << seed;
    EXPECT_EQ(outcome.final_shape, Shape::kLeak) << "seed " << seed;
    EXPECT_LT(outcome.failed_at->work - outcome.judged_from.work, GetParam().max_ops)
        << "seed " << seed;
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, LeakDetection,
                         ::testing::Values(LeakCase{64, 8e6}, LeakCase{8, 12e6}, LeakCase{1, 25e6},
                                           LeakCase{64, 8e6, true},
                                           LeakCase{64, 15e6, false, Family::kPeriodic}),
                         [](const ::testing::TestParamInfo<LeakCase>& info) {
                           return std::to_string(static_cast<int>(info.param.bytes_per_op)) +
                                  "BytesPerOp" + (info.param.rss_only ? "OnRssAlone" : "") +
                                  (info.param.family == Family::kPeriodic ? "UnderACycle" : "");
                         });

}  // namespace
}  // namespace memsoak

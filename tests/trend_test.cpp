#include "harness/trend.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "harness/growth_test.h"

namespace memsoak {
namespace {

std::vector<double> indices(std::size_t count) {
  std::vector<double> xs(count);
  for (std::size_t i = 0; i < count; ++i) xs[i] = static_cast<double>(i);
  return xs;
}

// AR(1) noise with marginal standard deviation `sigma`, the shape of densely sampled memory.
std::vector<double> ar1(std::size_t count, double rho, double sigma, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::normal_distribution<double> gaussian(0, sigma * std::sqrt(1 - rho * rho));
  std::vector<double> values(count);
  double state = 0;
  for (double& value : values) value = state = rho * state + gaussian(random);
  return values;
}

TEST(NormalQuantile, MatchesTables) {
  EXPECT_NEAR(normal_quantile(0.5), 0, 1e-9);
  EXPECT_NEAR(normal_quantile(0.975), 1.959964, 1e-6);
  EXPECT_NEAR(normal_quantile(0.999), 3.090232, 1e-6);
  EXPECT_NEAR(normal_quantile(0.001), -3.090232, 1e-6);
}

TEST(Median, OddEvenAndMad) {
  EXPECT_EQ(median({3, 1, 2}), 2);
  EXPECT_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_NEAR(scaled_mad({1, 2, 3, 4, 100}), 1.4826, 1e-9);
  const std::vector<double> noise = ar1(20000, 0, 5, 1);
  EXPECT_NEAR(scaled_mad(noise), 5, 0.2);
}

TEST(TheilSen, RecoversALineAndIgnoresOutliers) {
  const std::vector<double> xs = indices(50);
  std::vector<double> ys(50);
  for (std::size_t i = 0; i < ys.size(); ++i) ys[i] = 10 + 3 * xs[i];
  ys[7] = 1e9;
  ys[30] = -1e9;
  const SlopeEstimate fit = theil_sen(xs, ys, 0.99);
  ASSERT_TRUE(fit.valid);
  EXPECT_EQ(fit.slope, 3);
  EXPECT_EQ(fit.intercept, 10);
  EXPECT_LE(fit.lower, 3);
  EXPECT_GE(fit.upper, 3);
}

TEST(TheilSen, SkipsPairsWithEqualXAndNeedsThreePoints) {
  EXPECT_FALSE(theil_sen(std::vector<double>{1, 2}, std::vector<double>{1, 2}, 0.99).valid);
  EXPECT_FALSE(theil_sen(std::vector<double>{5, 5, 5}, std::vector<double>{1, 2, 3}, 0.99).valid);
  const SlopeEstimate fit =
      theil_sen(std::vector<double>{0, 0, 1, 1}, std::vector<double>{0, 0, 2, 2}, 0.9);
  EXPECT_EQ(fit.slope, 2);
}

TEST(TheilSen, FewPointsGiveAnUnboundedInterval) {
  const SlopeEstimate fit =
      theil_sen(std::vector<double>{0, 1, 2}, std::vector<double>{0, 1, 2}, 0.999);
  EXPECT_EQ(fit.slope, 1);
  EXPECT_TRUE(std::isinf(fit.lower));
}

TEST(MannKendall, MonotoneSeriesHasMaximalS) {
  const std::vector<double> xs = indices(10);
  const MannKendall test = mann_kendall(xs, xs, 1.0);
  EXPECT_EQ(test.s, 45);
  EXPECT_NEAR(test.variance, 10 * 9 * 25 / 18.0, 1e-9);
  EXPECT_GT(test.z, 3);
}

TEST(MannKendall, TiesReduceTheVariance) {
  const std::vector<double> xs = indices(6);
  const MannKendall test = mann_kendall(xs, std::vector<double>{1, 1, 1, 2, 2, 2}, 0);
  EXPECT_EQ(test.s, 9);
  // n(n-1)(2n+5)/18 less two tie groups of three: (510 - 2 * 66) / 18.
  EXPECT_NEAR(test.variance / test.autocorrelation_factor, (510.0 - 2 * 66) / 18, 1e-9);
}

TEST(HamedRao, InflatesTheVarianceOfAutocorrelatedNoiseOnly) {
  const std::vector<double> xs = indices(300);
  const std::vector<double> white = ar1(300, 0, 1, 2);
  const std::vector<double> correlated = ar1(300, 0.8, 1, 2);
  EXPECT_LT(mann_kendall(xs, white, 0).autocorrelation_factor, 1.5);
  EXPECT_GT(mann_kendall(xs, correlated, 0).autocorrelation_factor, 3);
}

// A clean leak's residuals are smooth because they are tiny, not because noise is correlated:
// with the correction, 50 points of the clearest growth could never be significant.
TEST(HamedRao, IsNotAppliedWhereTheTrendDwarfsTheScatter) {
  const std::vector<double> xs = indices(50);
  std::vector<double> ys(50);
  for (std::size_t i = 0; i < ys.size(); ++i) {
    ys[i] = 1e6 * static_cast<double>(i) + 2e5 * std::sin(static_cast<double>(i) / 8);
  }
  const SlopeEstimate leak = theil_sen(xs, ys, 0.999);
  EXPECT_EQ(leak.test.autocorrelation_factor, 1);
  EXPECT_GT(leak.lower, 0);
  // The same wander on a trend no larger than the scatter keeps its correction.
  for (std::size_t i = 0; i < ys.size(); ++i) {
    ys[i] = 1e3 * static_cast<double>(i) + 2e5 * std::sin(static_cast<double>(i) / 8);
  }
  EXPECT_GT(theil_sen(xs, ys, 0.999).test.autocorrelation_factor, 3);
}

// The property the detector rests on: on trendless autocorrelated noise, the corrected lower
// bound rarely exceeds zero, where an uncorrected one would often.
TEST(HamedRao, KeepsTheFalseTrendRateNearItsLevel) {
  const std::vector<double> xs = indices(200);
  int false_trends = 0;
  constexpr int kSeries = 300;
  for (int seed = 0; seed < kSeries; ++seed) {
    const std::vector<double> ys = ar1(200, 0.6, 1, static_cast<std::uint64_t>(seed));
    false_trends += theil_sen(xs, ys, 0.99).lower > 0;
  }
  EXPECT_LE(false_trends, kSeries * 25 / 1000);
}

TEST(GrowthTest, SteadyGrowthPassesEveryRule) {
  const std::vector<double> xs = indices(200);
  std::vector<double> ys = ar1(200, 0.6, 1, 3);
  for (std::size_t i = 0; i < ys.size(); ++i) ys[i] += 0.05 * xs[i];
  const GrowthEvidence evidence = test_growth(xs, ys, GrowthThresholds{});
  EXPECT_TRUE(evidence.grows());
  EXPECT_NEAR(evidence.window.slope, 0.05, 0.01);
}

TEST(GrowthTest, AStepIsNotSustainedGrowth) {
  const std::vector<double> xs = indices(200);
  std::vector<double> ys = ar1(200, 0.6, 1, 4);
  for (std::size_t i = 120; i < ys.size(); ++i) ys[i] += 10;
  const GrowthEvidence evidence = test_growth(xs, ys, GrowthThresholds{});
  EXPECT_GT(evidence.window.slope, 0);
  EXPECT_FALSE(evidence.grows());
}

TEST(GrowthTest, ASaturatingWarmUpDecelerates) {
  const std::vector<double> xs = indices(200);
  std::vector<double> ys = ar1(200, 0.6, 1, 6);
  for (std::size_t i = 0; i < ys.size(); ++i) ys[i] += 20 * (1 - std::exp(-xs[i] / 100));
  const GrowthEvidence evidence = test_growth(xs, ys, GrowthThresholds{});
  EXPECT_TRUE(evidence.significant);
  EXPECT_TRUE(evidence.decelerating);
  EXPECT_FALSE(evidence.grows());
}

TEST(GrowthTest, AWarmUpTailPlusAStepIsNotGradual) {
  const std::vector<double> xs = indices(200);
  std::vector<double> ys = ar1(200, 0.6, 0.5, 6);
  for (std::size_t i = 0; i < ys.size(); ++i) {
    ys[i] += 4 * (1 - std::exp(-xs[i] / 150)) + (i >= 130 ? 6 : 0);
  }
  EXPECT_FALSE(test_growth(xs, ys, GrowthThresholds{}).grows());
}

}  // namespace
}  // namespace memsoak

#include "harness/regression.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

namespace memsoak {
namespace {

using Columns = std::vector<std::span<const double>>;

TEST(LeastSquares, RecoversEachRegressorsCoefficientWithASmallError) {
  std::vector<double> time, docs, queries, signal;
  for (int i = 0; i < 200; ++i) {
    time.push_back(i);
    docs.push_back(5 * i + 40 * std::sin(i * 0.3));
    queries.push_back(2 * i + 30 * std::cos(i * 0.17));
    signal.push_back(100 + 7 * queries.back() + 0.5 * std::sin(i * 2.1));
  }
  const auto fit = least_squares(Columns{time, docs, queries}, signal);
  ASSERT_EQ(fit.size(), 3U);
  ASSERT_TRUE(fit[0] && fit[1] && fit[2]);
  EXPECT_NEAR(fit[2]->estimate, 7, 0.01);
  EXPECT_TRUE(fit[2]->exceeds(6.9, 3));
  EXPECT_NEAR(fit[0]->estimate, 0, 0.05);
  EXPECT_FALSE(fit[0]->exceeds(0, 3));
  EXPECT_FALSE(fit[1]->exceeds(0, 3));
}

TEST(LeastSquares, LeavesOutAConstantOrRedundantRegressor) {
  std::vector<double> time, batches, docs, constant, signal;
  for (int i = 0; i < 100; ++i) {
    time.push_back(i);
    batches.push_back(i + 10 * std::sin(i * 0.4));
    docs.push_back(64 * batches.back());  // a batch is always 64 documents
    constant.push_back(3);
    signal.push_back(2 * docs.back() + std::cos(i * 1.7));
  }
  const auto fit = least_squares(Columns{time, batches, docs, constant}, signal);
  ASSERT_EQ(fit.size(), 4U);
  ASSERT_TRUE(fit[0] && fit[1]);
  EXPECT_FALSE(fit[2]);
  EXPECT_FALSE(fit[3]);
  EXPECT_NEAR(fit[1]->estimate, 128, 0.1);
}

TEST(LeastSquares, CollinearRegressorsAreNeitherSignificant) {
  std::vector<double> time, work, signal;
  for (int i = 0; i < 100; ++i) {
    time.push_back(i);
    work.push_back(10 * i + 0.5 * std::sin(i * 0.9));  // a steady rate: work tracks time
    signal.push_back(50 * i + 20 * std::cos(i * 1.3));
  }
  const auto fit = least_squares(Columns{time, work}, signal);
  ASSERT_TRUE(fit[0] && fit[1]);
  EXPECT_FALSE(fit[0]->exceeds(0, 3.09));
  EXPECT_FALSE(fit[1]->exceeds(0, 3.09));
}

TEST(LeastSquares, GivesNothingWithTooFewPoints) {
  const std::vector<double> time{0, 1, 2, 3}, work{0, 2, 3, 5}, signal{1, 2, 4, 4};
  const auto fit = least_squares(Columns{time, work}, signal);
  ASSERT_EQ(fit.size(), 2U);
  EXPECT_FALSE(fit[0]);
  EXPECT_FALSE(fit[1]);
}

TEST(AutocorrelationInflation, IsOneForAlternatingAndLargeForSmoothResiduals) {
  const std::vector<double> alternating{1, -1, 1, -1, 1, -1, 1, -1};
  EXPECT_DOUBLE_EQ(autocorrelation_inflation(alternating), 1);
  std::vector<double> smooth(100);
  for (std::size_t i = 0; i < smooth.size(); ++i) {
    smooth[i] = std::sin(static_cast<double>(i) * 0.05);
  }
  EXPECT_GT(autocorrelation_inflation(smooth), 50);
}

TEST(LeastSquares, TheLastRegressorIsLeftOutWhenTheOthersMakeItUp) {
  std::vector<double> docs, queries, time, signal;
  for (int i = 0; i < 60; ++i) {
    docs.push_back(3 * i + 5 * std::sin(i * 0.5));
    queries.push_back(i + 2 * std::cos(i * 0.3));
    time.push_back(docs.back() + 2 * queries.back());
    signal.push_back(4 * queries.back() + std::sin(i * 1.9));
  }
  const auto fit = least_squares(Columns{docs, queries, time}, signal);
  ASSERT_TRUE(fit[0] && fit[1]);
  EXPECT_FALSE(fit[2]);
  EXPECT_NEAR(fit[1]->estimate, 4, 0.05);
}

TEST(LeastSquares, TheStandardErrorIsTheClassicalOneForASingleRegressor) {
  std::vector<double> work, signal;
  for (int i = 0; i < 50; ++i) {
    work.push_back(i);
    signal.push_back(2 * i + ((i % 2 == 0) ? 1.0 : -1.0));  // alternating: no inflation
  }
  const auto fit = least_squares(Columns{work}, signal);
  ASSERT_TRUE(fit[0]);
  double squares = 0, spread = 0;
  for (int i = 0; i < 50; ++i) {
    const double residual = signal[i] - 2 * i - (fit[0]->estimate - 2) * (i - 24.5);
    squares += residual * residual;
    spread += (i - 24.5) * (i - 24.5);
  }
  // Residuals about the fitted line, n - 2 degrees of freedom.
  EXPECT_NEAR(fit[0]->standard_error, std::sqrt(squares / 48 / spread),
              0.05 * fit[0]->standard_error);
}

TEST(LeastSquares, RefusesRegressorsOfTheWrongLength) {
  const std::vector<double> work{0, 1, 2, 3, 4, 5}, short_time{0, 1, 2}, signal{0, 1, 2, 3, 4, 5};
  EXPECT_THROW(least_squares(Columns{work, short_time}, signal), std::invalid_argument);
}

}  // namespace
}  // namespace memsoak

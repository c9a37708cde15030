#include "soak/workload/latency_histogram.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace memsoak::workload {
namespace {

using std::chrono::nanoseconds;

TEST(LatencyHistogram, PercentilesAreWithinOneSixteenth) {
  LatencyHistogram histogram;
  for (int i = 1; i <= 10'000; ++i) histogram.record(std::chrono::microseconds(i));
  const LatencySummary summary = histogram.take();
  EXPECT_EQ(summary.count, 10'000u);
  EXPECT_NEAR(summary.p50.count(), 5e6, 5e6 / 16);
  EXPECT_NEAR(summary.p99.count(), 9.9e6, 9.9e6 / 16);
  EXPECT_NEAR(summary.p999.count(), 9.99e6, 9.99e6 / 16);
  EXPECT_EQ(summary.max, std::chrono::microseconds(10'000));
}

TEST(LatencyHistogram, SmallAndHugeValuesLandInRange) {
  LatencyHistogram histogram;
  histogram.record(nanoseconds(3));
  EXPECT_EQ(histogram.take().p50, nanoseconds(3));
  histogram.record(std::chrono::hours(5));  // beyond the last bucket: counted, max exact
  const LatencySummary summary = histogram.take();
  EXPECT_EQ(summary.count, 1u);
  EXPECT_EQ(summary.max, std::chrono::hours(5));
  EXPECT_GT(summary.p50, std::chrono::minutes(60));
}

TEST(LatencyHistogram, TakeStartsANewInterval) {
  LatencyHistogram histogram;
  histogram.record(nanoseconds(100));
  EXPECT_EQ(histogram.take().count, 1u);
  const LatencySummary empty = histogram.take();
  EXPECT_EQ(empty.count, 0u);
  EXPECT_EQ(empty.max, nanoseconds(0));
}

TEST(LatencyHistogram, LosesNothingUnderConcurrentRecordAndTake) {
  LatencyHistogram histogram;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50'000;
  std::uint64_t taken = 0;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&histogram, t] {
      for (int i = 0; i < kPerThread; ++i) histogram.record(nanoseconds(i * (t + 1)));
    });
  }
  for (int i = 0; i < 100; ++i) taken += histogram.take().count;
  for (std::thread& thread : threads) thread.join();
  taken += histogram.take().count;
  EXPECT_EQ(taken, std::uint64_t{kThreads} * kPerThread);
}

}  // namespace
}  // namespace memsoak::workload

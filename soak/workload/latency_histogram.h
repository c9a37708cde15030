// Latency percentiles per sampling interval, recorded from any number of threads without a
// lock. Buckets are log-linear: 16 per power of two, so a reported percentile is within
// 1/16 (6 %) of the true value, from 1 ns to about 73 minutes (longer values count in the
// last bucket; `max` stays exact). record() is one relaxed atomic increment; take() empties
// every bucket with an exchange, so each recorded value lands in exactly one interval, and
// adds it to the run's distribution (distribution(): the latency CDF of everything taken).
// take() and distribution() are for one thread (the sampler's). Memory is fixed (about
// 10 KiB) however long the run.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace memsoak::workload {

struct LatencySummary {
  std::uint64_t count = 0;
  std::chrono::nanoseconds p50{0};
  std::chrono::nanoseconds p99{0};
  std::chrono::nanoseconds p999{0};
  std::chrono::nanoseconds max{0};
};

// One bucket of a distribution: `count` values at most `upper_bound`, and more than the
// previous bucket's bound.
struct LatencyBucket {
  std::chrono::nanoseconds upper_bound{0};
  std::uint64_t count = 0;
};

class LatencyHistogram {
 public:
  void record(std::chrono::nanoseconds latency);
  // The summary of everything recorded since the previous take(), and a fresh interval.
  LatencySummary take();
  // Everything taken so far, as its non-empty buckets in increasing order.
  std::vector<LatencyBucket> distribution() const;

 private:
  static constexpr int kSubBucketBits = 4;
  static constexpr int kSubBuckets = 1 << kSubBucketBits;
  static constexpr int kMaxExponent = 42;  // 2^42 ns ~ 73 min
  static constexpr std::size_t kBuckets =
      std::size_t{kMaxExponent - kSubBucketBits + 2} * kSubBuckets;

  static std::size_t bucket_of(std::uint64_t nanoseconds);
  static std::uint64_t bucket_upper_bound(std::size_t bucket);

  std::array<std::atomic<std::uint64_t>, kBuckets> counts_{};
  std::atomic<std::uint64_t> max_nanoseconds_{0};
  std::array<std::uint64_t, kBuckets> taken_counts_{};
};

}  // namespace memsoak::workload

#include "soak/workload/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace memsoak::workload {

std::size_t LatencyHistogram::bucket_of(std::uint64_t nanoseconds) {
  if (nanoseconds < kSubBuckets) return nanoseconds;
  const int exponent = std::min(static_cast<int>(std::bit_width(nanoseconds)) - 1, kMaxExponent);
  const std::uint64_t top_bits =
      std::min<std::uint64_t>(nanoseconds >> (exponent - kSubBucketBits), 2 * kSubBuckets - 1);
  return static_cast<std::size_t>(exponent - kSubBucketBits + 1) * kSubBuckets +
         (top_bits - kSubBuckets);
}

std::uint64_t LatencyHistogram::bucket_upper_bound(std::size_t bucket) {
  if (bucket < kSubBuckets) return bucket;
  const int exponent = static_cast<int>(bucket / kSubBuckets) + kSubBucketBits - 1;
  const std::uint64_t top_bits = kSubBuckets + bucket % kSubBuckets;
  return ((top_bits + 1) << (exponent - kSubBucketBits)) - 1;
}

void LatencyHistogram::record(std::chrono::nanoseconds latency) {
  const auto nanoseconds = static_cast<std::uint64_t>(std::max<std::int64_t>(latency.count(), 0));
  counts_[bucket_of(nanoseconds)].fetch_add(1, std::memory_order_relaxed);
  std::uint64_t seen = max_nanoseconds_.load(std::memory_order_relaxed);
  while (nanoseconds > seen &&
         !max_nanoseconds_.compare_exchange_weak(seen, nanoseconds, std::memory_order_relaxed)) {
  }
}

LatencySummary LatencyHistogram::take() {
  std::array<std::uint64_t, kBuckets> counts{};
  LatencySummary summary;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    counts[i] = counts_[i].exchange(0, std::memory_order_relaxed);
    taken_counts_[i] += counts[i];
    summary.count += counts[i];
  }
  summary.max = std::chrono::nanoseconds(max_nanoseconds_.exchange(0, std::memory_order_relaxed));
  if (summary.count == 0) return summary;
  // A percentile is the upper bound of the bucket holding its rank, capped by the exact max.
  const auto percentile = [&](double quantile) {
    const auto rank =
        static_cast<std::uint64_t>(std::ceil(quantile * static_cast<double>(summary.count)));
    std::uint64_t seen = 0;
    std::size_t bucket = 0;
    while (bucket + 1 < kBuckets && (seen += counts[bucket]) < std::max<std::uint64_t>(rank, 1)) {
      ++bucket;
    }
    return std::min(std::chrono::nanoseconds(bucket_upper_bound(bucket)), summary.max);
  };
  summary.p50 = percentile(0.50);
  summary.p99 = percentile(0.99);
  summary.p999 = percentile(0.999);
  return summary;
}

std::vector<LatencyBucket> LatencyHistogram::distribution() const {
  std::vector<LatencyBucket> buckets;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    if (taken_counts_[i] != 0) {
      buckets.push_back({std::chrono::nanoseconds(bucket_upper_bound(i)), taken_counts_[i]});
    }
  }
  return buckets;
}

}  // namespace memsoak::workload

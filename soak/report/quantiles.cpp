#include "soak/report/quantiles.h"

#include <algorithm>
#include <cmath>

namespace memsoak {
namespace {

// Bucket i holds [kGrowth^i, kGrowth^(i+1)); its geometric middle is within 1 % of both ends.
constexpr double kGrowth = 1.02;

int bucket_of(double value) {
  return static_cast<int>(std::floor(std::log(value) / std::log(kGrowth)));
}

double bucket_middle(int bucket) { return std::pow(kGrowth, bucket + 0.5); }

}  // namespace

void QuantileSketch::add(double value) {
  ++count_;
  if (!(value > 0)) {
    ++zeros_;
    return;
  }
  ++buckets_[bucket_of(value)];
  max_ = std::max(max_, value);
}

double QuantileSketch::quantile(double q) const {
  if (count_ == 0) return 0;
  const double clamped = std::clamp(q, 0.0, 1.0);
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(clamped * static_cast<double>(count_))));
  if (rank <= zeros_) return 0;
  std::uint64_t seen = zeros_;
  for (const auto& [bucket, values] : buckets_) {
    seen += values;
    // The top bucket's middle can exceed the largest value: the maximum is known exactly.
    if (seen >= rank) return std::min(bucket_middle(bucket), max_);
  }
  return max_;
}

}  // namespace memsoak

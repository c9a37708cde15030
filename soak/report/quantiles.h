// Quantiles of a stream of non-negative values in bounded memory: what `memsoak report` needs to
// give the median over a week of per-interval latency percentiles without keeping them. Values
// are counted in logarithmic buckets 2 % wide, so a quantile is within 1 % of the true one;
// between 1 ns and 1 hour (in microseconds) that is at most about 1,500 buckets however many
// values come. The maximum is exact.
#pragma once

#include <cstdint>
#include <map>

namespace memsoak {

class QuantileSketch {
 public:
  void add(double value);  // values <= 0 count as zero

  std::uint64_t count() const { return count_; }
  double max() const { return max_; }  // 0 when empty
  // The nearest-rank q-quantile (q in [0, 1]), within 1 %; 0 when empty.
  double quantile(double q) const;

 private:
  std::map<int, std::uint64_t> buckets_;  // log-bucket index -> values in it
  std::uint64_t zeros_ = 0;
  std::uint64_t count_ = 0;
  double max_ = 0;
};

}  // namespace memsoak

// The statistics of `memsoak compare` over a few repeats of each cell: the median with a
// distribution-free confidence interval (order statistics of the binomial, no normality
// assumed: a handful of soak runs shows no distribution), ratios against a baseline paired by
// repeat (the cells of one repeat ran side by side, so drift of a noisy machine cancels), and
// the interleaved order that puts them side by side.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace memsoak {

struct MedianInterval {
  double median = 0;
  double lower = 0;
  double upper = 0;
  double coverage = 0;  // the interval's confidence: 0.95, or less for fewer than 6 values
  std::size_t values = 0;

  bool contains(double value) const { return lower <= value && value <= upper; }
};

// The median of `values` and the narrowest order-statistic interval [x(k), x(n+1-k)] covering
// the true median with at least `confidence`; with too few values for that, [min, max] and its
// own coverage (1 - 2^(1-n): 75 % for 3, 94 % for 5). Throws std::invalid_argument when empty.
MedianInterval median_interval(std::span<const double> values, double confidence = 0.95);

// Ratios value[r] / baseline[r] of the repeats both have (a zero baseline is skipped), and
// their median interval: a ratio whose interval holds 1 is no difference. Nothing when no
// repeat has a non-zero baseline.
std::optional<MedianInterval> paired_ratio(std::span<const double> values,
                                           std::span<const double> baseline,
                                           double confidence = 0.95);

// The order in which `cells` cells run `repeats` times: repeat r starts at cell r (mod cells)
// and goes round, so every cell runs at every position of a round equally often. Indices.
std::vector<std::size_t> interleaved_order(std::size_t cells, std::size_t repeats);

}  // namespace memsoak

// Robust trend statistics for memory series, whose samples are autocorrelated and carry spikes.
// Theil–Sen slope (the median of pairwise slopes) with Sen's rank confidence interval, whose
// width comes from the Mann–Kendall variance corrected for autocorrelation by Hamed and Rao
// (1998): a plain Mann–Kendall test on densely sampled memory reports trends in healthy runs.
// All functions take points in increasing x order; pairs with equal x carry no slope and are
// skipped. Inputs must be finite; cost is O(n^2) time and memory in the number of points.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace memsoak {

// The standard normal quantile, p in (0, 1).
double normal_quantile(double p);

double median(std::vector<double> values);  // of a non-empty set
// Median absolute deviation about the median, times 1.4826: a sigma that ignores outliers.
double scaled_mad(std::vector<double> values);

// Mann–Kendall S with its variance (ties corrected), before and after Hamed–Rao.
struct MannKendall {
  double s = 0;
  double variance = 0;                // corrected: plain variance times autocorrelation_factor
  double autocorrelation_factor = 1;  // Hamed–Rao n/n*, never below 1
  double z = 0;                       // continuity-corrected S / sqrt(variance)
};

// `detrend_slope` is the slope removed before the rank autocorrelation is measured (the
// Theil–Sen slope); lags count only where significant at the two-sided `lag_alpha`. When the
// trend over the points is at least 20 times the residuals' scaled MAD, no correction is made:
// such residuals are smooth because they are small, not because the noise is correlated.
MannKendall mann_kendall(std::span<const double> xs, std::span<const double> ys,
                         double detrend_slope, double lag_alpha = 0.05);

struct SlopeEstimate {
  double slope = 0;
  double intercept = 0;  // the median of y - slope * x
  double lower = 0;      // Sen's one-sided lower bound at `confidence`
  double upper = 0;      // and the matching upper bound
  MannKendall test;
  std::size_t points = 0;
  bool valid = false;  // false when fewer than three points or no pair with distinct x
};

SlopeEstimate theil_sen(std::span<const double> xs, std::span<const double> ys, double confidence);

}  // namespace memsoak

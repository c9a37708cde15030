#include "harness/trend.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace memsoak {
namespace {

// The k-th smallest value (0-based) of `values`, which it reorders.
double order_statistic(std::vector<double>& values, std::size_t k) {
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
  return values[k];
}

// Ranks from 1, ties sharing their average rank, as the rank autocorrelation needs.
std::vector<double> average_ranks(std::span<const double> values) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (std::size_t begin = 0; begin < order.size();) {
    std::size_t end = begin + 1;
    while (end < order.size() && values[order[end]] == values[order[begin]]) ++end;
    const double shared = (static_cast<double>(begin + end) + 1) / 2;
    for (std::size_t i = begin; i < end; ++i) ranks[order[i]] = shared;
    begin = end;
  }
  return ranks;
}

// Variance of S for n values with ties: n(n-1)(2n+5)/18 less each tie group's share.
double kendall_variance(std::span<const double> ys) {
  std::vector<double> sorted(ys.begin(), ys.end());
  std::sort(sorted.begin(), sorted.end());
  const auto term = [](double t) { return t * (t - 1) * (2 * t + 5); };
  double variance = term(static_cast<double>(sorted.size()));
  for (std::size_t begin = 0; begin < sorted.size();) {
    std::size_t end = begin + 1;
    while (end < sorted.size() && sorted[end] == sorted[begin]) ++end;
    variance -= term(static_cast<double>(end - begin));
    begin = end;
  }
  return variance / 18;
}

// The sum of Hamed and Rao: n/n* = 1 + 2 / (n(n-1)(n-2)) * sum (n-k)(n-k-1)(n-k-2) rho(k).
class HamedRaoSum {
 public:
  explicit HamedRaoSum(std::size_t n) : n_(static_cast<double>(n)) {}
  void add(std::size_t lag, double rho) {
    const double remaining = n_ - static_cast<double>(lag);
    sum_ += remaining * (remaining - 1) * (remaining - 2) * rho;
  }
  double factor() const { return 1 + 2 * sum_ / (n_ * (n_ - 1) * (n_ - 2)); }

 private:
  double n_;
  double sum_ = 0;
};

// Hamed–Rao n/n*: how much serial correlation of the detrended ranks inflates Var(S). Two
// estimates, the larger wins: the original (every lag whose rank autocorrelation is
// significant) misses much of an AR(1) process's tail of small lags and lets a 1% test
// reject 5% of trendless AR(0.6) series; the AR(1) form (rho(k) = rho(1)^k, with rho(1)
// corrected for its small-sample bias) keeps that near 1.5% and the original still catches
// structure an AR(1) does not have, such as a sawtooth.
double hamed_rao_factor(std::span<const double> residuals, double lag_alpha) {
  const std::size_t n = residuals.size();
  std::vector<double> ranks = average_ranks(residuals);
  const double nd = static_cast<double>(n);
  const double mean = (nd + 1) / 2;
  double denominator = 0;
  for (double& rank : ranks) {
    rank -= mean;
    denominator += rank * rank;
  }
  if (denominator == 0) return 1;
  const auto autocorrelation = [&](std::size_t lag) {
    double covariance = 0;
    for (std::size_t i = 0; i + lag < n; ++i) covariance += ranks[i] * ranks[i + lag];
    return covariance / denominator;
  };
  const double significant = normal_quantile(1 - lag_alpha / 2) / std::sqrt(nd);
  HamedRaoSum original(n);
  HamedRaoSum first_order(n);
  const double lag_one = autocorrelation(1);
  constexpr double kLargestLagOne = 0.99;
  const double corrected = std::min(kLargestLagOne, lag_one + (1 + 3 * lag_one) / nd);
  double modelled = 1;
  for (std::size_t lag = 1; lag + 2 < n; ++lag) {
    const double rho = lag == 1 ? lag_one : autocorrelation(lag);
    if (std::fabs(rho) > significant) original.add(lag, rho);
    modelled *= std::max(corrected, 0.0);
    first_order.add(lag, modelled);
  }
  // Negative correlation would shrink the variance; a leak detector must not get bolder.
  return std::max({original.factor(), first_order.factor(), 1.0});
}

// Growth over the points this many times the residuals' scatter is not what serially correlated
// noise makes: the residuals about such a trend are smooth only because they are small.
constexpr double kPlainTrendToNoise = 20;

// Whether the trend over the points dwarfs the scatter of the residuals about it. Hamed–Rao
// reads the rank autocorrelation of the residuals, and the residuals of a clean leak (a
// slightly curved line) are as smooth as a random walk's: n/n* reaches 200 and no window of 50
// points could prove the clearest leak.
bool trend_dwarfs_noise(double trend_bytes, std::span<const double> residuals) {
  return trend_bytes > 0 &&
         trend_bytes >= kPlainTrendToNoise *
                            scaled_mad(std::vector<double>(residuals.begin(), residuals.end()));
}

}  // namespace

double normal_quantile(double p) {
  // Acklam's rational approximation, relative error below 1.2e-9.
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  constexpr double kLowTail = 0.02425;
  if (p < kLowTail) {
    const double q = std::sqrt(-2 * std::log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - kLowTail) return -normal_quantile(1 - p);
  const double q = p - 0.5;
  const double r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

double median(std::vector<double> values) {
  const std::size_t middle = values.size() / 2;
  const double upper = order_statistic(values, middle);
  if (values.size() % 2 == 1) return upper;
  return (upper +
          *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(middle))) /
         2;
}

double scaled_mad(std::vector<double> values) {
  constexpr double kGaussianScale = 1.4826;
  const double center = median(values);
  for (double& value : values) value = std::fabs(value - center);
  return kGaussianScale * median(std::move(values));
}

MannKendall mann_kendall(std::span<const double> xs, std::span<const double> ys,
                         double detrend_slope, double lag_alpha) {
  MannKendall result;
  const std::size_t n = ys.size();
  if (n < 3) return result;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      if (xs[j] == xs[i]) continue;
      result.s += (ys[j] > ys[i]) - (ys[j] < ys[i]);
    }
  }
  std::vector<double> residuals(n);
  for (std::size_t i = 0; i < n; ++i) residuals[i] = ys[i] - detrend_slope * xs[i];
  const double trend_bytes = std::fabs(detrend_slope * (xs.back() - xs.front()));
  result.autocorrelation_factor =
      trend_dwarfs_noise(trend_bytes, residuals) ? 1 : hamed_rao_factor(residuals, lag_alpha);
  result.variance = kendall_variance(ys) * result.autocorrelation_factor;
  if (result.variance > 0 && result.s != 0) {
    result.z = (result.s - std::copysign(1.0, result.s)) / std::sqrt(result.variance);
  }
  return result;
}

SlopeEstimate theil_sen(std::span<const double> xs, std::span<const double> ys, double confidence) {
  SlopeEstimate estimate;
  const std::size_t n = ys.size();
  estimate.points = n;
  if (n < 3) return estimate;
  std::vector<double> slopes;
  slopes.reserve(n * (n - 1) / 2);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      if (xs[j] != xs[i]) slopes.push_back((ys[j] - ys[i]) / (xs[j] - xs[i]));
    }
  }
  if (slopes.empty()) return estimate;
  estimate.valid = true;
  estimate.slope = median(slopes);
  std::vector<double> offsets(n);
  for (std::size_t i = 0; i < n; ++i) offsets[i] = ys[i] - estimate.slope * xs[i];
  estimate.intercept = median(std::move(offsets));
  estimate.test = mann_kendall(xs, ys, estimate.slope);

  // Sen (1968): the bounds are the slopes ranked (N -+ C) / 2, C = z * sqrt(Var S).
  const double count = static_cast<double>(slopes.size());
  const double spread = normal_quantile(confidence) * std::sqrt(estimate.test.variance);
  const double lower_rank = std::floor((count - spread) / 2);  // 1-based
  const double upper_rank = std::ceil((count + spread) / 2) + 1;
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  estimate.lower = lower_rank >= 1
                       ? order_statistic(slopes, static_cast<std::size_t>(lower_rank) - 1)
                       : -kInfinity;
  estimate.upper = upper_rank <= count
                       ? order_statistic(slopes, static_cast<std::size_t>(upper_rank) - 1)
                       : kInfinity;
  return estimate;
}

}  // namespace memsoak

#include "soak/compare/repeats.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace memsoak {
namespace {

// P(X <= k) for X ~ Binomial(n, 1/2).
double binomial_half_cdf(std::size_t n, std::size_t k) {
  double term = std::pow(0.5, static_cast<double>(n));  // P(X = 0)
  double sum = term;
  for (std::size_t i = 1; i <= k; ++i) {
    term *= static_cast<double>(n - i + 1) / static_cast<double>(i);
    sum += term;
  }
  return sum;
}

double median_of_sorted(const std::vector<double>& sorted) {
  const std::size_t n = sorted.size();
  return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

}  // namespace

MedianInterval median_interval(std::span<const double> values, double confidence) {
  if (values.empty()) throw std::invalid_argument("median_interval: no values");
  std::vector<double> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end());
  const std::size_t n = sorted.size();
  // [x(k), x(n+1-k)] misses the median with probability 2 P(X <= k-1): the largest k that
  // keeps this within 1 - confidence, at least 1.
  std::size_t k = 1;
  while (k + 1 <= (n + 1) / 2 && 2 * binomial_half_cdf(n, k) <= 1 - confidence) ++k;
  MedianInterval interval;
  interval.median = median_of_sorted(sorted);
  interval.lower = sorted[k - 1];
  interval.upper = sorted[n - k];
  interval.coverage = 1 - 2 * binomial_half_cdf(n, k - 1);
  interval.values = n;
  return interval;
}

std::optional<MedianInterval> paired_ratio(std::span<const double> values,
                                           std::span<const double> baseline, double confidence) {
  std::vector<double> ratios;
  for (std::size_t r = 0; r < std::min(values.size(), baseline.size()); ++r) {
    if (baseline[r] != 0) ratios.push_back(values[r] / baseline[r]);
  }
  if (ratios.empty()) return std::nullopt;
  return median_interval(ratios, confidence);
}

std::vector<std::size_t> interleaved_order(std::size_t cells, std::size_t repeats) {
  std::vector<std::size_t> order;
  order.reserve(cells * repeats);
  for (std::size_t repeat = 0; repeat < repeats; ++repeat) {
    for (std::size_t position = 0; position < cells; ++position) {
      order.push_back((repeat + position) % cells);
    }
  }
  return order;
}

}  // namespace memsoak

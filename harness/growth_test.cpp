#include "harness/growth_test.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace memsoak {
namespace {

// A standard error read back from a confidence interval; infinite when the bound is.
double standard_error(const SlopeEstimate& estimate, double confidence) {
  return (estimate.upper - estimate.lower) / (2 * normal_quantile(confidence));
}

double deceleration(const SlopeEstimate& first, const SlopeEstimate& second, double confidence) {
  const double first_error = standard_error(first, confidence);
  const double second_error = standard_error(second, confidence);
  const double combined = std::hypot(first_error, second_error);
  if (!std::isfinite(combined) || combined == 0) return 0;
  return (first.slope - second.slope) / combined;
}

double residual_noise(std::span<const double> axis, std::span<const double> bytes,
                      const SlopeEstimate& fit) {
  std::vector<double> residuals(bytes.size());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    residuals[i] = bytes[i] - fit.intercept - fit.slope * axis[i];
  }
  return scaled_mad(std::move(residuals));
}

// Fills every rule but `gradual`.
GrowthEvidence measure(std::span<const double> axis, std::span<const double> bytes,
                       const GrowthThresholds& thresholds) {
  GrowthEvidence evidence;
  evidence.window = theil_sen(axis, bytes, thresholds.confidence);
  if (!evidence.window.valid) return evidence;
  evidence.residual_noise = residual_noise(axis, bytes, evidence.window);
  evidence.growth = evidence.window.slope * (axis.back() - axis.front());
  evidence.significant = evidence.window.lower > thresholds.min_slope;
  // Most evaluations of a healthy run end here; the halves only matter for a trend.
  if (!evidence.significant) return evidence;
  const std::size_t half = axis.size() / 2;
  evidence.first_half = theil_sen(axis.first(half), bytes.first(half), thresholds.half_confidence);
  evidence.second_half =
      theil_sen(axis.subspan(half), bytes.subspan(half), thresholds.half_confidence);
  if (!evidence.first_half.valid || !evidence.second_half.valid) return evidence;
  evidence.deceleration_z =
      deceleration(evidence.first_half, evidence.second_half, thresholds.half_confidence);

  evidence.sustained = evidence.first_half.lower > thresholds.min_slope &&
                       evidence.second_half.lower > thresholds.min_slope;
  evidence.above_noise = evidence.growth > thresholds.noise_margin * evidence.residual_noise &&
                         evidence.growth >= thresholds.min_growth;
  evidence.decelerating =
      evidence.deceleration_z > thresholds.deceleration_z &&
      evidence.second_half.slope < thresholds.slowdown * evidence.first_half.slope;
  return evidence;
}

bool passes(const GrowthEvidence& evidence) {
  return evidence.significant && evidence.sustained && evidence.above_noise &&
         !evidence.decelerating;
}

}  // namespace

Step largest_step(std::span<const double> bytes) {
  const std::size_t reach = std::max<std::size_t>(3, bytes.size() / 16);
  const auto stretch_median = [&](std::size_t begin) {
    return median({bytes.begin() + static_cast<std::ptrdiff_t>(begin),
                   bytes.begin() + static_cast<std::ptrdiff_t>(begin + reach)});
  };
  Step step{0, reach, 0};
  for (std::size_t at = reach; at + 2 * reach <= bytes.size(); ++at) {
    const double before = stretch_median(at - reach);
    const double after = std::min(stretch_median(at), stretch_median(at + reach));
    if (after - before > step.height) step = Step{at, reach, after - before};
  }
  return step;
}

GrowthEvidence test_growth(std::span<const double> axis, std::span<const double> bytes,
                           const GrowthThresholds& thresholds) {
  GrowthEvidence evidence = measure(axis, bytes, thresholds);
  if (!passes(evidence)) return evidence;
  const Step step = largest_step(bytes);
  evidence.largest_step = step.height;
  if (step.height < thresholds.step_share * evidence.growth) {
    evidence.gradual = true;
    return evidence;
  }
  std::vector<double> without_step(bytes.begin(), bytes.end());
  for (std::size_t i = step.at; i < without_step.size(); ++i) without_step[i] -= step.height;
  evidence.gradual = passes(measure(axis, without_step, thresholds));
  return evidence;
}

}  // namespace memsoak

// Ordinary least squares of one signal on several regressors, each with its standard error:
// the detector's test of whether work or wall time explains growth the other does not.
// Regressors and signal are centred (an intercept is fitted). A regressor that is constant or a
// linear combination of the ones before it says nothing the others do not: it is left out and
// has no coefficient (a kind of work counted twice, or time when it advanced exactly as the
// work did). The variance is inflated for the residuals' lag-1 autocorrelation, since memory
// samples are not independent.
#pragma once

#include <optional>
#include <span>
#include <vector>

namespace memsoak {

struct Coefficient {
  double estimate = 0;
  double standard_error = 0;

  // Above `threshold` at `z` standard errors.
  bool exceeds(double threshold, double z) const {
    return estimate - z * standard_error > threshold;
  }
};

// One entry per regressor, in order; nothing for a regressor left out. Every coefficient is
// nothing when fewer points than regressors + 3 are given. Throws std::invalid_argument when a
// regressor's length differs from the signal's.
std::vector<std::optional<Coefficient>> least_squares(
    std::span<const std::span<const double>> regressors, std::span<const double> signal);

// (1 + rho) / (1 - rho) for the lag-1 autocorrelation rho of `residuals`, rho clamped to [0, 0.99].
double autocorrelation_inflation(std::span<const double> residuals);

}  // namespace memsoak

// The rule that decides whether a memory signal grows steadily along an axis (work done or
// wall time). Growth must be significant (the Theil–Sen lower bound, autocorrelation-corrected,
// above the threshold), sustained (each half of the window grows on its own, so one step is not
// a trend), large against the scatter (fitted growth over the window at least `noise_margin`
// times the residual MAD, and at least `min_growth`), not slowing down (a warm-up or a running
// maximum flattens; a leak does not) and gradual (it must still pass once the largest single jump
// is taken out, so a step combined with a warm-up tail is not a trend either). Points must be in
// increasing axis order.
#pragma once

#include <cstddef>
#include <span>

#include "harness/trend.h"

namespace memsoak {

struct GrowthThresholds {
  double min_slope = 0;           // bytes per unit of the axis
  double confidence = 0.999;      // one-sided, for the whole window
  double half_confidence = 0.95;  // one-sided, for each half
  double noise_margin = 2;
  double min_growth = 0;  // bytes the fitted growth over the window must reach as well
  // Decelerating: the second half's slope is below `slowdown` times the first half's, and
  // lower by `deceleration_z` standard errors (a leak under a fading warm-up slows a little).
  double deceleration_z = 2;
  double slowdown = 0.5;
  // A jump of at least this share of the growth must not carry it: the rules must still hold
  // with the jump taken out.
  double step_share = 0.5;
};

struct GrowthEvidence {
  SlopeEstimate window;
  SlopeEstimate first_half;
  SlopeEstimate second_half;
  double residual_noise = 0;  // scaled MAD of the residuals about the window's fit
  double growth = 0;          // fitted growth over the window, in bytes
  double deceleration_z = 0;  // how significantly the second half grows slower than the first
  double largest_step = 0;    // the largest jump between neighbouring stretches of points

  bool significant = false;
  bool sustained = false;
  bool above_noise = false;
  bool decelerating = false;
  bool gradual = false;  // the rules above still hold without the largest step

  bool grows() const { return significant && sustained && above_noise && !decelerating && gradual; }
};

GrowthEvidence test_growth(std::span<const double> axis, std::span<const double> bytes,
                           const GrowthThresholds& thresholds);

// The largest persistent rise of `bytes`: at each point, the median of the `reach` points
// before it against the medians of the two stretches of `reach` points after it, whichever is
// lower, so that a transient spike (a big batch that is freed again) is not taken for a step.
// `reach` is a sixteenth of the points, at least 3. Height 0 when nothing rises.
struct Step {
  std::size_t at = 0;  // the first point of the higher level
  std::size_t reach = 0;
  double height = 0;
};
Step largest_step(std::span<const double> bytes);

}  // namespace memsoak

// Calibration of the detector on synthetic series: draws of realistic healthy runs (every
// hard feature of SeriesGenerator at random strengths) and of the same runs with a leak, and
// a driver that feeds a series to a Detector the way a live run does, checking after every
// sample, so "detected" means the run would have been failed at that moment.
#pragma once

#include <cstdint>
#include <optional>

#include "harness/detector.h"
#include "tests/support/series_generator.h"

namespace memsoak {

// A healthy run of `duration_s`, its features drawn from `seed` (ranges in calibration.cpp
// and bench/detector_calibration.md); without live bytes, it is judged on RSS alone.
GeneratorParams draw_healthy(std::uint64_t seed, double duration_s, bool report_live_bytes = true);

struct DetectionOutcome {
  Shape final_shape = Shape::kInsufficientData;
  bool failed = false;                // at any check, or at the end
  std::optional<RunPoint> failed_at;  // the first check that failed the run
};

// Feeds the series to a detector, stopping at the first failing check when
// `stop_at_failure`; the final shape is then the one that failed.
DetectionOutcome run_detector(const GeneratorParams& params, const DetectorOptions& options,
                              bool stop_at_failure);

}  // namespace memsoak

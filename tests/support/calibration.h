// Calibration of the detector on synthetic series: draws of realistic healthy runs and of the
// same runs with a leak, and a driver that feeds a series to a Detector the way a live run does,
// checking after every sample, so "detected" means the run would have been failed at that
// moment. The ranges of every draw are in calibration.cpp and bench/detector_calibration.md.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "harness/detector.h"
#include "tests/support/series_generator.h"

namespace memsoak {

// The kinds of healthy series the detector must never fail.
enum class Family {
  kMixed,     // every hard feature at random strengths: noise, fills, warm-ups, small
              // sawtooth caches, transient batches, permanent steps, RSS decay, purges
  kPeriodic,  // the same, under a cache that fills to a cap and is flushed: periods 1/50 to
              // 1/2 of the run, amplitudes 5% to 50% of the live set
  kWarmup,    // the same, with a cache that fills slowly (2 to 10 minutes, up to half the
              // live set) and big transient batches (up to half the live set), judged with a
              // warm-up of 10 minutes: a leak too big for a warm-up to explain is still proven
              // during it, and these warm-ups must not be taken for one
};
inline constexpr double kSlowWarmupS = 600;
std::span<const Family> families();
std::string_view family_name(Family family);  // "mixed", "periodic", "warm-up"

// A healthy run of `duration_s` of `family`, its features drawn from `seed`; without live
// bytes, it is judged on RSS alone.
GeneratorParams draw(Family family, std::uint64_t seed, double duration_s,
                     bool report_live_bytes = true);
// `options` as a family is judged: the slow warm-ups with a warm-up as long as theirs.
DetectorOptions judging(Family family, DetectorOptions options);
// draw(Family::kMixed, ...).
GeneratorParams draw_healthy(std::uint64_t seed, double duration_s, bool report_live_bytes = true);

struct DetectionOutcome {
  Shape final_shape = Shape::kInsufficientData;
  bool failed = false;                // at any check, or at the end
  std::optional<RunPoint> failed_at;  // the first check that failed the run
  RunPoint judged_from;               // the first sample judged (after the fill)
};

// Feeds the series to a detector, stopping at the first failing check when
// `stop_at_failure`; the final shape is then the one that failed.
DetectionOutcome run_detector(const GeneratorParams& params, const DetectorOptions& options,
                              bool stop_at_failure);

}  // namespace memsoak

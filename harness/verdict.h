// The detector's answer and its JSON form (the verdict.json a run leaves behind). A verdict
// names the behaviour, says which signal it read, gives the slope with its interval and the
// numbers behind the decision, and explains itself in one paragraph a CI log can show.
#pragma once

#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "harness/growth_test.h"

namespace memsoak {

enum class Shape {
  kInsufficientData,  // not enough samples after the warm-up to decide anything yet
  kBounded,
  kLeak,           // grows with the work done
  kTimeGrowth,     // grows with wall time, not with work
  kHighWater,      // stepped up, then flat; a purge gives it back (retention)
  kFragmentation,  // RSS drifts away from live bytes; a purge does not give it back
};

inline constexpr std::array<Shape, 6> kShapes{
    Shape::kInsufficientData, Shape::kBounded,   Shape::kLeak,
    Shape::kTimeGrowth,       Shape::kHighWater, Shape::kFragmentation};

std::string_view shape_name(Shape shape);                 // "leak", "time-growth", ...
std::optional<Shape> parse_shape(std::string_view name);  // the inverse

// A point of the run: where growth began, or where a verdict was proven.
struct RunPoint {
  double t_s = 0;
  double work = 0;
};

struct Interval {
  double estimate = 0;
  double lower = 0;
  double upper = 0;
};

// The RSS bound, checked whatever the shape.
struct BoundCheck {
  std::string description;  // "512.00 MiB" or "3x the live working set"
  double limit_bytes = 0;
  double peak_rss_bytes = 0;
  bool exceeded = false;
  std::optional<RunPoint> exceeded_at;
};

// What the overhead (RSS minus live bytes, or RSS alone) did and what purges showed.
struct OverheadEvidence {
  double rise_bytes = 0;   // recent level minus the level at the start of the window
  double noise_bytes = 0;  // scaled MAD of that signal about its trend
  bool drifting = false;   // still rising in the second half of the window
  bool risen = false;      // the rise is material (against the live level and the noise)
  int purges_in_window = 0;
  double largest_purge_return_bytes = 0;
  bool purge_returned = false;                    // a purge gave back a material amount
  std::optional<double> purge_returned_fraction;  // of the rise, by the latest purge
};

// The signal itself stepped up and stayed there: memory kept at the largest size it ever
// needed (an arena reset but never trimmed, a pool sized by its biggest batch).
struct StepEvidence {
  RunPoint at;              // the first point at the higher level
  double before_bytes = 0;  // the level before the step (median)
  double after_bytes = 0;   // the lowest level of any stretch after it (median)
  double noise_bytes = 0;   // scaled MAD of the signal before the step
};

struct Verdict {
  Shape shape = Shape::kInsufficientData;
  bool fail = false;      // the shape is one that fails, or the bound was crossed
  std::string signal;     // "live_bytes" (allocator statistics) or "rss_bytes"
  std::string work_unit;  // "op", "query", ... : the unit of bytes_per_work
  Interval bytes_per_work;
  Interval bytes_per_second;
  std::optional<RunPoint> growth_began;
  std::optional<RunPoint> proven_at;  // first check at which a failing shape was confirmed

  std::size_t samples = 0;
  std::size_t samples_per_point = 0;
  RunPoint window_start;  // the warm-up excluded before it
  RunPoint window_end;
  GrowthEvidence work_growth;
  GrowthEvidence time_growth;
  bool work_and_time_separable = false;  // the work rate varied enough to tell them apart
  int consecutive_checks = 0;            // that agreed on the current growth shape
  std::optional<StepEvidence> step;
  std::optional<OverheadEvidence> overhead;
  std::optional<BoundCheck> bound;

  std::string explanation;
};

nlohmann::json to_json(const Verdict& verdict);

// The one-paragraph human explanation of a verdict, from its numbers.
std::string explain(const Verdict& verdict);

}  // namespace memsoak

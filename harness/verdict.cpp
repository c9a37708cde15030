#include "harness/verdict.h"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <utility>

#include "harness/units.h"

namespace memsoak {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<Shape, std::string_view>, 6> kShapeNames{{
    {Shape::kInsufficientData, "insufficient-data"},
    {Shape::kBounded, "bounded"},
    {Shape::kLeak, "leak"},
    {Shape::kTimeGrowth, "time-growth"},
    {Shape::kHighWater, "high-water"},
    {Shape::kFragmentation, "fragmentation"},
}};

// JSON has no infinity: an unbounded interval end is written as null.
json finite(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }

json to_json(const Interval& interval) {
  return json{{"estimate", finite(interval.estimate)},
              {"lower", finite(interval.lower)},
              {"upper", finite(interval.upper)}};
}

json to_json(const RunPoint& point) { return json{{"t_s", point.t_s}, {"work", point.work}}; }

json to_json(const SlopeEstimate& estimate) {
  return json{{"slope", finite(estimate.slope)},
              {"lower", finite(estimate.lower)},
              {"upper", finite(estimate.upper)},
              {"points", estimate.points},
              {"mann_kendall_z", finite(estimate.test.z)},
              {"hamed_rao_factor", finite(estimate.test.autocorrelation_factor)}};
}

json to_json(const GrowthEvidence& evidence) {
  return json{{"window", to_json(evidence.window)},
              {"first_half", to_json(evidence.first_half)},
              {"second_half", to_json(evidence.second_half)},
              {"residual_noise_bytes", finite(evidence.residual_noise)},
              {"growth_bytes", finite(evidence.growth)},
              {"deceleration_z", finite(evidence.deceleration_z)},
              {"largest_step_bytes", finite(evidence.largest_step)},
              {"significant", evidence.significant},
              {"sustained", evidence.sustained},
              {"above_noise", evidence.above_noise},
              {"decelerating", evidence.decelerating},
              {"gradual", evidence.gradual}};
}

json to_json(const OverheadEvidence& overhead) {
  return json{{"rise_bytes", finite(overhead.rise_bytes)},
              {"noise_bytes", finite(overhead.noise_bytes)},
              {"drifting", overhead.drifting},
              {"risen", overhead.risen},
              {"purges_in_window", overhead.purges_in_window},
              {"largest_purge_return_bytes", overhead.largest_purge_return_bytes},
              {"purge_returned", overhead.purge_returned},
              {"purge_returned_fraction", overhead.purge_returned_fraction
                                              ? finite(*overhead.purge_returned_fraction)
                                              : json(nullptr)}};
}

json to_json(const StepEvidence& step) {
  return json{{"at", to_json(step.at)},
              {"before_bytes", step.before_bytes},
              {"after_bytes", step.after_bytes},
              {"noise_bytes", step.noise_bytes}};
}

json to_json(const BoundCheck& bound) {
  return json{{"description", bound.description},
              {"limit_bytes", finite(bound.limit_bytes)},
              {"peak_rss_bytes", bound.peak_rss_bytes},
              {"exceeded", bound.exceeded},
              {"exceeded_at", bound.exceeded_at ? to_json(*bound.exceeded_at) : json(nullptr)}};
}

template <typename T>
json optional_json(const std::optional<T>& value) {
  return value ? to_json(*value) : json(nullptr);
}

// Rates are often below one byte: keep three significant digits there.
std::string rate(double bytes) {
  if (!std::isfinite(bytes)) return bytes > 0 ? "+inf B" : "-inf B";
  return std::fabs(bytes) < 1024 ? fmt::format("{:.3g} B", bytes) : format_bytes(bytes);
}

std::string count(double value) {
  if (std::fabs(value) >= 1e6) return fmt::format("{:.1f}M", value / 1e6);
  if (std::fabs(value) >= 1e3) return fmt::format("{:.1f}k", value / 1e3);
  return fmt::format("{:.0f}", value);
}

std::string at(const RunPoint& point, std::string_view unit) {
  return fmt::format("t={:.0f}s after {} {}", point.t_s, count(point.work), plural_unit(unit));
}

std::string growth_sentence(const Verdict& verdict, const GrowthEvidence& evidence,
                            std::string_view unit, double span) {
  return fmt::format(
      "{} rises {}/{} (lower bound {}, upper {}) over {} {} after the warm-up, {} in all, "
      "{:.1f} times the residual noise of {}; both halves of the window grow ({} and {}/{}) and "
      "the growth does not slow down.",
      verdict.signal, rate(evidence.window.slope), unit, rate(evidence.window.lower),
      rate(evidence.window.upper), count(span), plural_unit(unit), format_bytes(evidence.growth),
      evidence.residual_noise > 0 ? evidence.growth / evidence.residual_noise : 0.0,
      format_bytes(evidence.residual_noise), rate(evidence.first_half.slope),
      rate(evidence.second_half.slope), unit);
}

std::string purge_sentence(const OverheadEvidence& overhead) {
  if (!overhead.purge_returned_fraction) {
    return "No purge checkpoint in the window shows whether the allocator gives it back.";
  }
  return fmt::format("The latest purge returned {:.0f}% of it.",
                     *overhead.purge_returned_fraction * 100);
}

std::string overhead_paragraph(const Verdict& verdict) {
  const OverheadEvidence& overhead = *verdict.overhead;
  const std::string what =
      verdict.signal == "live_bytes" ? "RSS minus live bytes" : "RSS (no live bytes known)";
  // An unbounded interval (too few or too noisy points for one) bounds nothing worth printing.
  const double upper = verdict.bytes_per_work.upper;
  const std::string live_flat =
      std::isfinite(upper) ? fmt::format("{} grew no faster than {}/{}", verdict.signal,
                                         rate(upper), verdict.work_unit)
                           : fmt::format("{} showed no significant growth", verdict.signal);
  if (!overhead.risen) {
    return fmt::format(
        "Memory is retained and given back on request: {} purge(s) in the window returned up to "
        "{} of {}, while {}.",
        overhead.purges_in_window, format_bytes(overhead.largest_purge_return_bytes), what,
        live_flat);
  }
  return fmt::format("{}: {} rose {} (noise {}) and {}, while {}. {}",
                     verdict.shape == Shape::kHighWater ? "Memory stepped up and is retained"
                                                        : "RSS drifts away from the live bytes",
                     what, format_bytes(overhead.rise_bytes), format_bytes(overhead.noise_bytes),
                     overhead.drifting ? "is still rising" : "then stayed flat", live_flat,
                     purge_sentence(overhead));
}

std::string step_paragraph(const Verdict& verdict) {
  const StepEvidence& step = *verdict.step;
  return fmt::format(
      "Memory stepped up and stayed: {} rose from {} to at least {} near {} (noise {}) and held "
      "that level to the end of the window. Something keeps the largest size it ever needed (an "
      "arena reset but never trimmed, a pool sized by its biggest batch); whether that is "
      "acceptable is for --rss-bound to decide.",
      verdict.signal, format_bytes(step.before_bytes), format_bytes(step.after_bytes),
      at(step.at, verdict.work_unit), format_bytes(step.noise_bytes));
}

std::string shape_paragraph(const Verdict& verdict) {
  const double work_span = verdict.window_end.work - verdict.window_start.work;
  const double time_span = verdict.window_end.t_s - verdict.window_start.t_s;
  const std::string began =
      verdict.growth_began
          ? fmt::format(" It began near {}.", at(*verdict.growth_began, verdict.work_unit))
          : "";
  const std::string proven =
      verdict.proven_at
          ? fmt::format(" Proven at {}; {} consecutive checks agree.",
                        at(*verdict.proven_at, verdict.work_unit), verdict.consecutive_checks)
          : "";
  const std::string collinear =
      verdict.work_and_time_separable
          ? ""
          : " Work and time advanced together, so growth with age alone cannot be ruled out "
            "(pausing the work now and then tells them apart).";
  switch (verdict.shape) {
    case Shape::kInsufficientData:
      return fmt::format("Growth not judged yet: not enough samples after the warm-up ({} so far).",
                         verdict.samples);
    case Shape::kLeak:
      return fmt::format(
          "Memory grows with the work done: {} That is about {}/s.{}{}{}",
          growth_sentence(verdict, verdict.work_growth, verdict.work_unit, work_span),
          rate(verdict.bytes_per_second.estimate), began, proven, collinear);
    case Shape::kTimeGrowth:
      return fmt::format("Memory grows with wall time, not with the work: {} {}{}{}",
                         growth_sentence(verdict, verdict.time_growth, "second", time_span),
                         verdict.work_and_time_separable
                             ? "The work rate varied, and time explains the growth that work "
                               "does not."
                             : "The work counters did not grow with it.",
                         began, proven);
    case Shape::kHighWater:
      return verdict.step ? step_paragraph(verdict) : overhead_paragraph(verdict);
    case Shape::kFragmentation:
      return overhead_paragraph(verdict);
    case Shape::kBounded:
      break;
  }
  const std::string unconfirmed =
      verdict.consecutive_checks > 0
          ? fmt::format(" Growth was seen at the last {} check(s), too few to confirm it.",
                        verdict.consecutive_checks)
          : "";
  return fmt::format(
      "Memory is bounded: {} changed by {}/{} (interval {} to {}) over {} {} "
      "after the warm-up, {} against a residual noise of {}.{}",
      verdict.signal, rate(verdict.bytes_per_work.estimate), verdict.work_unit,
      rate(verdict.bytes_per_work.lower), rate(verdict.bytes_per_work.upper), count(work_span),
      plural_unit(verdict.work_unit), format_bytes(verdict.work_growth.growth),
      format_bytes(verdict.work_growth.residual_noise), unconfirmed);
}

std::string bound_sentence(const BoundCheck& bound, std::string_view unit) {
  if (bound.exceeded && bound.exceeded_at) {
    const std::string limit = format_bytes(bound.limit_bytes);
    return fmt::format(" RSS crossed its bound of {}{} at {}; peak {}.", bound.description,
                       limit == bound.description ? "" : " (" + limit + ")",
                       at(*bound.exceeded_at, unit), format_bytes(bound.peak_rss_bytes));
  }
  return fmt::format(" Peak RSS {} stayed within the bound of {}.",
                     format_bytes(bound.peak_rss_bytes), bound.description);
}

}  // namespace

std::string explain(const Verdict& verdict) {
  std::string text = shape_paragraph(verdict);
  if (verdict.signal == "rss_bytes") {
    text +=
        " Only RSS was recorded: a leak must also raise it steadily, segment after segment, and by "
        "a material share of itself (--rss-only-min-rise).";
  }
  if (verdict.bound) text += bound_sentence(*verdict.bound, verdict.work_unit);
  return text;
}

std::string_view shape_name(Shape shape) {
  for (const auto& [candidate, name] : kShapeNames) {
    if (candidate == shape) return name;
  }
  return "unknown";
}

std::optional<Shape> parse_shape(std::string_view name) {
  for (const auto& [shape, candidate] : kShapeNames) {
    if (candidate == name) return shape;
  }
  return std::nullopt;
}

json to_json(const Verdict& verdict) {
  return json{
      {"verdict", shape_name(verdict.shape)},
      {"fail", verdict.fail},
      {"signal", verdict.signal},
      {"work_unit", verdict.work_unit},
      {"bytes_per_work", to_json(verdict.bytes_per_work)},
      {"bytes_per_second", to_json(verdict.bytes_per_second)},
      {"growth_began", optional_json(verdict.growth_began)},
      {"proven_at", optional_json(verdict.proven_at)},
      {"samples", verdict.samples},
      {"samples_per_point", verdict.samples_per_point},
      {"window_start", to_json(verdict.window_start)},
      {"window_end", to_json(verdict.window_end)},
      {"work_growth", to_json(verdict.work_growth)},
      {"time_growth", to_json(verdict.time_growth)},
      {"work_and_time_separable", verdict.work_and_time_separable},
      {"consecutive_checks", verdict.consecutive_checks},
      {"step", optional_json(verdict.step)},
      {"overhead", optional_json(verdict.overhead)},
      {"bound", optional_json(verdict.bound)},
      {"explanation", verdict.explanation},
  };
}

}  // namespace memsoak

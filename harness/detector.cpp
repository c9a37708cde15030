#include "harness/detector.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "harness/detector_settings.h"
#include "harness/regression.h"
#include "harness/units.h"

namespace memsoak {
namespace {

constexpr std::size_t kKeptPurges = 16;

bool is_sum_unit(std::string_view unit) { return unit == "op" || unit == "ops"; }

// "query" names the "queries" counter, "doc" the "docs" one.
bool counter_matches(std::string_view counter, std::string_view unit) {
  if (counter == unit) return true;
  if (counter.size() == unit.size() + 1 && counter.starts_with(unit) && counter.back() == 's') {
    return true;
  }
  return unit.ends_with('y') && counter.size() == unit.size() + 2 &&
         counter.starts_with(unit.substr(0, unit.size() - 1)) && counter.ends_with("ies");
}

std::string counter_names(const WorkCounters& work) {
  std::string names;
  for (const auto& [name, count] : work) names += (names.empty() ? "" : ", ") + name;
  return names;
}

// The counters whose sum is the work in `unit`, as they are named in `work`.
std::vector<std::string> counters_in_unit(const WorkCounters& work, std::string_view unit) {
  std::vector<std::string> names;
  for (const auto& [name, count] : work) {
    if (is_sum_unit(unit) || counter_matches(name, unit)) names.push_back(name);
    if (!is_sum_unit(unit) && !names.empty()) break;
  }
  return names;
}

// The stored points as columns, the signal being live bytes or RSS.
struct Columns {
  std::vector<double> work;
  std::vector<double> t_s;
  std::vector<double> signal;
  std::vector<double> overhead;  // rss - live, or rss alone without live bytes
  std::vector<double> live;
  std::vector<std::vector<double>> work_parts;  // one column per kind of work
};

Columns columns(std::span<const StoredPoint> points, bool has_live) {
  Columns result;
  for (const StoredPoint& point : points) {
    const double rss = StoredPoint::mean(point.rss, point.samples);
    const double live = has_live ? StoredPoint::mean(point.live, point.samples) : 0;
    result.work.push_back(point.work());
    result.t_s.push_back(point.t_s());
    result.signal.push_back(has_live ? live : rss);
    result.overhead.push_back(has_live ? StoredPoint::mean(point.gap, point.samples) : rss);
    if (has_live) result.live.push_back(live);
    result.work_parts.resize(point.work_part_sums.size());
    for (std::size_t part = 0; part < result.work_parts.size(); ++part) {
      result.work_parts[part].push_back(point.work_part(part));
    }
  }
  return result;
}

// The first point after the warm-up: a share of the work done, and a minimum duration.
std::size_t window_begin(std::span<const StoredPoint> points, const DetectorOptions& options) {
  const double first_work = points.front().work_first;
  const double warmup_work =
      first_work + options.warmup_fraction * (points.back().work_last - first_work);
  const double warmup_t_s = points.front().t_first + options.warmup_s;
  std::size_t begin = 0;
  while (begin < points.size() &&
         (points[begin].work_first < warmup_work || points[begin].t_first < warmup_t_s)) {
    ++begin;
  }
  return begin;
}

GrowthThresholds thresholds(const DetectorOptions& options, double min_slope) {
  return GrowthThresholds{min_slope,
                          options.confidence,
                          options.half_confidence,
                          options.noise_margin,
                          options.min_growth_bytes,
                          options.deceleration_z,
                          options.slowdown,
                          options.step_share};
}

// RSS alone: a running maximum of a bounded process rises less and less as it ages; a leak
// raises it at its own pace. Each segment's median must top the previous segment's by half the
// rise the fitted slope predicts. Medians, not peaks: a transient spike (a huge batch whose
// pages the allocator keeps for a while) would otherwise set a bar the next segment's steady
// growth cannot clear. The price: for RSS that only rises, a median sits mid-segment, so a
// running maximum that stopped rising passes until its flat tail is three eighths of the
// window rather than a quarter (with four segments).
// And the last segment must top the first by `min_rise` of the first: RSS also holds what the
// allocator caches, which creeps by a few percent for tens of seconds and which a short window
// cannot tell from a leak. The creep is over once the caches settle, so over a window of
// `window_s` longer than rss_only_settle_s the share shrinks in proportion: a long window's
// segments, each rising in turn, tell a creep that stopped from a leak on their own.
double rss_only_min_rise(double window_s, const DetectorOptions& options) {
  const double settle_s = options.rss_only_settle_s;
  if (settle_s <= 0 || window_s <= settle_s) return options.rss_only_min_rise;
  return options.rss_only_min_rise * settle_s / window_s;
}

bool steady_rise(std::span<const double> axis, std::span<const double> signal, double slope,
                 double window_s, const DetectorOptions& options) {
  const std::size_t count = axis.size();
  const auto segment_count = static_cast<std::size_t>(options.rss_only_segments);
  double first_level = 0;
  double previous_level = 0;
  for (std::size_t segment = 0; segment < segment_count; ++segment) {
    const std::size_t begin = segment * count / segment_count;
    const std::size_t end = (segment + 1) * count / segment_count;
    if (begin == end) return false;
    const double level = median({signal.begin() + static_cast<std::ptrdiff_t>(begin),
                                 signal.begin() + static_cast<std::ptrdiff_t>(end)});
    const double expected_rise = 0.5 * slope * (axis[end - 1] - axis[begin]);
    if (segment == 0) first_level = level;
    if (segment > 0 && level - previous_level < expected_rise) return false;
    previous_level = level;
  }
  return previous_level - first_level >= rss_only_min_rise(window_s, options) * first_level;
}

// Least squares of the signal on time and on every kind of work together: does time explain
// the growth that no kind of work does? Only idle periods tell them apart. A kind of work that
// comes in bursts or stalls (an indexer working through a huge batch) shows that not every
// operation grows memory, which says nothing about age: each kind of work is its own
// regressor, so growth that follows the queries is not blamed on time when the documents, most
// of the operations, wander. When the rates were steady the coefficients' errors are huge and
// none is significant.
struct Attribution {
  bool separable = false;  // at least one coefficient is significant on its own
  bool time_explains = false;
};

Attribution attribute(const Columns& data, std::size_t begin, double z,
                      const DetectorOptions& options) {
  const auto tail = [&](const std::vector<double>& column) {
    return std::span(column).subspan(begin);
  };
  std::vector<std::span<const double>> regressors;
  for (const std::vector<double>& part : data.work_parts) regressors.push_back(tail(part));
  regressors.push_back(tail(data.t_s));
  const std::vector<std::optional<Coefficient>> fit = least_squares(regressors, tail(data.signal));
  // No time coefficient: time is a combination of the work counters (nothing tells them
  // apart), or too few points for so many regressors.
  if (!fit.back()) return Attribution{};
  const bool time_significant = fit.back()->exceeds(options.max_bytes_per_second, z);
  // Each kind of work against the threshold per unit of work: one that grows memory faster than
  // that per unit of its own counts (the same at the default threshold of 0).
  const bool work_significant =
      std::any_of(fit.begin(), fit.end() - 1, [&](const std::optional<Coefficient>& part) {
        return part && part->exceeds(options.max_bytes_per_work, z);
      });
  return Attribution{time_significant || work_significant, time_significant && !work_significant};
}

// Where growth began: the knee of "flat, then rising at `slope`" that fits all points best.
RunPoint growth_onset(std::span<const StoredPoint> points, std::span<const double> axis,
                      std::span<const double> signal, double slope) {
  std::size_t best = 0;
  double best_squares = std::numeric_limits<double>::infinity();
  std::vector<double> residual(axis.size());
  for (std::size_t knee = 0; knee < axis.size(); ++knee) {
    double sum = 0;
    for (std::size_t i = 0; i < axis.size(); ++i) {
      residual[i] = signal[i] - slope * std::max(0.0, axis[i] - axis[knee]);
      sum += residual[i];
    }
    const double level = sum / static_cast<double>(axis.size());
    double squares = 0;
    for (const double value : residual) squares += (value - level) * (value - level);
    if (squares < best_squares) {
      best_squares = squares;
      best = knee;
    }
  }
  return RunPoint{points[best].t_first, points[best].work_first};
}

// The knee of the best "flat, then rising" fit (level and slope free) over axis[begin, end),
// searched where at least `min_after` points follow it: the start of a leak that began after
// the window did, so that a late leak need not wait for the window's first half to grow.
std::size_t late_knee(std::span<const double> axis, std::span<const double> signal,
                      std::size_t min_after) {
  const std::size_t n = axis.size();
  std::size_t best = 0;
  double best_squares = std::numeric_limits<double>::infinity();
  for (std::size_t knee = 1; knee + min_after <= n; ++knee) {
    double sh = 0, shh = 0, sy = 0, shy = 0, syy = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double h = std::max(0.0, axis[i] - axis[knee]);
      sh += h;
      shh += h * h;
      sy += signal[i];
      shy += h * signal[i];
      syy += signal[i] * signal[i];
    }
    const double count = static_cast<double>(n);
    const double spread = shh - sh * sh / count;
    if (spread <= 0) continue;
    const double covariance = shy - sh * sy / count;
    const double squares = syy - sy * sy / count - covariance * covariance / spread;
    if (squares < best_squares) {
      best_squares = squares;
      best = knee;
    }
  }
  return best;
}

std::optional<OverheadEvidence> measure_overhead(const Columns& data, std::size_t begin,
                                                 std::span<const PurgeCheckpoint> purges,
                                                 bool has_live, const DetectorOptions& options) {
  const std::span<const double> axis = std::span(data.work).subspan(begin);
  const std::span<const double> overhead = std::span(data.overhead).subspan(begin);
  const auto quarter = static_cast<std::ptrdiff_t>(std::max<std::size_t>(1, overhead.size() / 4));
  const double baseline = median({overhead.begin(), overhead.begin() + quarter});
  const double recent = median({overhead.end() - quarter, overhead.end()});
  const GrowthEvidence fit = test_growth(axis, overhead, thresholds(options, 0));
  OverheadEvidence evidence;
  evidence.rise_bytes = recent - baseline;
  evidence.noise_bytes = fit.residual_noise;
  evidence.drifting = fit.grows();
  const std::span<const double> level_source =
      std::span(has_live ? data.live : data.overhead).subspan(begin);
  const double material =
      std::max(options.overhead_min_fraction * median({level_source.begin(), level_source.end()}),
               options.noise_margin * evidence.noise_bytes);

  const auto overhead_of = [&](const MemoryReading& reading) {
    const auto& live = reading.allocator.live_bytes;
    return has_live && live ? reading.rss_bytes - *live : reading.rss_bytes;
  };
  for (const PurgeCheckpoint& purge : purges) {
    if (purge.t_s < data.t_s[begin]) continue;
    ++evidence.purges_in_window;
    // What the purge gave back is RSS that left. (The overhead's own difference would count
    // the live bytes the workload's threads allocate between the two readings as returned.)
    const double returned = purge.before.rss_bytes - purge.after.rss_bytes;
    evidence.largest_purge_return_bytes = std::max(evidence.largest_purge_return_bytes, returned);
    const double excess = overhead_of(purge.before) - baseline;
    evidence.purge_returned_fraction = excess > 0 ? std::optional(returned / excess) : std::nullopt;
  }
  evidence.risen = evidence.rise_bytes > material;
  evidence.purge_returned = evidence.largest_purge_return_bytes > material;
  if (!evidence.risen && !evidence.purge_returned) return std::nullopt;
  return evidence;
}

// The signal stepped up and stayed: the largest persistent rise in the window, material
// against the level before it (overhead_min_fraction) and that level's noise (noise_margin),
// carrying at least step_share of the window's whole rise, followed by at least a quarter of
// the window, every later stretch still that far above the old level and no significant
// growth after it. A healthy run's big batch is freed again within a stretch or two; an arena
// reset but kept, or a pool sized by its biggest batch, holds the new level; a leak not yet
// proven rises in many small steps, none of which carries the growth.
std::optional<StepEvidence> measure_step(std::span<const StoredPoint> points, const Columns& data,
                                         std::size_t begin, const DetectorOptions& options) {
  const std::span<const double> signal = std::span(data.signal).subspan(begin);
  const Step step = largest_step(signal);
  if (step.height <= 0 || step.at + signal.size() / 4 > signal.size()) return std::nullopt;
  const std::vector<double> before(signal.begin(),
                                   signal.begin() + static_cast<std::ptrdiff_t>(step.at));
  const auto stretch_median = [&](std::size_t first) {
    return median({signal.begin() + static_cast<std::ptrdiff_t>(first),
                   signal.begin() + static_cast<std::ptrdiff_t>(first + step.reach)});
  };
  StepEvidence evidence;
  evidence.at = RunPoint{points[begin + step.at].t_first, points[begin + step.at].work_first};
  evidence.before_bytes = median(before);
  evidence.noise_bytes = scaled_mad(before);
  evidence.after_bytes = std::numeric_limits<double>::infinity();
  for (std::size_t stretch = step.at; stretch + step.reach <= signal.size();
       stretch += step.reach) {
    evidence.after_bytes = std::min(evidence.after_bytes, stretch_median(stretch));
  }
  const double material = std::max(options.overhead_min_fraction * evidence.before_bytes,
                                   options.noise_margin * evidence.noise_bytes);
  if (evidence.after_bytes - evidence.before_bytes <= material) return std::nullopt;
  const double whole_rise = stretch_median(signal.size() - step.reach) - stretch_median(0);
  if (step.height < options.step_share * whole_rise) return std::nullopt;
  // Stayed, or kept rising? Only a material rise after the step counts: a level that creeps by a
  // percent while the rest of the run is judged is still the level the step set.
  const std::span<const double> axis = std::span(data.work).subspan(begin + step.at);
  const SlopeEstimate after = theil_sen(axis, signal.subspan(step.at), options.half_confidence);
  const double work_after = axis.back() - axis.front();
  if (after.valid && after.lower > options.max_bytes_per_work &&
      after.lower * work_after > material) {
    return std::nullopt;
  }
  return evidence;
}

// Retention comes back when the allocator is asked; fragmentation does not. Without live
// bytes a purge that returns nothing may hide live growth, so only a step that stopped is
// reported: RSS still rising is a leak not proven yet, as bounded says (with its checks).
Shape overhead_shape(const OverheadEvidence& overhead, bool has_live,
                     const DetectorOptions& options) {
  if (!has_live) return overhead.drifting ? Shape::kBounded : Shape::kHighWater;
  if (!overhead.risen) return Shape::kHighWater;
  if (overhead.purge_returned_fraction) {
    return *overhead.purge_returned_fraction >= options.purge_return_fraction
               ? Shape::kHighWater
               : Shape::kFragmentation;
  }
  return overhead.drifting ? Shape::kFragmentation : Shape::kHighWater;
}

// The level a stretch held: a value a share `held` of it stayed at or above. A cycle's peak is
// held for a while; a big batch freed again is not, unless it fills most of the stretch.
constexpr double kHeldShare = 0.75;

// The `held` quantile from the top of every stretch of `reach` consecutive values (0.5: the
// median).
std::vector<double> stretch_levels(std::span<const double> signal, std::size_t reach,
                                   double held = 0.5) {
  std::vector<double> levels;
  std::vector<double> stretch(reach);
  const auto rank = static_cast<std::ptrdiff_t>((1 - held) * static_cast<double>(reach - 1));
  for (std::size_t first = 0; first + reach <= signal.size(); ++first) {
    std::copy_n(signal.begin() + static_cast<std::ptrdiff_t>(first), reach, stretch.begin());
    if (held == 0.5) {
      levels.push_back(median(stretch));
    } else {
      std::nth_element(stretch.begin(), stretch.begin() + rank, stretch.end());
      levels.push_back(stretch[static_cast<std::size_t>(rank)]);
    }
  }
  return levels;
}

// The noise about the levels: the scaled MAD of each value's distance from the level of the
// stretch around it. A cycle's ramp is level by level, so it is not counted as noise.
double noise_about_levels(std::span<const double> signal, std::span<const double> levels,
                          std::size_t reach) {
  std::vector<double> residuals;
  residuals.reserve(signal.size());
  for (std::size_t i = 0; i < signal.size(); ++i) {
    const std::size_t stretch = std::min(i - std::min(i, reach / 2), levels.size() - 1);
    residuals.push_back(signal[i] - levels[stretch]);
  }
  return scaled_mad(std::move(residuals));
}

// Memory that climbs back to where it was before a fall (a cache refilled after its flush, a
// heap between two collections, a buffer between two rotations) is a cycle, however steadily it
// climbs, and the ramp of one cycle is not a trend. The cycles of a series are its falls: a
// level (what a short stretch held for most of it, so a big batch freed again is not one)
// followed by a drop that is material: twice the noise margin times the noise about the levels,
// since the levels themselves scatter by the noise.
struct CycleView {
  struct Fall {
    std::size_t at = 0;  // the first point after the peak
    double peak = 0;     // the level it fell from
    double depth = 0;    // to the lowest level before the signal rose again
  };
  std::vector<Fall> falls;
  double recent_level = 0;
  double noise = 0;        // about the levels: how far two measurements of one level differ
  double peak_margin = 0;  // how far two peaks of one cycle may differ
  // How many troughs in a row must rise to show a leak under the cycles: more for RSS, a
  // running maximum, which ratchets its troughs up by its noise.
  std::size_t troughs_to_rise = 3;
};

constexpr double kRssPeakScatter = 0.02;

// `rss_alone`: the signal is RSS, whose peaks scatter by a share of the level (peak_margin).
CycleView view_cycles(std::span<const double> signal, bool rss_alone,
                      const DetectorOptions& options) {
  CycleView view;
  const std::size_t reach = std::max<std::size_t>(4, signal.size() / 32);
  const std::size_t noise_reach = std::max<std::size_t>(3, signal.size() / 16);
  if (signal.size() < std::max(3 * reach, noise_reach)) return view;
  const std::vector<double> levels = stretch_levels(signal, reach, kHeldShare);
  view.recent_level = levels.back();
  view.noise = noise_about_levels(signal, stretch_levels(signal, noise_reach), noise_reach);
  // RSS keeps the highest footprint for a while, noise included: two peaks of one cycle differ
  // by a share of the level, however smooth the RSS between them.
  view.troughs_to_rise = rss_alone ? 6 : 3;
  view.peak_margin =
      rss_alone ? std::max(view.noise, kRssPeakScatter * std::fabs(view.recent_level)) : view.noise;
  // A percent of the level at least: RSS held by the allocator can be flat to the byte.
  const double material =
      std::max(2 * options.noise_margin * view.noise, 0.01 * std::fabs(view.recent_level));
  // Rising: the highest level since the last trough; falling: the lowest since the last peak.
  bool falling = false;
  std::size_t extreme = 0;
  for (std::size_t k = 1; k < levels.size(); ++k) {
    if (!falling && levels[k] > levels[extreme]) {
      extreme = k;
    } else if (!falling && levels[extreme] - levels[k] > material) {
      view.falls.push_back(
          CycleView::Fall{k + reach / 2, levels[extreme], levels[extreme] - levels[k]});
      falling = true;
      extreme = k;
    } else if (falling && levels[k] < levels[extreme]) {
      extreme = k;
      if (!view.falls.empty() && view.falls.back().at > k) {
        view.falls.back().depth = view.falls.back().peak - levels[k];
      }
    } else if (falling && levels[k] - levels[extreme] > material) {
      falling = false;
      extreme = k;
    }
  }
  return view;
}

// Whether growth over points[begin, ...) may be proven in the light of the run's cycles: with
// none, always. Otherwise the cycles must be rising: the newest level tops every peak the signal
// fell from, or the troughs the cycle's falls (a quarter as deep as the deepest, at least: a
// batch's bump on a refill is not one) reached in the span rose, troughs_to_rise of them, one after
// the other and in all by more than two peaks of one cycle differ. And the growth must either span
// two falls, so that it is a trend across cycles, or reach above the highest peak by the deepest
// fall, more than any cycle explains.
bool beyond_cycles(const CycleView& cycles, std::size_t begin) {
  if (cycles.falls.empty()) return true;
  double highest_peak = 0;
  double deepest = 0;
  for (const CycleView::Fall& fall : cycles.falls) {
    highest_peak = std::max(highest_peak, fall.peak);
    deepest = std::max(deepest, fall.depth);
  }
  std::vector<double> troughs;  // of the cycles' falls in the span, in order
  for (const CycleView::Fall& fall : cycles.falls) {
    if (fall.at >= begin && fall.depth >= deepest / 4) troughs.push_back(fall.peak - fall.depth);
  }
  const double above = cycles.recent_level - highest_peak;
  const bool troughs_rose = troughs.size() >= cycles.troughs_to_rise &&
                            std::is_sorted(troughs.begin(), troughs.end()) &&
                            troughs.back() - troughs.front() > 2 * cycles.peak_margin;
  return (above > cycles.peak_margin || troughs_rose) && (troughs.size() >= 2 || above > deepest);
}

// The growth shapes over points[begin, end): leak, time-growth or none (kBounded).
void assess_growth(std::span<const StoredPoint> points, const Columns& data, std::size_t begin,
                   bool has_live, const CycleView& cycles, const DetectorOptions& options,
                   Verdict& verdict) {
  verdict.window_start = RunPoint{points[begin].t_first, points[begin].work_first};
  const auto tail = [&](const std::vector<double>& column) {
    return std::span(column).subspan(begin);
  };
  verdict.work_growth = test_growth(tail(data.work), tail(data.signal),
                                    thresholds(options, options.max_bytes_per_work));
  verdict.time_growth = test_growth(tail(data.t_s), tail(data.signal),
                                    thresholds(options, options.max_bytes_per_second));
  const GrowthEvidence& by_work = verdict.work_growth;
  const GrowthEvidence& by_time = verdict.time_growth;
  verdict.bytes_per_work = {by_work.window.slope, by_work.window.lower, by_work.window.upper};
  verdict.bytes_per_second = {by_time.window.slope, by_time.window.lower, by_time.window.upper};

  const Attribution attribution =
      attribute(data, begin, normal_quantile(options.confidence), options);
  verdict.work_and_time_separable = attribution.separable;
  const double window_s = data.t_s.back() - data.t_s[begin];
  const bool steady_by_work = has_live || steady_rise(tail(data.work), tail(data.signal),
                                                      by_work.window.slope, window_s, options);
  const bool steady_by_time = has_live || steady_rise(tail(data.t_s), tail(data.signal),
                                                      by_time.window.slope, window_s, options);
  verdict.shape = Shape::kBounded;
  verdict.growth_began.reset();
  if (!beyond_cycles(cycles, begin)) return;
  if (by_work.grows() && steady_by_work && !attribution.time_explains) {
    verdict.shape = Shape::kLeak;
    verdict.growth_began = growth_onset(points, data.work, data.signal, by_work.window.slope);
  } else if (by_time.grows() && steady_by_time &&
             (attribution.time_explains || !by_work.significant)) {
    verdict.shape = Shape::kTimeGrowth;
    verdict.growth_began = growth_onset(points, data.t_s, data.signal, by_time.window.slope);
  }
}

// Before the store takes its capacity from them.
DetectorOptions checked(DetectorOptions options) {
  check_detector_options(options);
  return options;
}

}  // namespace

RssBound parse_rss_bound(std::string_view text) {
  if (text.ends_with('x')) {
    const double multiple = parse_bytes(text.substr(0, text.size() - 1));
    if (multiple < 1) {
      throw UnitError(
          fmt::format("'{}' is not an RSS bound: a multiple of the live bytes must be "
                      "at least 1x",
                      text));
    }
    return RssBound{multiple, true};
  }
  return RssBound{parse_bytes(text), false};
}

Detector::Detector(DetectorOptions options)
    : options_(checked(std::move(options))), store_(options_.capacity) {
  if (options_.rss_bound) {
    bound_ = BoundCheck{};
    bound_->description = options_.rss_bound->live_multiple
                              ? fmt::format("{}x the peak live bytes", options_.rss_bound->value)
                              : format_bytes(options_.rss_bound->value);
    if (!options_.rss_bound->live_multiple) bound_->limit_bytes = options_.rss_bound->value;
  }
  verdict_.work_unit = options_.work_unit;
}

double Detector::work_of(const WorkCounters& work) const {
  if (const auto count = work_in_unit(work, options_.work_unit)) return *count;
  throw DetectorInputError(fmt::format(
      "no work counter matches the unit '{}' (the samples count: {}); use one of those, or 'op' "
      "for their sum",
      options_.work_unit, counter_names(work)));
}

std::optional<double> work_in_unit(const WorkCounters& work, std::string_view unit) {
  const std::vector<std::string> names = counters_in_unit(work, unit);
  if (names.empty() && !is_sum_unit(unit)) return std::nullopt;
  double total = 0;
  for (const std::string& name : names) total += work.at(name);
  return total;
}

void Detector::validate(const SeriesSample& sample) const {
  const auto& live = sample.memory.allocator.live_bytes;
  if (!std::isfinite(sample.t_s) || !std::isfinite(sample.memory.rss_bytes) ||
      sample.memory.rss_bytes < 0 || (live && (!std::isfinite(*live) || *live < 0))) {
    throw DetectorInputError("a time or memory value is not a finite non-negative number");
  }
  if (has_live_bytes_ && *has_live_bytes_ && !live) {
    throw DetectorInputError(
        "allocator.live_bytes is missing but earlier samples had it: the detector reads one "
        "signal per run");
  }
  if (options_.rss_bound && options_.rss_bound->live_multiple && !live) {
    throw DetectorInputError(
        "an RSS bound relative to live bytes needs allocator.live_bytes, which this run does not "
        "record: give the bound in bytes instead");
  }
  if (!last_t_s_) return;
  if (sample.t_s < *last_t_s_) {
    throw DetectorInputError(
        fmt::format("time went backwards: t_s {} after {}", sample.t_s, *last_t_s_));
  }
  for (const auto& [name, previous] : last_work_) {
    const auto found = sample.work.find(name);
    if (found == sample.work.end()) {
      throw DetectorInputError(fmt::format("work counter '{}' disappeared", name));
    }
    if (found->second < previous) {
      throw DetectorInputError(fmt::format(
          "work counter '{}' went backwards from {} to {}: counters must never decrease (a "
          "restarted process starts a new series)",
          name, previous, found->second));
    }
  }
}

void Detector::add(const SeriesSample& sample) {
  validate(sample);
  const double work = work_of(sample.work);
  if (!has_live_bytes_) {
    has_live_bytes_ = sample.memory.allocator.live_bytes.has_value();
    verdict_.signal = *has_live_bytes_ ? "live_bytes" : "rss_bytes";
  }
  if (!first_work_) {
    first_work_ = work;
    work_part_names_ = counters_in_unit(sample.work, options_.work_unit);
  }
  last_t_s_ = sample.t_s;
  last_work_ = sample.work;
  ++samples_;
  std::vector<double> work_parts;
  for (const std::string& name : work_part_names_) work_parts.push_back(sample.work.at(name));
  store_.add(StoreInput{sample.t_s, work, sample.memory.rss_bytes,
                        *has_live_bytes_ ? sample.memory.allocator.live_bytes : std::nullopt,
                        std::move(work_parts)});
  check_absolute_bound(sample);
  // Re-evaluate once a sixteenth of the stored points (at least four) is new.
  const std::size_t new_points = std::max<std::size_t>(4, store_.points().size() / 16);
  if (samples_ - samples_at_evaluation_ >= new_points * store_.samples_per_point()) {
    evaluate(false);
  }
}

void Detector::add(const PurgeCheckpoint& purge) {
  if (recent_purges_.size() == kKeptPurges) recent_purges_.erase(recent_purges_.begin());
  recent_purges_.push_back(purge);
}

void Detector::observe(const SeriesSample& sample) {
  if (!std::isfinite(sample.t_s) || !std::isfinite(sample.memory.rss_bytes) ||
      sample.memory.rss_bytes < 0) {
    throw DetectorInputError("a time or memory value is not a finite non-negative number");
  }
  check_absolute_bound(sample);
}

// The crossing fails the verdict at once, not at the next evaluation: a live run stops on it.
void Detector::check_absolute_bound(const SeriesSample& sample) {
  if (!bound_) return;
  bound_->peak_rss_bytes = std::max(bound_->peak_rss_bytes, sample.memory.rss_bytes);
  verdict_.bound = bound_;
  if (options_.rss_bound->live_multiple || bound_->exceeded) return;
  if (sample.memory.rss_bytes > bound_->limit_bytes) {
    bound_->exceeded = true;
    bound_->exceeded_at = RunPoint{sample.t_s, work_of(sample.work)};
    verdict_.bound = bound_;
    verdict_.fail = true;
    verdict_.explanation = explain(verdict_);
  }
}

void Detector::check_live_multiple_bound(std::span<const StoredPoint> window) {
  if (!bound_ || !options_.rss_bound->live_multiple || bound_->exceeded) return;
  double peak_live = 0;
  for (const StoredPoint& point : window) {
    peak_live = std::max(peak_live, point.live.max);
    bound_->limit_bytes = options_.rss_bound->value * peak_live;
    if (point.rss.max > bound_->limit_bytes) {
      bound_->exceeded = true;
      bound_->exceeded_at = RunPoint{point.t_last, point.work_last};
      return;
    }
  }
}

// A leak too big for any warm-up to explain, proven before the warm-up ends: judged over every
// point since judging began, it passes every rule a leak in the window passes (a warm-up slows
// down, a cycle falls back) and memory grew by early_growth times the level it began at.
void assess_early_growth(std::span<const StoredPoint> points, const Columns& data, bool has_live,
                         const CycleView& cycles, const DetectorOptions& options,
                         Verdict& verdict) {
  const std::size_t reach = std::max<std::size_t>(3, points.size() / 16);
  if (points.size() < std::max(options.min_points, 2 * reach)) return;
  Verdict whole = verdict;
  assess_growth(points, data, 0, has_live, cycles, options, whole);
  if (whole.shape != Shape::kLeak) return;
  const double start_level = median({data.signal.begin(), data.signal.begin() + reach});
  if (options.early_growth <= 0 || whole.work_growth.growth < options.early_growth * start_level) {
    return;
  }
  whole.window_end = RunPoint{points.back().t_last, points.back().work_last};
  verdict = whole;
}

void Detector::evaluate(bool include_partial) {
  samples_at_evaluation_ = samples_;
  std::vector<StoredPoint> points(store_.points().begin(), store_.points().end());
  if (const auto partial = store_.partial(); include_partial && partial) {
    points.push_back(*partial);
  }
  Verdict verdict;
  verdict.signal = verdict_.signal;
  verdict.work_unit = options_.work_unit;
  verdict.samples = samples_;
  verdict.samples_per_point = store_.samples_per_point();
  const bool has_live = *has_live_bytes_;
  const Columns data = columns(points, has_live);
  const CycleView cycles = view_cycles(data.signal, !has_live, options_);

  const std::size_t begin = points.empty() ? 0 : window_begin(points, options_);
  const bool window_ready = points.size() - begin >= options_.min_points;
  if (window_ready) {
    const std::span<const StoredPoint> window = std::span(points).subspan(begin);
    check_live_multiple_bound(window);
    verdict.window_end = RunPoint{window.back().t_last, window.back().work_last};
    assess_growth(points, data, begin, has_live, cycles, options_, verdict);
    // A leak that began after the window did: test again from the knee of the growth.
    const std::size_t min_after = std::max(options_.min_points, (points.size() - begin) / 4);
    const std::size_t knee = begin + late_knee(std::span(data.work).subspan(begin),
                                               std::span(data.signal).subspan(begin), min_after);
    if (verdict.shape == Shape::kBounded && knee > begin) {
      Verdict late = verdict;
      assess_growth(points, data, knee, has_live, cycles, options_, late);
      if (late.shape == Shape::kLeak) verdict = late;
    }
  }
  if (verdict.shape != Shape::kLeak && begin > 0) {
    assess_early_growth(points, data, has_live, cycles, options_, verdict);
  }
  if (window_ready) {
    verdict.step = measure_step(points, data, begin, options_);
    verdict.overhead = measure_overhead(data, begin, recent_purges_, has_live, options_);
  }
  settle(verdict);
}

// Applies the confirmation rule, the proven leak and the bound, and writes the explanation.
void Detector::settle(Verdict& verdict) {
  const bool growth_shape = verdict.shape == Shape::kLeak || verdict.shape == Shape::kTimeGrowth;
  const double work_done = verdict.window_end.work - first_work_.value_or(0);
  if (!growth_shape) {
    streak_ = Streak{};
  } else if (streak_.shape == verdict.shape && streak_.checks > 0) {
    ++streak_.checks;
  } else {
    streak_ = Streak{verdict.shape, 1, work_done};
  }
  verdict.consecutive_checks = streak_.checks;
  const bool confirmed = growth_shape && streak_.checks >= options_.confirmations &&
                         work_done >= (1 + options_.confirmation_span) * streak_.first_work;
  if (growth_shape && !confirmed) {
    verdict.shape = Shape::kBounded;
    verdict.growth_began.reset();
  }
  // Growth seen but not yet confirmed is not named after the step or the overhead it carries.
  if (verdict.shape == Shape::kBounded && !growth_shape) {
    if (verdict.step) {
      verdict.shape = Shape::kHighWater;
    } else if (verdict.overhead) {
      verdict.shape = overhead_shape(*verdict.overhead, *has_live_bytes_, options_);
    }
  }
  if (confirmed && options_.fail_on.contains(verdict.shape) &&
      proven_.shape == Shape::kInsufficientData) {
    verdict.proven_at = verdict.window_end;
    proven_ = verdict;
  }
  // A failing shape once proven stays the answer; later data refines it only if it agrees.
  if (proven_.shape != Shape::kInsufficientData && verdict.shape != proven_.shape) {
    const std::size_t samples = verdict.samples;
    verdict = proven_;
    verdict.samples = samples;
  }
  verdict.proven_at = proven_.proven_at;
  verdict.bound = bound_;
  verdict.fail = options_.fail_on.contains(verdict.shape) || (bound_ && bound_->exceeded);
  verdict.explanation = explain(verdict);
  verdict_ = verdict;
}

Verdict Detector::finish() {
  if (samples_ > 0) evaluate(true);
  if (verdict_.shape == Shape::kInsufficientData && !verdict_.fail) {
    throw DetectorInputError(fmt::format(
        "too little data to decide: {} samples, of which fewer than {} points follow the "
        "warm-up ({:g}% of the work{}); run longer, sample more often or shorten the warm-up",
        samples_, options_.min_points, options_.warmup_fraction * 100,
        options_.warmup_s > 0 ? fmt::format(" and {:g} s", options_.warmup_s) : ""));
  }
  return verdict_;
}

void RunReplay::feed(const SeriesSample& sample) {
  judging_ = judging_ || !sample.extra.value(kBeforeSteadyKey, false);
  if (judging_) {
    detector_.add(sample);
  } else {
    detector_.observe(sample);
  }
}

void RunReplay::feed(const PurgeCheckpoint& purge) {
  if (judging_) detector_.add(purge);
}

}  // namespace memsoak

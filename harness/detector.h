// The growth detector: fed one sample at a time, it decides whether memory is bounded, leaks
// (grows with the work done), grows with wall time, stepped up and stayed (high-water), or
// drifts away from the live bytes (fragmentation), and whether RSS crossed its bound.
//
// It reads allocator live bytes when the samples carry them and RSS otherwise (healthy RSS is
// a running maximum, so RSS alone must also rise steadily, segment after segment, and by a
// material share of itself, the allocator's own caching being invisible in it). Samples go
// into a SampleStore of fixed capacity, so memory stays bounded however long the run; the detector
// re-evaluates itself each time a sixteenth of the store is new data (cheap: O(capacity^2) on
// at most `capacity` points), and a growth shape must hold at `confirmations` consecutive
// evaluations before it counts. A leak, once proven, stays proven: a live run can stop there.
// Every threshold is in DetectorOptions, with the default the calibration was run with.
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "harness/growth_test.h"
#include "harness/sample_store.h"
#include "harness/series.h"
#include "harness/verdict.h"

namespace memsoak {

// A sample the detector cannot use (time or a counter went backwards, a signal vanished).
struct DetectorInputError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// A bound on RSS that fails the run whatever the shape: absolute bytes, or a multiple of the
// peak live bytes after the warm-up ("3x").
struct RssBound {
  double value = 0;
  bool live_multiple = false;
};
RssBound parse_rss_bound(std::string_view text);  // "512MiB" or "3x"; throws UnitError

struct DetectorOptions {
  // The x-axis: "op" is the sum of all work counters; otherwise a counter's name, singular or
  // plural ("query" reads the "queries" counter).
  std::string work_unit = "op";
  double max_bytes_per_work = 0;    // leak: the slope's lower bound must exceed this
  double max_bytes_per_second = 0;  // time-growth: likewise, against wall time
  double confidence = 0.999;        // one-sided, for the slope over the whole window
  double half_confidence = 0.95;    // one-sided, for each half of the window
  double noise_margin = 2;          // growth over the window >= margin x residual MAD
  double min_growth_bytes = 0;      // and >= this (thread caches filling in a short soak)
  double deceleration_z = 1.5;      // slowing by this many standard errors
  double slowdown = 0.5;            // to below this share of the earlier slope = warming up
  double step_share = 0.5;          // growth carried this much by one jump must survive its removal
  int confirmations = 3;            // consecutive evaluations a growth shape must hold,
  double confirmation_span = 0.25;  // while the work done grows by this fraction
  double warmup_fraction = 0.2;     // of the work done, ignored at the start of the window
  double warmup_s = 300;            // and at least this many seconds from the first sample
  // A leak is proven during the warm-up once memory grew steadily by this multiple of the level
  // judging began at: more than a warm-up explains. 0: never before the warm-up ends.
  double early_growth = 1;
  std::size_t capacity = 256;          // stored points (even, >= 8)
  std::size_t min_points = 24;         // in the window before anything is decided
  double overhead_min_fraction = 0.1;  // high-water/fragmentation: rise over the live level
  double purge_return_fraction = 0.5;  // a purge returning this share of the rise = retention
  int rss_only_segments = 4;           // RSS only: each window segment's median must top the last
  double rss_only_min_rise = 0.1;      // RSS only: and the last must top the first by this share,
  double rss_only_settle_s = 60;       // in full up to this window length, then in proportion
                                       // (0: in full at any length)
  std::optional<RssBound> rss_bound;
  std::set<Shape> fail_on = {Shape::kLeak};
};

// The work done in `unit`: "op" (or "ops") is the sum of all counters; otherwise the counter
// named by the unit, singular or plural ("query" reads "queries"). Nothing if none matches.
std::optional<double> work_in_unit(const WorkCounters& work, std::string_view unit);

class Detector {
 public:
  explicit Detector(DetectorOptions options = {});

  void add(const SeriesSample& sample);  // throws DetectorInputError
  void add(const PurgeCheckpoint& purge);
  // A sample that is recorded but not judged (taken before the workload was steady): only the
  // absolute RSS bound, a hard limit from the first sample, applies to it.
  void observe(const SeriesSample& sample);  // throws DetectorInputError

  // The verdict as of the latest evaluation: cheap, call it as often as you like. Its shape
  // is kInsufficientData until min_points points follow the warm-up.
  const Verdict& check() const { return verdict_; }

  // Evaluates everything received, the partly filled last point included. Throws
  // DetectorInputError when the run is too short to decide.
  Verdict finish();

 private:
  // Consecutive evaluations that found the same growth shape, since `first_work` work done.
  struct Streak {
    Shape shape = Shape::kBounded;
    int checks = 0;
    double first_work = 0;
  };

  void validate(const SeriesSample& sample) const;
  double work_of(const WorkCounters& work) const;
  void check_absolute_bound(const SeriesSample& sample);
  void check_live_multiple_bound(std::span<const StoredPoint> window);
  void evaluate(bool include_partial);
  void settle(Verdict& verdict);

  DetectorOptions options_;
  SampleStore store_;
  std::optional<bool> has_live_bytes_;  // fixed by the first sample
  std::optional<double> last_t_s_;
  WorkCounters last_work_;
  std::size_t samples_ = 0;
  std::size_t samples_at_evaluation_ = 0;
  std::optional<double> first_work_;
  std::vector<std::string> work_part_names_;    // the counters summed into the work axis
  std::vector<PurgeCheckpoint> recent_purges_;  // the latest few only
  Streak streak_;
  Verdict proven_;  // shape kInsufficientData until a failing shape is confirmed
  std::optional<BoundCheck> bound_;
  Verdict verdict_;
};

// Feeds a recorded series to a detector as the run that recorded it did: the samples it took
// before its workload was steady (kBeforeSteadyKey) are observed (the RSS bound only), every
// sample and purge checkpoint from the first one it judged is judged.
class RunReplay {
 public:
  explicit RunReplay(Detector& detector) : detector_(detector) {}

  void feed(const SeriesSample& sample);  // throws DetectorInputError
  void feed(const PurgeCheckpoint& purge);

 private:
  Detector& detector_;
  bool judging_ = false;
};

}  // namespace memsoak

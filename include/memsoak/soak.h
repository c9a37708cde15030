// memsoak::soak: a soak test inside your own program. It runs one unit of your work (a request,
// a batch) over and over on the calling thread while a sampler thread reads this process's RSS
// and its allocator's live bytes, and judges them with the detector `memsoak run` uses: memory
// that grows with the units done is a leak; memory that rises to a level and stays is not.
//
// Warm-up: the first `warmup_units` run before anything is judged (lazy statics, pools, caches
// sized on first use), and the detector ignores the first `warmup_fraction` of the judged time
// and waits for growth to hold steadily, without slowing down (unlike `memsoak run`, nothing is
// proven during the warm-up, however fast memory grows); a cache that fills more slowly than
// that needs more units of warm-up or a longer duration, not a looser threshold.
//
// Durations are multiplied by MEMSOAK_SOAK_SCALE (default 1): unit tests run for seconds, and a
// nightly job lengthens every soak with one variable. With MEMSOAK_SOAK_OUT=DIR (or
// SoakOptions::out_dir) the series is written to DIR/NAME/series.jsonl, which `memsoak report`
// plots and `memsoak analyze` judges again. Live bytes come from the allocator that serves
// malloc (jemalloc, tcmalloc, glibc's mallinfo2, memsoak's counting library); under mimalloc,
// which keeps no such count, RSS alone is judged, which needs longer runs. After the warm-up the
// allocator is asked to return its free pages (its purge hook), so that memory an earlier test
// freed does not hide this one's growth from RSS.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace memsoak {

class SoakRun;

// What one unit of work sees: its index, and counters of its own work to judge growth against.
class SoakUnit {
 public:
  std::uint64_t index() const { return index_; }
  // Adds to a counter of your own ("requests", "documents"): growth is judged per unit of it
  // when SoakOptions::work_unit names it, singular or plural.
  void count(const std::string& counter, double amount = 1);

 private:
  friend class SoakRun;
  explicit SoakUnit(SoakRun& run) : run_(run) {}
  SoakRun& run_;
  std::uint64_t index_ = 0;
};

struct SoakOptions {
  std::string name = "soak";         // names the series directory and the explanation
  double duration_s = 2;             // of judged units, times MEMSOAK_SOAK_SCALE
  std::uint64_t max_units = 0;       // stop after this many judged units as well (0: none)
  std::uint64_t warmup_units = 100;  // run before sampling is judged
  double warmup_fraction = 0.2;      // of the judged time, ignored before the trend
  double sample_interval_s = 0.01;   // between samples
  double max_bytes_per_unit = 0;     // growth tolerated per unit of work_unit
  // Growth below this over the judged window is never a leak: the allocator's thread caches
  // fill by hundreds of KiB in a healthy program, and allocators count them as live.
  double min_growth_bytes = 1 << 20;
  std::string work_unit = "unit";  // "unit" counts calls; or a SoakUnit::count counter
  std::string out_dir;             // "": $MEMSOAK_SOAK_OUT/NAME, or no series at all
};

struct SoakResult {
  bool passed = false;
  // "bounded", "leak", "time-growth", "high-water", "fragmentation", or "insufficient-data"
  // (the soak was too short to decide: not a pass).
  std::string shape;
  std::string explanation;    // the detector's own words: slope, interval, when growth began
  std::string signal;         // "live_bytes" or "rss_bytes"
  std::string allocator;      // serving malloc
  double bytes_per_unit = 0;  // the slope and its confidence interval
  double bytes_per_unit_lower = 0;
  double bytes_per_unit_upper = 0;
  std::optional<double> proven_at_units;  // when a failure was proven, the soak stopped there
  std::uint64_t units = 0;                // judged units run
  double elapsed_s = 0;
  std::string series_path;  // empty when no series was written
};

// MEMSOAK_SOAK_SCALE, or 1 when unset. Throws std::invalid_argument when it is not a positive
// number.
double soak_scale();

// Runs `unit` until the duration (or max_units) is reached or a failure is proven. Throws
// std::invalid_argument for options out of range, and whatever `unit` throws (the soak stops).
SoakResult soak(const SoakOptions& options, const std::function<void(SoakUnit&)>& unit);

}  // namespace memsoak

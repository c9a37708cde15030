// The work source of `memsoak watch`: the counters named with --work, read each sample, or,
// without any, the seconds since the start ("seconds"), so that growth is judged per second.
// A service takes a while to come up: until every counter has been read once (within the
// startup timeout) the samples are recorded but not judged (not steady); after that, a counter
// that fails to read or goes backwards (a restarted process, a reset) ends the watch at once
// with SourceEnded("work-source-error"), never a silent zero.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/work_source.h"
#include "soak/watch/work_counters.h"

namespace memsoak {

// The counter of the time axis, when no work counter is given.
inline constexpr const char* kSecondsCounter = "seconds";

class WatchedWork final : public WorkSource {
 public:
  // Throws std::invalid_argument for a spec its kind cannot use (see make_counter_reader).
  WatchedWork(const std::vector<WorkCounterSpec>& specs, std::chrono::duration<double> startup);

  WorkCounters work() override;
  bool steady() const override { return steady_; }
  nlohmann::json take_interval_extra() override { return nlohmann::json::object(); }

  // Hands a line of the watched command's output to the counters that read it.
  void on_line(OutputStream stream, std::string_view line);
  bool reads(OutputStream stream) const;

 private:
  struct Counter {
    WorkCounterSpec spec;
    std::unique_ptr<WorkCounterReader> reader;
    std::optional<double> last;
  };

  double read(Counter& counter, double since_start_s) const;

  std::vector<Counter> counters_;
  std::chrono::duration<double> startup_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  bool steady_ = false;
};

}  // namespace memsoak

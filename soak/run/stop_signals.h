// SIGINT, SIGTERM and SIGHUP as a clean stop of a soak run, without an asynchronous handler:
// the constructor blocks them in the calling thread, so every thread started after it (the
// workload's) inherits the block and the signals stay pending until the sampler thread asks
// for them in wait_until() (sigtimedwait), which is also how it sleeps between samples. The
// first signal stops the run with a verdict on the data so far. The destructor discards those
// still pending; it restores the previous mask only when no signal came: `timeout` and
// container runtimes repeat their signal, and a repeat during shutdown (or during the exit
// that follows it, which LeakSanitizer makes long) must cost the run neither its verdict nor
// its exit code (SIGKILL still ends a shutdown that hangs). Construct it before starting any
// other thread, and destroy it once the run's files are written.
#pragma once

#include <signal.h>

#include <chrono>
#include <optional>

namespace memsoak {

class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Sleeps until `deadline` or a stop signal, whichever comes first; returns the signal.
  std::optional<int> wait_until(std::chrono::steady_clock::time_point deadline);

 private:
  sigset_t stop_set_{};
  sigset_t previous_mask_{};
  bool stopping_ = false;  // a stop signal came: the process is on its way out
};

}  // namespace memsoak

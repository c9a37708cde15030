// SIGINT and SIGTERM as a clean stop of a soak run, without an asynchronous handler: the
// constructor blocks both in the calling thread, so every thread started after it (the
// workload's) inherits the block and the signals stay pending until the sampler thread asks
// for them in wait_until() (sigtimedwait), which is also how it sleeps between samples. The
// first signal stops the run with a verdict on the data so far; after it the signals are
// unblocked again, so a second Ctrl-C ends a stuck shutdown the default way. The destructor
// restores the previous mask. Construct it before starting any other thread.
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
  bool unblocked_ = false;
};

}  // namespace memsoak

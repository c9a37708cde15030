#include "soak/run/stop_signals.h"

#include <pthread.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace memsoak {

StopSignals::StopSignals() {
  sigemptyset(&stop_set_);
  for (const int signal : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&stop_set_, signal);
  if (const int error = pthread_sigmask(SIG_BLOCK, &stop_set_, &previous_mask_); error != 0) {
    throw std::system_error(error, std::generic_category(), "pthread_sigmask");
  }
}

StopSignals::~StopSignals() {
  const timespec now{0, 0};
  while (sigtimedwait(&stop_set_, nullptr, &now) > 0) {
  }
  if (!stopping_) pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

std::optional<int> StopSignals::wait_until(std::chrono::steady_clock::time_point deadline) {
  using std::chrono::nanoseconds;
  for (;;) {
    const nanoseconds left = std::max(
        nanoseconds(0),
        std::chrono::duration_cast<nanoseconds>(deadline - std::chrono::steady_clock::now()));
    const timespec timeout{static_cast<time_t>(left.count() / 1'000'000'000),
                           static_cast<long>(left.count() % 1'000'000'000)};
    const int signal = sigtimedwait(&stop_set_, nullptr, &timeout);
    if (signal > 0) {
      stopping_ = true;
      return signal;
    }
    if (errno == EAGAIN) return std::nullopt;  // the deadline passed
    if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "sigtimedwait");
  }
}

}  // namespace memsoak

// CPU time of the calling thread, for shares of a core (the sampler's cost of a run).
#pragma once

#include <time.h>

namespace memsoak {

inline double thread_cpu_seconds() {
  timespec now{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

}  // namespace memsoak

// What the sampler reads of the work being soaked, whatever does it: the work done so far
// (the x-axis of leak detection) and the fields a sample carries besides memory, already in
// their series form. The soak runner reads a Workload (soak/run/workload_source.h), the
// in-process soak its units (memsoak/soak.h); tests read fakes.
#pragma once

#include <nlohmann/json.hpp>

#include "harness/series.h"

namespace memsoak {

class WorkSource {
 public:
  virtual ~WorkSource() = default;

  // Named monotone counters, readable at any moment: the axes growth is judged against.
  virtual WorkCounters work() = 0;
  // Whether the work has reached the steady state in which a healthy run's memory is bounded
  // by construction; memory before it is recorded but not judged. Once true, stays true.
  virtual bool steady() const = 0;
  // The sample's extra fields ("arena", "latency_us", ...) for the interval since the previous
  // call; latencies are taken, so call it once per sample.
  virtual nlohmann::json take_interval_extra() = 0;
};

}  // namespace memsoak

// What the sampler reads of the work being soaked, whatever does it: the work done so far
// (the x-axis of leak detection) and the fields a sample carries besides memory, already in
// their series form. The soak runner reads a Workload (soak/run/workload_source.h); tests read
// fakes. Types here are plain on purpose: the series and workload headers stay apart.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

namespace memsoak {

// The work counters of a soak run's series, the units --max-growth may name ("query", "doc")
// besides "op", their sum.
inline constexpr const char* kQueriesCounter = "queries";
inline constexpr const char* kDocsCounter = "docs";

struct WorkDone {
  std::uint64_t queries = 0;
  std::uint64_t docs = 0;
};

class WorkSource {
 public:
  virtual ~WorkSource() = default;

  virtual WorkDone work() const = 0;  // monotone counters, readable at any moment
  // Whether the work has reached the steady state in which a healthy run's memory is bounded
  // by construction; memory before it is recorded but not judged. Once true, stays true.
  virtual bool steady() const = 0;
  // The sample's extra fields ("arena", "latency_us", ...) for the interval since the previous
  // call; latencies are taken, so call it once per sample.
  virtual nlohmann::json take_interval_extra() = 0;
};

}  // namespace memsoak

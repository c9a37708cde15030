// The header record of a soak run's series: what ran, on what, and how it was judged, so that
// a series read months later (or from a killed run) still says how to reproduce it. Records
// the scenario, the allocator asked for and the one detected serving malloc (library, version),
// the allocator tunables found in the environment (MALLOC_CONF, MIMALLOC_*, GLIBC_TUNABLES,
// TCMALLOC_*, LD_PRELOAD), the kernel (statm is approximate on older ones), the cgroup memory
// limit, the schedule and the detector's settings.
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "harness/detector.h"
#include "harness/series.h"
#include "soak/run/loop.h"
#include "soak/run/options.h"

namespace memsoak {

// The environment entries ("NAME=value") that tune an allocator, as {"NAME": "value"}.
nlohmann::json allocator_tunables(std::span<const std::string> environment);

// What every soak's header records of where it ran: the kernel, the start time, the
// allocator tunables of `environment` (the soaked process's), the cgroup memory limit.
SeriesHeader machine_header(std::span<const std::string> environment);

// The series header of a run in this process: `workload`, `schedule` and `detector` are what
// the runner resolved from `options`; the allocator is the one serving malloc now.
SeriesHeader run_header(const RunOptions& options, const WorkloadSettings& workload,
                        const LoopSchedule& schedule, const DetectorOptions& detector);

}  // namespace memsoak

// The header record of a soak run's series: what ran, on what, and how it was judged, so that
// a series read months later (or from a killed run) still says how to reproduce it. Records
// the scenario, the allocator asked for and the one detected serving malloc (library, version),
// what machine_header records (harness/machine_header.h), the schedule and the detector's
// settings.
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "harness/detector.h"
#include "harness/series.h"
#include "soak/run/loop.h"
#include "soak/run/options.h"

namespace memsoak {

// The series header of a run in this process: `workload`, `schedule` and `detector` are what
// the runner resolved from `options`; the allocator is the one serving malloc now.
SeriesHeader run_header(const RunOptions& options, const WorkloadSettings& workload,
                        const LoopSchedule& schedule, const DetectorOptions& detector);

}  // namespace memsoak

// `memsoak run` as a function: puts this process under the allocator asked for (re-executing
// it with the preload if need be), claims the output directory, runs the scenario's workload
// while the soak loop samples it into DIR/series.jsonl and the detector judges it, and ends at
// the duration, at a stop signal, or as soon as a failure is proven (a confirmed leak, the RSS
// bound crossed). It then writes DIR/verdict.json, prints the summary (with the command that
// reproduces the run when it did not pass) and returns the exit code (soak/exit_code.h).
#pragma once

#include "soak/run/options.h"

namespace memsoak {

// Throws AllocatorUnavailable, AllocatorSelectionFailed (soak/run/allocator_selection.h),
// OutDirTaken (soak/run/out_dir.h) and std::invalid_argument for an unknown scenario or
// settings the workload or detector refuse.
int run_soak(const RunOptions& options);

}  // namespace memsoak

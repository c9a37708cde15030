// `memsoak watch`: any process under the sampler, detector, series file and verdict of
// `memsoak run`. The command is started (or the pid followed) and sampled until it exits, the
// duration passes, a failure is proven (then a started command is stopped: SIGTERM, SIGKILL
// after the grace) or a stop signal arrives. Returns the exit code: 0 pass, 1 a failing verdict
// or a command that crashed or exited non-zero (unless allowed), 2 undecided or a work counter
// that failed, 3 a preload that did not take.
#pragma once

#include "soak/watch/watch_options.h"

namespace memsoak {

// Throws std::invalid_argument (bad options), SpawnError (the command cannot start),
// ProcessGone (no such pid), AllocatorNotInstalled, OutDirTaken/OutDirUnusable, and
// SeriesWriteError when not even the header can be written.
int run_watch(const WatchOptions& options);

}  // namespace memsoak

// The directory a soak run writes into, claimed atomically so that no two runs ever write one
// directory: the claim is the exclusive creation (O_EXCL) of its series file. A directory given
// with --out may exist, but not hold a series; the default name gets "-2", "-3", ... appended
// until it names a directory that holds none.
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>

#include "harness/run_dir.h"
#include "harness/series.h"

namespace memsoak {

// The directory already holds a run.
struct OutDirTaken : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// The directory cannot be made or written (a file in the way, no permission, an empty name).
struct OutDirUnusable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ClaimedRunDir {
  std::filesystem::path dir;
  SeriesWriter series;  // DIR/series.jsonl, created empty
};

// Throws OutDirTaken or OutDirUnusable, naming the directory and the cause.
ClaimedRunDir claim_run_dir(const std::optional<std::filesystem::path>& requested,
                            const std::filesystem::path& default_dir);

}  // namespace memsoak

// The directory a soak run writes into, claimed so that no run overwrites another's files.
// A directory given with --out may exist only if it holds no series yet; the default name
// gets "-2", "-3", ... appended until it names a directory this call creates (atomic with
// respect to concurrent runs: mkdir either creates it or fails).
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>

#include "harness/run_dir.h"

namespace memsoak {

struct OutDirTaken : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws OutDirTaken when `requested` already holds a run; std::filesystem::filesystem_error
// when a directory cannot be created.
std::filesystem::path claim_out_dir(const std::optional<std::filesystem::path>& requested,
                                    const std::filesystem::path& default_dir);

}  // namespace memsoak

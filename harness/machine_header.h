// What every soak's series header records of where it ran, whoever soaks (memsoak run and
// watch, the in-process soak): the kernel (statm is approximate on older ones), the start
// time, the allocator tunables of the soaked process's environment (MALLOC_CONF, MIMALLOC_*,
// GLIBC_TUNABLES, TCMALLOC_*, LD_PRELOAD) and the cgroup memory limit.
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "harness/series.h"

namespace memsoak {

// The environment entries ("NAME=value") that tune an allocator, as {"NAME": "value"}.
nlohmann::json allocator_tunables(std::span<const std::string> environment);

// A header holding those; the caller adds what ran.
SeriesHeader machine_header(std::span<const std::string> environment);

}  // namespace memsoak

// The allocator part of `memsoak list`: for every registered allocator, whether it is installed
// and, if so, what a copy of memsoak started under it reports (`memsoak probe-allocator`):
// which allocator really serves malloc there and the version it gives. A probe costs one
// process start per allocator (a few milliseconds), and proves the preload takes.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "harness/allocator_registry.h"
#include "harness/allocator_report.h"

namespace memsoak {

struct AllocatorListing {
  const AllocatorBackend* backend = nullptr;
  std::optional<std::filesystem::path> library;  // empty: not installed
  std::optional<AllocatorReport> probe;          // what the preloaded copy reported
  std::string probe_error;                       // why there is no probe, if installed
};

// Probes each installed allocator by running `memsoak_binary probe-allocator` under it. A
// sanitizer build (ASan, TSan) probes only `system`: its runtime must own malloc, so nothing
// can be preloaded in front of it (harness/sanitizer_build.h).
std::vector<AllocatorListing> list_allocators(const std::filesystem::path& memsoak_binary);

// A fixed-width table, one allocator per line, with the package to install when missing.
std::string format_allocator_table(const std::vector<AllocatorListing>& listings);

// [{"name", "installed", "package", "library", "serves_malloc", "served_by", "version", ...}]
nlohmann::json allocators_json(const std::vector<AllocatorListing>& listings);

}  // namespace memsoak

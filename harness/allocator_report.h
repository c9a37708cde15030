// What one process reports about the allocator serving its malloc, and the JSON form of that
// report: the line `memsoak probe-allocator` prints for `memsoak list`, and what test children
// print. Fields an allocator does not report are JSON null, never 0.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "harness/allocator_stats.h"

namespace memsoak {

struct AllocatorReport {
  MallocProvider provider;
  std::optional<std::string> version;
  bool accounting_confirmed = false;  // allocator_accounting_sees_malloc()
  AllocatorStats stats;
};

// Gathers the report of this process (allocates and frees one 4 MiB block).
AllocatorReport report_allocator();

void to_json(nlohmann::json& json, const AllocatorStats& stats);
void from_json(const nlohmann::json& json, AllocatorStats& stats);
void to_json(nlohmann::json& json, const AllocatorReport& report);
void from_json(const nlohmann::json& json, AllocatorReport& report);

}  // namespace memsoak

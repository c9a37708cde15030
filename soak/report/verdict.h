// What the report shows of a verdict, read from its JSON form (harness/verdict.h to_json: the
// verdict.json a finished run leaves, or a verdict the report re-computed from the series).
// Reading goes through the JSON in both cases, so the two cannot drift apart.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>

#include "harness/verdict.h"

namespace memsoak {

// verdict.json is unreadable or not a verdict; what() names the file and the field.
struct VerdictFileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct VerdictSummary {
  std::string shape;  // "bounded", "leak", ... (shape_name)
  bool fail = false;
  std::string signal;     // "live_bytes" or "rss_bytes"
  std::string work_unit;  // "op", "query", ...
  Interval bytes_per_work;
  Interval bytes_per_second;
  std::optional<RunPoint> growth_began;
  RunPoint window_start;  // after the warm-up
  RunPoint window_end;
  std::string explanation;
  std::string written_by = "run";  // or "analyze" (the run's "written_by")
};

// Throws VerdictFileError (without a file name) when a field is missing or mistyped.
VerdictSummary summarize_verdict(const nlohmann::json& verdict);

// DIR/verdict.json, or nothing when the file does not exist.
std::optional<VerdictSummary> load_verdict_file(const std::filesystem::path& path);

}  // namespace memsoak

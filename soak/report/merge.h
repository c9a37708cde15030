// `memsoak merge`: the runs of many machines or matrix jobs in one table. Every verdict.json
// under the given directories is a row, judged against the verdict its scenario expects
// (ci_results.h: expectation_row). A nightly cell that left no verdict (ci/nightly-cell.sh
// writes DIR/cell.json before the run, DIR/run/verdict.json after) and a cell of the matrix
// that left nothing at all are rows too, failed: a lost cell must not read as a pass.
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <vector>

#include "soak/report/ci_results.h"

namespace memsoak {

// A directory that does not exist, or a verdict.json, cell.json or matrix file that cannot be
// read; what() names the file and the field.
struct MergeInputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One run's verdict.json as a row judged against its expected verdict; throws MergeInputError
// naming the file when it cannot be read or is not a verdict.
CiRow read_verdict_row(const std::filesystem::path& verdict_json);

// The rows, sorted by scenario and allocator. `matrix`: the workflow's matrix JSON
// ({"include": [{"scenario": ..., "allocator": ...}, ...]}); each cell of it without a row
// gets a "missing" one.
std::vector<CiRow> merge_runs(const std::vector<std::filesystem::path>& dirs,
                              const std::optional<std::filesystem::path>& matrix);

}  // namespace memsoak

#include "soak/report/merge.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <tuple>
#include <utility>

namespace memsoak {
namespace {

namespace fs = std::filesystem;

nlohmann::json read_json(const fs::path& path) {
  std::ifstream file(path);
  if (!file) throw MergeInputError(fmt::format("{}: cannot be read", path.string()));
  try {
    return nlohmann::json::parse(file);
  } catch (const nlohmann::json::exception& error) {
    throw MergeInputError(fmt::format("{}: not JSON: {}", path.string(), error.what()));
  }
}

// A nightly cell whose run left no verdict.json: killed by its job's timeout, or memsoak failed.
CiRow lost_cell_row(const fs::path& path) {
  try {
    const nlohmann::json cell = read_json(path);
    CiRow row;
    row.scenario = cell.at("scenario").get<std::string>();
    row.allocator = cell.at("allocator").get<std::string>();
    row.verdict = "none";
    row.outcome = CiOutcome::kFail;
    row.reproduce = cell.value("command", "");
    const nlohmann::json& exit = cell.value("memsoak_exit", nlohmann::json());
    row.message = exit.is_number()
                      ? fmt::format("no verdict.json: memsoak exited {}", exit.get<int>())
                      : "no verdict.json: the cell was stopped before memsoak ended (job timeout "
                        "or cancellation)";
    return row;
  } catch (const nlohmann::json::exception& error) {
    throw MergeInputError(fmt::format("{}: not a nightly cell: {}", path.string(), error.what()));
  }
}

void add_rows_under(const fs::path& dir, std::vector<CiRow>& rows) {
  if (!fs::is_directory(dir)) {
    throw MergeInputError(fmt::format("{}: no such directory", dir.string()));
  }
  std::vector<fs::path> files;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(dir)) {
    const fs::path name = entry.path().filename();
    if (entry.is_regular_file() && (name == "verdict.json" || name == "cell.json")) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    if (file.filename() == "verdict.json") {
      rows.push_back(read_verdict_row(file));
    } else if (!fs::exists(file.parent_path() / "run" / "verdict.json")) {
      rows.push_back(lost_cell_row(file));
    }
  }
}

void add_missing_cells(const fs::path& matrix, std::vector<CiRow>& rows) {
  std::set<std::pair<std::string, std::string>> found;
  for (const CiRow& row : rows) found.emplace(row.scenario, row.allocator);
  const nlohmann::json cells = read_json(matrix);
  try {
    for (const nlohmann::json& cell : cells.at("include")) {
      std::pair<std::string, std::string> key{cell.at("scenario").get<std::string>(),
                                              cell.at("allocator").get<std::string>()};
      if (found.contains(key)) continue;
      CiRow row;
      row.scenario = key.first;
      row.allocator = key.second;
      row.verdict = "missing";
      row.outcome = CiOutcome::kFail;
      row.message = "no result: the cell uploaded no artifact (see its job log)";
      rows.push_back(std::move(row));
      found.insert(std::move(key));
    }
  } catch (const nlohmann::json::exception& error) {
    throw MergeInputError(
        fmt::format("{}: not a matrix ({{\"include\": [{{\"scenario\": ..., "
                    "\"allocator\": ...}}]}}): {}",
                    matrix.string(), error.what()));
  }
}

}  // namespace

CiRow read_verdict_row(const fs::path& verdict_json) {
  try {
    return expectation_row(read_json(verdict_json));
  } catch (const nlohmann::json::exception& error) {
    throw MergeInputError(
        fmt::format("{}: not a verdict: {}", verdict_json.string(), error.what()));
  }
}

std::vector<CiRow> merge_runs(const std::vector<fs::path>& dirs,
                              const std::optional<fs::path>& matrix) {
  std::vector<CiRow> rows;
  for (const fs::path& dir : dirs) add_rows_under(dir, rows);
  if (matrix) add_missing_cells(*matrix, rows);
  std::stable_sort(rows.begin(), rows.end(), [](const CiRow& a, const CiRow& b) {
    return std::tie(a.scenario, a.allocator) < std::tie(b.scenario, b.allocator);
  });
  return rows;
}

}  // namespace memsoak

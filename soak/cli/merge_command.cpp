// `memsoak merge DIR...`: the command-line face of soak/report/merge.h.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "soak/cli/commands.h"
#include "soak/cli/run_flags.h"
#include "soak/report/merge.h"

namespace memsoak {
namespace {

struct MergeRequest {
  std::vector<std::string> dirs;
  std::string matrix;
  std::string format = "text";
  CiFiles files;
};

void print_rows(const MergeRequest& request, const std::vector<CiRow>& rows) {
  if (request.format == "markdown") {
    fmt::print("{}", ci_markdown(rows, "memsoak merge"));
  } else if (request.format == "json") {
    fmt::print("{}\n", ci_json(rows).dump(2));
  } else {
    fmt::print("{}", ci_text(rows));
  }
}

int merge(const MergeRequest& request) {
  std::vector<CiRow> rows;
  try {
    rows =
        merge_runs({request.dirs.begin(), request.dirs.end()},
                   request.matrix.empty() ? std::nullopt
                                          : std::optional<std::filesystem::path>(request.matrix));
  } catch (const MergeInputError& error) {
    fmt::print(stderr, "memsoak merge: {}\n", error.what());
    return kExitUsage;
  }
  if (rows.empty()) {
    fmt::print(stderr, "memsoak merge: no verdict.json under {}\n", fmt::join(request.dirs, ", "));
    return kExitUsage;
  }
  print_rows(request, rows);
  try {
    write_ci_files(request.files, rows, "merge");
  } catch (const std::system_error& error) {
    fmt::print(stderr, "memsoak merge: {}\n", error.what());
    return kExitInternal;
  }
  const bool all_pass = std::all_of(
      rows.begin(), rows.end(), [](const CiRow& row) { return row.outcome == CiOutcome::kPass; });
  return all_pass ? kExitPass : kExitFail;
}

}  // namespace

void add_merge_command(CLI::App& app) {
  auto request = std::make_shared<MergeRequest>();
  CLI::App* command = app.add_subcommand(
      "merge", "One table of many runs (matrix jobs, machines), each against its expected verdict");
  command
      ->add_option("DIR", request->dirs,
                   "Run directories, or directories holding them at any depth")
      ->required();
  command
      ->add_option("--matrix", request->matrix,
                   "The workflow's matrix JSON ({\"include\": [{\"scenario\", \"allocator\"}]}): "
                   "a cell that left no result fails")
      ->check(CLI::ExistingFile);
  command->add_option("--format", request->format, "text (default), markdown or json")
      ->check(CLI::IsMember({"text", "markdown", "json"}));
  add_ci_file_flags(*command, request->files);
  command->footer(
      "A run passes when its verdict is the one its scenario expects under its allocator (`memsoak "
      "list`), or, with none expected (watch), when it did not fail. A nightly cell "
      "(ci/nightly-cell.sh) that left no verdict fails.\n"
      "Exit codes: 0 every run as expected; 1 any differs; 2 no run found, or a directory or "
      "file that cannot be read; 3 a --junit or --summary-md file that cannot be written.");
  command->callback([request] { throw Exit{merge(*request)}; });
}

}  // namespace memsoak

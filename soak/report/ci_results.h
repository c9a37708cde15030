// What CI systems show of soak runs, one row per run read from its verdict document
// (verdict.json): a Markdown table for a job summary ($GITHUB_STEP_SUMMARY) and JUnit XML
// (testsuites/testsuite/testcase/failure, as Jenkins, GitLab and GitHub test reporters read
// it). `run`, `watch` and `analyze` write their own row (--junit, --summary-md); `merge` writes
// the rows of many runs, each judged against the verdict its scenario expects.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace memsoak {

enum class CiOutcome { kPass, kFail, kError };

struct CiRow {
  std::string scenario;  // `watch`: the command it followed
  std::string allocator;
  std::string verdict;                  // the detector's shape; "none" when there is no verdict
  std::optional<std::string> expected;  // the verdict its scenario expects, if any
  CiOutcome outcome = CiOutcome::kPass;
  std::string message;  // why it failed, in a line: "verdict leak, expected bounded"
  std::string explanation;
  std::string reproduce;  // the command that reproduces it
  double elapsed_s = 0;
};

// A run as it judged itself, by its exit code: 0 pass, 1 fail, 2 and 3 errors (undecided,
// internal). Throws nlohmann::json::exception when a field of the document is missing.
CiRow self_judged_row(const nlohmann::json& verdict_document, int exit_code);

// A run against the verdict its scenario expects under its allocator (run.expected_verdict):
// a pass when they agree; a run with none expected (`watch`, `analyze` of foreign series)
// passes when it did not fail.
CiRow expectation_row(const nlohmann::json& verdict_document);

// "### TITLE: N runs, P as expected, F differ", then one table row per run.
std::string ci_markdown(std::span<const CiRow> rows, std::string_view title);

// One testsuite named `suite`; a <failure> (or <error>) holds the explanation and the
// reproduce command.
std::string ci_junit(std::span<const CiRow> rows, std::string_view suite);

// A plain-text table for a terminal, with the reproduce command of each row that did not pass.
std::string ci_text(std::span<const CiRow> rows);

// The rows as a JSON array of objects with the fields of CiRow (outcome: pass, fail, error).
nlohmann::json ci_json(std::span<const CiRow> rows);

// --junit FILE and --summary-md FILE of run, watch and analyze.
struct CiFiles {
  std::string junit;       // empty: none
  std::string summary_md;  // appended to, as $GITHUB_STEP_SUMMARY is
};

// Writes the files `files` names for `rows`; throws std::system_error naming a file that
// cannot be written.
void write_ci_files(const CiFiles& files, std::span<const CiRow> rows, std::string_view title);

}  // namespace memsoak

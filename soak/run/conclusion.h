// How a soak (`memsoak run` or `memsoak watch`) concludes once its loop has ended: the final
// verdict, verdict.json beside the series, the exit code. Shared so that both commands keep the
// same promises: a verdict even when the run was too short to decide (the latest check, with
// the reason), and a verdict.json written whole or not at all.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "harness/detector.h"
#include "harness/series.h"
#include "soak/report/ci_results.h"
#include "soak/run/summary.h"

namespace memsoak {

// The final verdict; a run too short to decide keeps the latest check and sets
// facts.undecided to why.
Verdict final_verdict(Detector& detector, RunFacts& facts);

// kExitFail, kExitUsage when undecided, otherwise kExitPass.
int verdict_exit_code(const Verdict& verdict, const RunFacts& facts);

// The header is the first line: if even it cannot be written, no run took place, and the empty
// series file is removed again rather than left to look like one. Rethrows SeriesWriteError.
void write_series_header(SeriesWriter& series, const SeriesHeader& header);

// Nothing when DIR/verdict.json was written, otherwise why not.
std::optional<std::string> write_verdict(const Verdict& verdict, const RunFacts& facts);

// Writes the --junit and --summary-md files `files` asks for, with the row of `document` judged
// by `exit_code`, and returns the exit code: kExitUsage in place of a pass when a file cannot be
// written (said on stderr, naming `command`).
int write_ci_results(const CiFiles& files, const nlohmann::json& document, int exit_code,
                     std::string_view command);

// Says on stderr that the series stopped at a write error, and what it keeps.
void print_series_kept(std::string_view command, const SeriesWriter& series,
                       const std::string& error);

}  // namespace memsoak

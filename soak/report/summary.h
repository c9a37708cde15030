// The report's summary of a run: built once as JSON (what `memsoak report --json` prints) and
// rendered from that JSON as the text printed and kept in DIR/report.txt, so the two always say
// the same. It covers the run (scenario, allocator, the command that reproduces it, whether it
// finished), the work done, memory, the verdict with its slope, purge checkpoints, latency and
// the plots.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "soak/report/plots.h"
#include "soak/report/scan.h"
#include "soak/report/verdict.h"

namespace memsoak {

enum class VerdictOrigin {
  kRunVerdict,            // DIR/verdict.json, written by the run
  kAnalyzeVerdict,        // DIR/verdict.json, written by memsoak analyze of a killed run
  kRecomputed,            // no verdict.json, but the series ended: the detector ran again
  kRecomputedUnfinished,  // the run did not finish: a verdict from the data so far
};

struct ReportVerdict {
  VerdictOrigin origin = VerdictOrigin::kRunVerdict;
  std::optional<VerdictSummary> verdict;  // nothing when the data cannot decide yet
  std::string undecided_reason;           // the detector's, when it could not decide
};

nlohmann::json summary_json(const std::filesystem::path& dir, const RunScan& scan,
                            const ReportVerdict& verdict, const PlotOutcome& plots);

std::string format_summary(const nlohmann::json& summary);

}  // namespace memsoak

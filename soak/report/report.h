// `memsoak report DIR`: a readable summary and plots of a finished or killed run. It reads
// DIR/series.jsonl in one streaming pass, takes the run's DIR/verdict.json or, without one,
// runs the detector again on the series, prints the summary (text, or JSON) and keeps it as
// DIR/report.txt, and draws the plots into DIR with gnuplot. A report never judges the run:
// its exit code says whether the report itself came out (see run_report).
#pragma once

#include <chrono>
#include <filesystem>
#include <iosfwd>
#include <optional>

#include "harness/run_dir.h"
#include "soak/report/gnuplot.h"

namespace memsoak {

struct ReportOptions {
  std::filesystem::path dir;
  PlotFormat format = PlotFormat::kPng;
  bool json = false;                             // print the summary as JSON
  std::optional<std::filesystem::path> gnuplot;  // nothing: not installed
  std::chrono::milliseconds gnuplot_timeout{60'000};
};

// Writes the summary to `out` and problems to `err`. Returns kExitPass when the report is
// complete, kExitUsage for a missing directory, a missing or corrupt series or a bad
// verdict.json (nothing written), and kExitInternal when the summary came out but the plots did
// not (gnuplot missing or failing: the message says how to fix it).
int run_report(const ReportOptions& options, std::ostream& out, std::ostream& err);

}  // namespace memsoak

// The files of a run directory: what `memsoak run` writes and `analyze` and `report` read.
#pragma once

namespace memsoak::run_dir {

inline constexpr const char* kSeries = "series.jsonl";     // harness/series.h
inline constexpr const char* kVerdict = "verdict.json";    // the run's own verdict
inline constexpr const char* kAnalysis = "analysis.json";  // analyze's, beside a run's verdict
inline constexpr const char* kReportText = "report.txt";   // what `memsoak report` printed
inline constexpr const char* kPlotData = "report.dat";     // the downsampled series it plots
inline constexpr const char* kPlotScript = "report.gp";    // the gnuplot script drawing it

}  // namespace memsoak::run_dir

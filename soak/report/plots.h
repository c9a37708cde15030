// The report's plots: a data file (report.dat, the downsampled series) and a gnuplot script
// (report.gp) written into the run directory, then gnuplot run on them as a child process.
// Plots are optional equipment: when gnuplot is missing or fails, the outcome says why and how
// to fix it, the two files stay for later, and the text report goes on without pictures.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/run_dir.h"
#include "soak/report/gnuplot.h"
#include "soak/report/scan.h"
#include "soak/report/verdict.h"

namespace memsoak {

inline constexpr std::string_view kGnuplotPackage = "gnuplot-nox";

struct PlotOutcome {
  enum class Status {
    kDrawn,
    kNothingToPlot,  // the series holds no sample
    kNoGnuplot,      // not installed: kGnuplotPackage
    kFailed,         // gnuplot failed, or the files could not be written
  };
  Status status = Status::kNothingToPlot;
  std::vector<std::string> files;  // the plots written, relative to the run directory
  std::string problem;             // what went wrong and how to fix it, unless drawn
};

struct PlotRequest {
  std::filesystem::path dir;
  PlotFormat format = PlotFormat::kPng;
  std::optional<std::filesystem::path> gnuplot;       // nothing when it is not installed
  std::chrono::milliseconds gnuplot_timeout{60'000};  // then it is killed: kFailed
};

PlotOutcome make_plots(const PlotRequest& request, const RunScan& scan,
                       const VerdictSummary* verdict);

// Runs gnuplot on `script_file` in request.dir and checks that it wrote `outputs` (relative to
// request.dir). Never throws: a missing or failing gnuplot is the outcome's problem.
PlotOutcome draw_with_gnuplot(const PlotRequest& request, std::string_view script_file,
                              const std::vector<std::string>& outputs);

// The verdict's slope through the plotted points of its window: the intercept is the median of
// signal - slope x work over them, as Theil-Sen takes it. Nothing when no point is in the window.
std::optional<TrendLine> fitted_trend(const std::vector<PlotPoint>& points,
                                      std::optional<std::size_t> signal_channel,
                                      const VerdictSummary& verdict);

// The first executable `program` in $PATH.
std::optional<std::filesystem::path> find_in_path(std::string_view program);

}  // namespace memsoak

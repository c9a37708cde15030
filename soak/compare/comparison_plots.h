// The plots of `memsoak compare`: one gnuplot script with its data inline (comparison.gp, kept
// beside the tables so that a reader can change it and run `gnuplot comparison.gp` again).
// Per scenario (or watched command):
//   - each work counter's rate against peak RSS, one point per run, a colour per allocator:
//     which allocator buys its speed with memory, and how much the repeats scatter;
//   - per latency kind, the distribution of every run of an allocator taken together, drawn as
//     the fraction of operations slower than x on log axes, so that the tail shows.
// Runs without a rate or a latency distribution (a `watch` with time as its axis) add nothing.
#pragma once

#include <string>
#include <vector>

#include "soak/compare/comparison.h"
#include "soak/report/gnuplot.h"

namespace memsoak {

inline constexpr const char* kComparisonPlotScript = "comparison.gp";

struct ComparisonPlots {
  std::string script;                // empty when there is nothing to draw
  std::vector<std::string> outputs;  // the files it draws, relative to its directory
};

ComparisonPlots comparison_plots(const std::vector<Cell>& cells, PlotFormat format);

}  // namespace memsoak

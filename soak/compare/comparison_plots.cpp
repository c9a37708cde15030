#include "soak/compare/comparison_plots.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <string_view>

namespace memsoak {
namespace {

constexpr int kHeight = 720;
constexpr double kMiB = 1024.0 * 1024.0;
constexpr std::array<std::string_view, 6> kColors{"#1f77b4", "#ff7f0e", "#2ca02c",
                                                  "#d62728", "#9467bd", "#8c564b"};

// The cells of one scenario; every allocator keeps its colour in every plot.
struct Group {
  std::string scenario;
  std::vector<const Cell*> cells;
};

std::vector<Group> by_scenario(const std::vector<Cell>& cells) {
  std::vector<Group> groups;
  for (const Cell& cell : cells) {
    auto group = std::find_if(groups.begin(), groups.end(),
                              [&](const Group& seen) { return seen.scenario == cell.scenario; });
    if (group == groups.end()) group = groups.insert(groups.end(), {cell.scenario, {}});
    group->cells.push_back(&cell);
  }
  return groups;
}

std::string_view color_of(const std::vector<std::string>& allocators, const std::string& name) {
  const auto at = std::find(allocators.begin(), allocators.end(), name) - allocators.begin();
  return kColors[static_cast<std::size_t>(at) % kColors.size()];
}

// A scenario or a watched command as part of a file name.
std::string file_word(std::string_view text) {
  std::string word;
  for (const char c : text.substr(0, 40)) {
    const bool plain = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.';
    word += plain ? c : '_';
  }
  return word;
}

// One datablock: a block per cell (gnuplot's `index`), rows from `rows_of`.
template <typename RowsOf>
std::string datablock(std::string_view name, const std::vector<const Cell*>& cells,
                      RowsOf rows_of) {
  std::string text = fmt::format("${} << EOD\n", name);
  for (const Cell* cell : cells) {
    text += fmt::format("# {}\n{}\n\n", cell->allocator, rows_of(*cell));
  }
  return text + "EOD\n";
}

std::string plot_per_cell(std::string_view block, const std::vector<const Cell*>& cells,
                          const std::vector<std::string>& allocators, std::string_view style) {
  std::vector<std::string> items;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    items.push_back(fmt::format("${} index {} using 1:2 {} lc rgb '{}' title {}", block, i, style,
                                color_of(allocators, cells[i]->allocator),
                                gnuplot_quoted(cells[i]->allocator)));
  }
  return fmt::format("plot {}\n", fmt::join(items, ", \\\n  "));
}

// "peak RSS (MiB)  rate" of each run that measured both.
std::string rate_rows(const Cell& cell, const std::string& rate) {
  std::string rows;
  for (const RunMetrics& run : cell.repeats) {
    const auto peak = run.values.find("peak_rss_bytes");
    const auto done = run.values.find(rate);
    if (peak == run.values.end() || done == run.values.end()) continue;
    rows += fmt::format("{:.3f} {:.3f}\n", peak->second / kMiB, done->second);
  }
  return rows;
}

// The runs' histograms of `kind` summed, as "upper bound (us)  fraction of operations slower"
// for each bucket; the last bucket, with none slower, has no place on a log axis.
std::string tail_rows(const Cell& cell, const std::string& kind) {
  std::map<double, double> counts;
  double total = 0;
  for (const RunMetrics& run : cell.repeats) {
    const auto histogram = run.latency_histograms.find(kind);
    if (histogram == run.latency_histograms.end()) continue;
    for (const LatencyBucketCount& bucket : histogram->second) {
      counts[bucket.upper_us] += bucket.count;
      total += bucket.count;
    }
  }
  std::string rows;
  double at_most = 0;
  for (const auto& [upper_us, count] : counts) {
    at_most += count;
    if (total - at_most > 0) {
      rows += fmt::format("{} {:.9g}\n", upper_us, (total - at_most) / total);
    }
  }
  return rows;
}

std::vector<std::string> latency_kinds_of(const Group& group) {
  std::vector<std::string> kinds;
  for (const Cell* cell : group.cells) {
    for (const RunMetrics& run : cell->repeats) {
      for (const auto& [kind, buckets] : run.latency_histograms) {
        if (!buckets.empty() && std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
          kinds.push_back(kind);
        }
      }
    }
  }
  return kinds;
}

// One plot: its file name's tail, its labels, its axes' settings and how each cell is drawn.
struct PlotText {
  std::string what;
  std::string title;
  std::string_view xlabel;
  std::string ylabel;
  std::string_view axes;
  std::string_view style;
};

constexpr std::string_view kLinearAxes =
    "unset logscale\nset offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05\n";
constexpr std::string_view kLogAxes = "set logscale xy\nset offsets 0, 0, 0, 0\n";

struct PlotWriter {
  const std::vector<Cell>& cells;
  PlotFormat format;
  std::vector<std::string> allocators;
  ComparisonPlots plots;

  // A datablock of every cell's rows, then the plot that draws it.
  template <typename RowsOf>
  void add(const Group& group, const PlotText& text, RowsOf rows_of) {
    const std::string block = fmt::format("data_{}", plots.outputs.size());
    const std::string name = fmt::format("comparison-{}-{}.{}", file_word(group.scenario),
                                         text.what, plot_extension(format));
    plots.outputs.push_back(name);
    plots.script += datablock(block, group.cells, rows_of);
    plots.script +=
        fmt::format("set output {}\nset title {}\nset xlabel {}\nset ylabel {}\n{}",
                    gnuplot_quoted(name), gnuplot_quoted(text.title), gnuplot_quoted(text.xlabel),
                    gnuplot_quoted(text.ylabel), text.axes);
    plots.script += plot_per_cell(block, group.cells, allocators, text.style);
  }

  void rates_against_peak_rss(const Group& group) {
    for (const std::string& counter : counters_of(cells, group.scenario)) {
      const std::string rate = rate_metric(counter).name;
      add(group,
          {fmt::format("{}-vs-peak-rss", file_word(counter)),
           fmt::format("{}: {}/s against peak RSS, one point per run (up and left is better)",
                       group.scenario, counter),
           "peak RSS (MiB)", fmt::format("{}/s", counter), kLinearAxes, "with points pt 7 ps 1.5"},
          [&](const Cell& cell) { return rate_rows(cell, rate); });
    }
  }

  void latency_tails(const Group& group) {
    for (const std::string& kind : latency_kinds_of(group)) {
      add(group,
          {fmt::format("{}-latency", file_word(kind)),
           fmt::format("{}: {} latency, all runs of each allocator (lower and left is better)",
                       group.scenario, kind),
           "latency (us)", fmt::format("fraction of {} operations slower", kind), kLogAxes,
           "with steps lw 2"},
          [&](const Cell& cell) { return tail_rows(cell, kind); });
    }
  }
};

}  // namespace

ComparisonPlots comparison_plots(const std::vector<Cell>& cells, PlotFormat format) {
  PlotWriter writer{cells, format, {}, {}};
  for (const Cell& cell : cells) {
    if (std::find(writer.allocators.begin(), writer.allocators.end(), cell.allocator) ==
        writer.allocators.end()) {
      writer.allocators.push_back(cell.allocator);
    }
  }
  for (const Group& group : by_scenario(cells)) {
    writer.rates_against_peak_rss(group);
    writer.latency_tails(group);
  }
  if (writer.plots.outputs.empty()) return {};
  writer.plots.script = fmt::format(
                            "# memsoak compare: the plots of a comparison, their data inline. In "
                            "this directory, `gnuplot {}` draws them again.\n"
                            "set encoding utf8\n{}set grid lc rgb '#dddddd'\nset key outside right "
                            "top box\nset format y '%g'\n",
                            kComparisonPlotScript, gnuplot_terminal(format, kHeight)) +
                        writer.plots.script;
  return writer.plots;
}

}  // namespace memsoak

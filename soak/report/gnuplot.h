// The gnuplot script of a report: what to draw from the plot data file (report_plots.h writes
// it), in units a reader takes in at a glance (MiB or GiB, minutes or hours, millions of
// queries). The script is kept in the run directory with plain settings at its top, so a user
// can change a unit, a size or a title and run `gnuplot report.gp` there again.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace memsoak {

enum class PlotFormat { kPng, kSvg };
std::string_view plot_extension(PlotFormat format);  // "png", "svg"

// The verdict's fitted slope, drawn from the start to the end of its window.
struct TrendLine {
  double from_work = 0;
  double to_work = 0;
  double intercept_bytes = 0;  // at work 0
  double bytes_per_work = 0;
  std::string label;  // "fitted trend: 12.3 B/query (interval 10.1 B to 14.5 B)"
};

// What there is to draw, and the context that makes it readable.
struct PlotSpec {
  PlotFormat format = PlotFormat::kPng;
  std::string data_file;              // relative to the script, which runs in the run directory
  std::string run_name;               // "shared-arena on jemalloc"
  std::size_t samples_per_point = 1;  // of the data file's rows
  double duration_s = 0;
  double peak_bytes = 0;
  double max_work = 0;
  std::string work_unit;  // "op", "query"
  bool has_live = false;  // live_* and overhead_* columns hold values
  bool has_rss_anon = false;
  std::size_t purge_points = 0;  // plotted points that hold a purge checkpoint
  std::string work_signal;       // the channel memory_vs_work shows: "live" or "rss"
  std::optional<TrendLine> trend;
  std::optional<double> warmup_end_t_s;  // the verdict's window start
  std::optional<double> warmup_end_work;
  std::optional<double> growth_began_t_s;
  std::vector<std::string> latency_kinds;
};

struct GnuplotScript {
  std::string text;
  std::vector<std::string> outputs;  // the files it writes, relative to the run directory
};

GnuplotScript gnuplot_script(const PlotSpec& spec);

// The `set terminal` line of a plot `height` pixels high, as wide as a report's plots.
std::string gnuplot_terminal(PlotFormat format, int height);

// `text` as a gnuplot string literal.
std::string gnuplot_quoted(std::string_view text);

}  // namespace memsoak

#include "soak/report/gnuplot.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "harness/units.h"
#include "soak/report/scan.h"

namespace memsoak {
namespace {

struct Scale {
  double per_unit;
  std::string_view name;
};

Scale memory_scale(double peak_bytes) {
  constexpr double kMiB = 1024.0 * 1024.0;
  if (peak_bytes >= 8 * 1024 * kMiB) return {1024 * kMiB, "GiB"};
  if (peak_bytes >= 8 * kMiB) return {kMiB, "MiB"};
  return {1024, "KiB"};
}

Scale time_scale(double duration_s) {
  if (duration_s <= 180) return {1, "s"};
  if (duration_s <= 3 * 3600) return {60, "min"};
  if (duration_s <= 72 * 3600) return {3600, "h"};
  return {86400, "days"};
}

Scale work_scale(double max_work) {
  if (max_work >= 1e9) return {1e9, "billion "};
  if (max_work >= 1e6) return {1e6, "million "};
  if (max_work >= 1e4) return {1e3, "thousand "};
  return {1, ""};
}

constexpr std::string_view kRssColor = "#1f77b4";
constexpr std::string_view kRssAnonColor = "#17becf";
constexpr std::string_view kLiveColor = "#2ca02c";
constexpr std::string_view kTrendColor = "#d62728";
constexpr std::string_view kPurgeBeforeColor = "#9467bd";
constexpr std::string_view kPurgeAfterColor = "#ff7f0e";
constexpr std::array<std::string_view, 3> kPercentileColors{"#2ca02c", "#ff7f0e", "#d62728"};
constexpr std::array<std::string_view, 3> kPercentileTitles{"p50", "p99", "p99.9"};
constexpr int kWidth = 1280;
constexpr int kHeight = 720;
constexpr int kLatencyPanelHeight = 360;
constexpr std::size_t kMaxFullSizePurgeMarkers = 60;

// A channel drawn as its min-to-max band (untitled) under the line of its means.
std::string band_and_line(std::string_view axis, std::string_view channel, std::string_view scale,
                          std::string_view color, std::string_view title) {
  return fmt::format(
      "  '' using ({0}):({1}('{2}_min')):({1}('{2}_max')) with filledcurves lc rgb '{3}' "
      "notitle, \\\n"
      "  '' using ({0}):({1}('{2}_mean')) with lines lw 2 lc rgb '{3}' title {4}",
      axis, scale, channel, color, gnuplot_quoted(title));
}

std::string line(std::string_view axis, std::string_view channel, std::string_view color,
                 std::string_view style, std::string_view title) {
  return fmt::format("  '' using ({}):(memory('{}_mean')) with lines {} lc rgb '{}' title {}", axis,
                     channel, style, color, gnuplot_quoted(title));
}

std::string points(std::string_view axis, std::string_view channel, int point_type,
                   double point_size, std::string_view color, std::string_view title) {
  return fmt::format(
      "  '' using ({}):(memory('{}_mean')) with points pt {} ps {} lc rgb '{}' title {}", axis,
      channel, point_type, point_size, color, gnuplot_quoted(title));
}

// Every series reads '' (the file read before it), so the first one names the data file.
std::string plot_command(const std::vector<std::string>& series) {
  std::string command = "plot";
  for (const std::string& item : series) {
    const bool first = command == "plot";
    command += first ? " data" + item.substr(item.find("''") + 2) : ", \\\n" + item;
  }
  return command + "\n";
}

std::string output(const PlotSpec& spec, std::string_view name) {
  return fmt::format("{}.{}", name, plot_extension(spec.format));
}

std::string preamble(const PlotSpec& spec) {
  const Scale memory = memory_scale(spec.peak_bytes);
  const Scale time = time_scale(spec.duration_s);
  const Scale work = work_scale(spec.max_work);
  return fmt::format(
      "# memsoak report: the plots of one run. In this directory, `gnuplot report.gp` draws "
      "them again.\n"
      "# {0} holds one row per plotted point, each aggregating consecutive samples: t_s "
      "(seconds),\n"
      "# work ({1}), and for every channel <name>_min, <name>_mean and <name>_max (NaN where "
      "a point\n"
      "# has none). Memory is in bytes, latency in microseconds. Change units and titles "
      "here.\n"
      "set encoding utf8\n{2}"
      "data = {3}\nrun_name = {4}\n"
      "bytes_per_unit = {5:.1f}\nmemory_unit = '{6}'\n"
      "seconds_per_unit = {7:.1f}\ntime_unit = '{8}'\n"
      "work_per_unit = {9:.1f}\nwork_label = '{10}{1}'\n"
      "point_note = 'lines: mean of each point; bands: its min to max ({11} sample{12} per "
      "point)'\n"
      "memory(name) = column(name) / bytes_per_unit\n"
      "elapsed(name) = column(name) / seconds_per_unit\n"
      "work_done(name) = column(name) / work_per_unit\n"
      "milliseconds(name) = column(name) / 1000.0\n"
      "set grid lc rgb '#dddddd'\n"
      "set key top left box opaque\n"
      "set style fill transparent solid 0.2 noborder\n"
      "set label 100 point_note at graph 1, graph -0.09 right font ',10' textcolor rgb "
      "'#555555'\n"
      "set bmargin 5\n"
      "# Room above the data for the key.\n"
      "set offsets 0, 0, graph 0.15, 0\n",
      spec.data_file, plural_unit(spec.work_unit), gnuplot_terminal(spec.format, kHeight),
      gnuplot_quoted(spec.data_file), gnuplot_quoted(spec.run_name), memory.per_unit, memory.name,
      time.per_unit, time.name, work.per_unit, work.name, spec.samples_per_point,
      spec.samples_per_point == 1 ? "" : "s");
}

// The warm-up the detector excluded, shaded, on an axis where it ends at `end`.
std::string warmup_shade(std::optional<double> end, std::string_view per_unit) {
  if (!end) return "";
  return fmt::format(
      "set object 1 rect from graph 0, graph 0 to first {0:.10g} / {1}, graph 1 behind fc rgb "
      "'#eeeeee' fs solid 1.0 noborder\n"
      "set label 1 'warm-up, not judged' at first {0:.10g} / {1}, graph 0.03 "
      "right offset -1,0 "
      "textcolor rgb '#777777'\n",
      *end, per_unit);
}

std::string memory_vs_time(const PlotSpec& spec) {
  constexpr std::string_view kAxis = "elapsed('t_s')";
  std::vector<std::string> series{
      band_and_line(kAxis, plot_channel::kRss, "memory", kRssColor, "RSS")};
  if (spec.has_rss_anon) {
    series.push_back(
        line(kAxis, plot_channel::kRssAnon, kRssAnonColor, "lw 1.5 dt 2", "RSS anonymous"));
  }
  if (spec.has_live) {
    series.push_back(
        band_and_line(kAxis, plot_channel::kLive, "memory", kLiveColor, "live bytes (allocator)"));
  }
  if (spec.purge_points > 0) {
    // Full-size markers for every purge of a long run would bury the lines.
    const double size = spec.purge_points > kMaxFullSizePurgeMarkers ? 0.4 : 1.3;
    series.push_back(points(kAxis, plot_channel::kPurgeBefore, 11, size, kPurgeBeforeColor,
                            "purge: RSS before"));
    series.push_back(
        points(kAxis, plot_channel::kPurgeAfter, 9, size, kPurgeAfterColor, "purge: RSS after"));
  }
  std::string growth;
  if (spec.growth_began_t_s) {
    growth = fmt::format(
        "set arrow 1 from first {0:.10g} / seconds_per_unit, graph 0 to first {0:.10g} / "
        "seconds_per_unit, graph 1 nohead lw 2 dt 2 lc rgb '{1}'\n"
        "set label 2 'growth began' at first {0:.10g} / seconds_per_unit, graph 0.1 offset "
        "0.5,0 textcolor rgb '{1}'\n",
        *spec.growth_began_t_s, kTrendColor);
  }
  return fmt::format(
      "\n# Memory against time\nset output '{}'\n"
      "set title run_name.': memory against time'\n"
      "set xlabel 'time since start ('.time_unit.')'\nset ylabel 'memory ('.memory_unit.')'\n"
      "set yrange [0:*]\n{}{}{}"
      "unset object 1\nunset label 1\nunset label 2\nunset arrow 1\n",
      output(spec, "memory_vs_time"), warmup_shade(spec.warmup_end_t_s, "seconds_per_unit"), growth,
      plot_command(series));
}

std::string trend_block(const TrendLine& trend) {
  return fmt::format("$trend << EOD\n{:.10g} {:.10g}\n{:.10g} {:.10g}\nEOD\n", trend.from_work,
                     trend.intercept_bytes + trend.bytes_per_work * trend.from_work, trend.to_work,
                     trend.intercept_bytes + trend.bytes_per_work * trend.to_work);
}

std::string memory_vs_work(const PlotSpec& spec) {
  constexpr std::string_view kAxis = "work_done('work')";
  const bool shows_live = spec.work_signal == plot_channel::kLive;
  std::vector<std::string> series{band_and_line(kAxis, spec.work_signal, "memory",
                                                shows_live ? kLiveColor : kRssColor,
                                                shows_live ? "live bytes (allocator)" : "RSS")};
  if (shows_live) series.push_back(line(kAxis, plot_channel::kRss, kRssColor, "lw 1.5", "RSS"));
  std::string trend;
  if (spec.trend) {
    trend = trend_block(*spec.trend);
    series.push_back(fmt::format(
        "  $trend using ($1 / work_per_unit):($2 / bytes_per_unit) with lines lw 3 lc rgb "
        "'{}' title {}",
        kTrendColor, gnuplot_quoted(spec.trend->label)));
  }
  return fmt::format(
      "\n# Memory against the work done, with the verdict's fitted trend\n{}set output '{}'\n"
      "set title run_name.': memory against the work done'\n"
      "set xlabel 'work done ('.work_label.')'\nset ylabel 'memory ('.memory_unit.')'\n"
      "set yrange [0:*]\n{}{}unset object 1\nunset label 1\n",
      trend, output(spec, "memory_vs_work"), warmup_shade(spec.warmup_end_work, "work_per_unit"),
      plot_command(series));
}

std::string overhead(const PlotSpec& spec) {
  return fmt::format(
      "\n# RSS minus live bytes: what the allocator holds beyond the program's live data\n"
      "set output '{}'\n"
      "set title run_name.': RSS minus live bytes (allocator overhead, retained pages, "
      "fragmentation)'\n"
      "set xlabel 'time since start ('.time_unit.')'\nset ylabel 'RSS - live ('.memory_unit.')'\n"
      "set yrange [*:*]\n{}{}unset object 1\nunset label 1\n",
      output(spec, "rss_minus_live"), warmup_shade(spec.warmup_end_t_s, "seconds_per_unit"),
      plot_command({band_and_line("elapsed('t_s')", plot_channel::kOverhead, "memory", kRssColor,
                                  "RSS - live bytes")}));
}

std::string latency_panel(std::string_view kind) {
  std::vector<std::string> series;
  for (std::size_t i = 0; i < kPercentileTitles.size(); ++i) {
    series.push_back(band_and_line("elapsed('t_s')", latency_channel(kind, kLatencyPercentiles[i]),
                                   "milliseconds", kPercentileColors[i], kPercentileTitles[i]));
  }
  // A band one point wide hardly shows: the worst interval gets a line of its own.
  series.push_back(fmt::format(
      "  '' using (elapsed('t_s')):(milliseconds('{}_max')) with lines lw 1 lc rgb '{}' title "
      "'p99.9, worst'",
      latency_channel(kind, kLatencyPercentiles.back()), kPercentileColors.back()));
  return fmt::format("set title {}\n{}", gnuplot_quoted(fmt::format("{} latency", kind)),
                     plot_command(series));
}

std::string latency(const PlotSpec& spec) {
  const auto kinds = static_cast<int>(spec.latency_kinds.size());
  std::string text = fmt::format(
      "\n# Latency percentiles of each sampling interval\n{}set output '{}'\n"
      "unset label 100\nset offsets 0, 0, 0, 0\nset key outside right top\n"
      "set bmargin 3\nset lmargin 12\nset format y '%g'\n"
      "set multiplot layout {},1 title run_name.\": latency per sampling "
      "interval\\n(\".point_note.\")\"\n"
      "set logscale y\nset yrange [*:*]\n"
      "set xlabel 'time since start ('.time_unit.')'\nset ylabel 'latency (ms)'\n",
      gnuplot_terminal(spec.format, kLatencyPanelHeight * std::max(kinds, 2)),
      output(spec, "latency"), kinds);
  for (const std::string& kind : spec.latency_kinds) text += latency_panel(kind);
  return text + "unset multiplot\nunset logscale y\n";
}

}  // namespace

// Single-quoted: only the quote itself needs escaping there.
std::string gnuplot_terminal(PlotFormat format, int height) {
  if (format == PlotFormat::kSvg) {
    return fmt::format(
        "set terminal svg size {},{} dynamic noenhanced font 'DejaVu Sans,12' background "
        "rgb 'white'\n",
        kWidth, height);
  }
  return fmt::format("set terminal pngcairo size {},{} noenhanced font 'DejaVu Sans,12'\n", kWidth,
                     height);
}

std::string gnuplot_quoted(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') {
      out += "''";
    } else {
      out += static_cast<unsigned char>(c) < ' ' ? ' ' : c;
    }
  }
  return out + "'";
}

std::string_view plot_extension(PlotFormat format) {
  return format == PlotFormat::kSvg ? "svg" : "png";
}

GnuplotScript gnuplot_script(const PlotSpec& spec) {
  GnuplotScript script{preamble(spec) + memory_vs_time(spec) + memory_vs_work(spec),
                       {output(spec, "memory_vs_time"), output(spec, "memory_vs_work")}};
  if (spec.has_live) {
    script.text += overhead(spec);
    script.outputs.push_back(output(spec, "rss_minus_live"));
  }
  if (!spec.latency_kinds.empty()) {
    script.text += latency(spec);
    script.outputs.push_back(output(spec, "latency"));
  }
  return script;
}

}  // namespace memsoak

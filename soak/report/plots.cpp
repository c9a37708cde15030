#include "soak/report/plots.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>

#include "harness/allocator_registry.h"
#include "harness/subprocess.h"
#include "soak/report/format.h"

namespace memsoak {
namespace {

namespace fs = std::filesystem;

struct FileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.flush();
  if (!out) {
    throw FileError(
        fmt::format("cannot write {}: {}", path.string(), std::generic_category().message(errno)));
  }
}

std::string data_file_text(const Downsampler& plot, const std::vector<PlotPoint>& points) {
  std::string text = "t_s work samples";
  for (const std::string& name : plot.channel_names()) {
    text += fmt::format(" {0}_min {0}_mean {0}_max", name);
  }
  text += '\n';
  for (const PlotPoint& point : points) {
    text += fmt::format("{:.10g} {:.10g} {}", point.t_s(), point.work(), point.samples);
    for (std::size_t channel = 0; channel < plot.channel_names().size(); ++channel) {
      const Band* band = point.band(channel);
      text += band == nullptr ? " NaN NaN NaN"
                              : fmt::format(" {:.10g} {:.10g} {:.10g}", band->values.min,
                                            band->mean(), band->values.max);
    }
    text += '\n';
  }
  return text;
}

std::size_t points_with_values(const std::vector<PlotPoint>& points,
                               std::optional<std::size_t> channel) {
  if (!channel) return 0;
  return static_cast<std::size_t>(
      std::count_if(points.begin(), points.end(),
                    [channel](const PlotPoint& point) { return point.band(*channel) != nullptr; }));
}

std::string channel_of_signal(std::string_view signal) {
  return std::string(signal == "live_bytes" ? plot_channel::kLive : plot_channel::kRss);
}

PlotSpec plot_spec(const RunScan& scan, const std::vector<PlotPoint>& points,
                   const VerdictSummary* verdict, PlotFormat format) {
  const Downsampler& channels = scan.plot;
  PlotSpec spec;
  spec.format = format;
  spec.data_file = run_dir::kPlotData;
  spec.run_name =
      fmt::format("{} on {}", scan.header.scenario.empty() ? "run" : scan.header.scenario,
                  scan.header.allocator.empty() ? "?" : scan.header.allocator);
  spec.samples_per_point = points.front().samples;
  spec.duration_s = scan.last_t_s;
  spec.peak_bytes = scan.peak_rss.bytes;
  spec.max_work = points.back().work();
  spec.work_unit = verdict != nullptr ? verdict->work_unit : "op";
  spec.has_live = points_with_values(points, channels.find_channel(plot_channel::kLive)) > 0;
  spec.has_rss_anon = points_with_values(points, channels.find_channel(plot_channel::kRssAnon)) > 0;
  spec.purge_points = points_with_values(points, channels.find_channel(plot_channel::kPurgeAfter));
  for (const auto& [kind, latency] : scan.latency) spec.latency_kinds.push_back(kind);
  if (verdict == nullptr) {
    spec.work_signal = spec.has_live ? plot_channel::kLive : plot_channel::kRss;
    return spec;
  }
  spec.work_signal = channel_of_signal(verdict->signal);
  spec.trend = fitted_trend(points, channels.find_channel(spec.work_signal), *verdict);
  if (verdict->window_start.t_s > 0) {
    spec.warmup_end_t_s = verdict->window_start.t_s;
    spec.warmup_end_work = verdict->window_start.work;
  }
  if (verdict->growth_began) spec.growth_began_t_s = verdict->growth_began->t_s;
  return spec;
}

std::string first_lines(const std::string& text, std::size_t count) {
  std::istringstream in(text);
  std::string line;
  std::string kept;
  for (std::size_t i = 0; i < count && std::getline(in, line); ++i) kept += "\n  " + line;
  return kept;
}

PlotOutcome run_gnuplot(const PlotRequest& request, std::string_view script_file,
                        const std::vector<std::string>& outputs) {
  const fs::path dir = fs::absolute(request.dir);
  const std::vector<std::string> argv{request.gnuplot->string(), "-e",
                                      "cd " + gnuplot_quoted(dir.string()),
                                      (dir / script_file).string()};
  const CapturedRun run = run_capturing(argv, current_environment(), request.gnuplot_timeout);
  if (run.timed_out) {
    return {PlotOutcome::Status::kFailed,
            {},
            fmt::format("gnuplot ({}) did not finish {} within {} s and was killed; run `gnuplot "
                        "{}` in {} to see why, or give it longer with --gnuplot-timeout",
                        request.gnuplot->string(), script_file,
                        std::chrono::duration<double>(request.gnuplot_timeout).count(), script_file,
                        request.dir.string())};
  }
  if (run.exit_code != 0) {
    return {
        PlotOutcome::Status::kFailed,
        {},
        fmt::format("gnuplot ({}) failed on {} with {} {}:{}", request.gnuplot->string(),
                    (request.dir / script_file).string(), run.signal != 0 ? "signal" : "exit code",
                    run.signal != 0 ? run.signal : run.exit_code, first_lines(run.stderr_text, 8))};
  }
  PlotOutcome outcome{PlotOutcome::Status::kDrawn, {}, {}};
  for (const std::string& file : outputs) {
    std::error_code error;
    if (fs::file_size(request.dir / file, error) == 0 || error) {
      return {PlotOutcome::Status::kFailed, outcome.files,
              fmt::format("gnuplot exited normally but did not write {}:{}",
                          (request.dir / file).string(), first_lines(run.stderr_text, 8))};
    }
    outcome.files.push_back(file);
  }
  return outcome;
}

}  // namespace

std::optional<TrendLine> fitted_trend(const std::vector<PlotPoint>& points,
                                      std::optional<std::size_t> signal_channel,
                                      const VerdictSummary& verdict) {
  if (!signal_channel) return std::nullopt;
  const double slope = verdict.bytes_per_work.estimate;
  std::vector<double> intercepts;
  for (const PlotPoint& point : points) {
    const Band* band = point.band(*signal_channel);
    if (band == nullptr || point.work() < verdict.window_start.work ||
        point.work() > verdict.window_end.work) {
      continue;
    }
    intercepts.push_back(band->mean() - slope * point.work());
  }
  if (intercepts.empty()) return std::nullopt;
  const auto middle = intercepts.begin() + static_cast<std::ptrdiff_t>(intercepts.size() / 2);
  std::nth_element(intercepts.begin(), middle, intercepts.end());
  return TrendLine{verdict.window_start.work, verdict.window_end.work, *middle, slope,
                   fmt::format("fitted trend: {}/{} (interval {} to {})", format_rate_bytes(slope),
                               verdict.work_unit, format_rate_bytes(verdict.bytes_per_work.lower),
                               format_rate_bytes(verdict.bytes_per_work.upper))};
}

std::optional<fs::path> find_in_path(std::string_view program) {
  // getenv races only with setenv, which memsoak never calls.
  const char* path = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe)
  if (path == nullptr) return std::nullopt;
  std::istringstream directories(path);
  std::string directory;
  while (std::getline(directories, directory, ':')) {
    const fs::path candidate = fs::path(directory.empty() ? "." : directory) / program;
    std::error_code error;
    if (fs::is_regular_file(candidate, error) && ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return std::nullopt;
}

PlotOutcome make_plots(const PlotRequest& request, const RunScan& scan,
                       const VerdictSummary* verdict) {
  const std::vector<PlotPoint> points = scan.plot.points();
  if (points.empty()) {
    return {PlotOutcome::Status::kNothingToPlot, {}, "the series holds no sample yet"};
  }
  const GnuplotScript script = gnuplot_script(plot_spec(scan, points, verdict, request.format));
  try {
    write_file(request.dir / run_dir::kPlotData, data_file_text(scan.plot, points));
    write_file(request.dir / run_dir::kPlotScript, script.text);
  } catch (const FileError& error) {
    return {PlotOutcome::Status::kFailed,
            {},
            fmt::format("{} (is the run directory writable?)", error.what())};
  }
  return draw_with_gnuplot(request, run_dir::kPlotScript, script.outputs);
}

PlotOutcome draw_with_gnuplot(const PlotRequest& request, std::string_view script_file,
                              const std::vector<std::string>& outputs) {
  if (!request.gnuplot) {
    return {PlotOutcome::Status::kNoGnuplot,
            {},
            fmt::format("gnuplot is not installed, so no plots were drawn: install it (apt-get "
                        "install {}), then run `gnuplot {}` in {}",
                        kGnuplotPackage, script_file, request.dir.string())};
  }
  try {
    return run_gnuplot(request, script_file, outputs);
  } catch (const SpawnError& error) {
    return {
        PlotOutcome::Status::kFailed, {}, fmt::format("cannot start gnuplot: {}", error.what())};
  }
}

}  // namespace memsoak

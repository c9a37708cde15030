#include "soak/report/report.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <fstream>
#include <ostream>

#include "harness/detector.h"
#include "harness/detector_settings.h"
#include "soak/exit_code.h"
#include "soak/report/plots.h"
#include "soak/report/scan.h"
#include "soak/report/summary.h"
#include "soak/report/verdict.h"

namespace memsoak {
namespace {

namespace fs = std::filesystem;

// Enough for a plot 1280 pixels wide; memory stays bounded however long the run.
constexpr std::size_t kPlotPoints = 1024;

// Bad input: what, where and how to fix it, then exit 2.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void check_run_dir(const fs::path& dir) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) {
    throw InputError(fmt::format("{}: {}: give the directory a run wrote (`memsoak run --out DIR`)",
                                 dir.string(),
                                 fs::exists(dir, error) ? "not a directory" : "no such directory"));
  }
  if (!fs::exists(dir / run_dir::kSeries, error)) {
    throw InputError(
        fmt::format("{}: no {} in it: is it a run directory? `memsoak run --out "
                    "DIR` writes one there",
                    dir.string(), run_dir::kSeries));
  }
}

// The settings the run judged itself with, from its header; errors name the header's line.
DetectorOptions recorded_settings(const fs::path& series) {
  SeriesReader reader(series.string());
  const std::optional<SeriesRecord> first = reader.next();  // the header, or it throws
  try {
    return recorded_detector_options(std::get<SeriesHeader>(*first));
  } catch (const DetectorSettingError& error) {
    throw SeriesError(fmt::format("{}: header: \"detector\".{}", reader.location(), error.what()));
  }
}

struct RunInput {
  std::optional<VerdictSummary> from_file;
  std::optional<Detector> detector;  // without a verdict file: the run's own, fed the series
  std::optional<RunScan> scan;
};

// Throws InputError, VerdictFileError or SeriesError.
RunInput read_run(const fs::path& dir) {
  check_run_dir(dir);
  RunInput input;
  input.from_file = load_verdict_file(dir / run_dir::kVerdict);
  const fs::path series = dir / run_dir::kSeries;
  std::string work_unit = input.from_file ? input.from_file->work_unit : "";
  if (!input.from_file) {
    const DetectorOptions recorded = recorded_settings(series);
    work_unit = recorded.work_unit;
    input.detector.emplace(recorded);
  }
  input.scan = scan_series(
      series, ScanOptions{work_unit, kPlotPoints, input.detector ? &*input.detector : nullptr});
  return input;
}

// The run's own verdict, or one re-computed by the detector from the series.
ReportVerdict settle_verdict(RunInput& input) {
  if (input.from_file) {
    const VerdictOrigin origin = input.from_file->written_by == "analyze"
                                     ? VerdictOrigin::kAnalyzeVerdict
                                     : VerdictOrigin::kRunVerdict;
    // A run that could not decide (and did not fail on its bound) says why, not a shape.
    if (input.from_file->shape == shape_name(Shape::kInsufficientData) && !input.from_file->fail) {
      return ReportVerdict{origin, {}, input.from_file->explanation};
    }
    return ReportVerdict{origin, input.from_file, {}};
  }
  ReportVerdict report{
      input.scan->end ? VerdictOrigin::kRecomputed : VerdictOrigin::kRecomputedUnfinished, {}, {}};
  try {
    report.verdict = summarize_verdict(to_json(input.detector->finish()));
  } catch (const DetectorInputError& error) {
    report.undecided_reason = error.what();
  }
  return report;
}

void write_text(const fs::path& path, const std::string& text, std::ostream& err) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.flush();
  if (!out) fmt::print(err, "memsoak report: cannot write {}\n", path.string());
}

}  // namespace

int run_report(const ReportOptions& options, std::ostream& out, std::ostream& err) {
  const fs::path& dir = options.dir;
  RunInput input;
  try {
    input = read_run(dir);
  } catch (const InputError& error) {
    fmt::print(err, "memsoak report: {}\n", error.what());
    return kExitUsage;
  } catch (const VerdictFileError& error) {
    fmt::print(err, "memsoak report: {}\n", error.what());
    return kExitUsage;
  } catch (const SeriesError& error) {
    fmt::print(err,
               "memsoak report: {}\n  the series is damaged: a killed run may cut off its last "
               "line only; restore the file, or run again\n",
               error.what());
    return kExitUsage;
  }
  const ReportVerdict verdict = settle_verdict(input);
  const RunScan& scan = *input.scan;
  const PlotOutcome plots =
      make_plots(PlotRequest{dir, options.format, options.gnuplot, options.gnuplot_timeout}, scan,
                 verdict.verdict ? &*verdict.verdict : nullptr);
  const nlohmann::json summary = summary_json(dir, scan, verdict, plots);
  const std::string text = format_summary(summary);
  write_text(dir / run_dir::kReportText, text, err);
  fmt::print(out, "{}", options.json ? summary.dump(2) + "\n" : text);
  if (plots.status == PlotOutcome::Status::kNoGnuplot ||
      plots.status == PlotOutcome::Status::kFailed) {
    fmt::print(err, "memsoak report: {}\n", plots.problem);
    return kExitInternal;
  }
  return kExitPass;
}

}  // namespace memsoak

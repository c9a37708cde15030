#include "soak/report.h"

#include <fmt/format.h>

#include <fstream>
#include <ostream>

#include "harness/detector.h"
#include "soak/commands.h"
#include "soak/report_detector.h"
#include "soak/report_plots.h"
#include "soak/report_scan.h"
#include "soak/report_summary.h"
#include "soak/report_verdict.h"

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
  if (!fs::exists(dir / kSeriesFile, error)) {
    throw InputError(
        fmt::format("{}: no {} in it: is it a run directory? `memsoak run --out "
                    "DIR` writes one there",
                    dir.string(), kSeriesFile));
  }
}

SeriesHeader read_header(const fs::path& series) {
  SeriesReader reader(series.string());
  const std::optional<SeriesRecord> first = reader.next();
  if (!first) {
    throw SeriesError(
        fmt::format("{}: the header line is incomplete: the run was killed as it "
                    "started, and there is nothing to report",
                    series.string()));
  }
  return std::get<SeriesHeader>(*first);  // the reader insists the header comes first
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
  input.from_file = load_verdict_file(dir / kVerdictFile);
  const fs::path series = dir / kSeriesFile;
  std::string work_unit = input.from_file ? input.from_file->work_unit : "";
  if (!input.from_file) {
    const DetectorOptions recorded = recorded_detector_options(read_header(series));
    work_unit = recorded.work_unit;
    try {
      input.detector.emplace(recorded);
    } catch (const std::invalid_argument& error) {
      throw SeriesError(fmt::format("{}: header: the \"detector\" settings are invalid: {}",
                                    series.string(), error.what()));
    }
  }
  input.scan = scan_series(
      series, ScanOptions{work_unit, kPlotPoints, input.detector ? &*input.detector : nullptr});
  return input;
}

// The run's own verdict, or one re-computed by the detector from the series.
ReportVerdict settle_verdict(RunInput& input) {
  if (input.from_file && input.from_file->shape == shape_name(Shape::kInsufficientData)) {
    return ReportVerdict{VerdictOrigin::kRunVerdict, {}, input.from_file->explanation};
  }
  if (input.from_file) return ReportVerdict{VerdictOrigin::kRunVerdict, input.from_file, {}};
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
  if (!out) err << fmt::format("memsoak report: cannot write {}\n", path.string());
}

}  // namespace

int run_report(const ReportOptions& options, std::ostream& out, std::ostream& err) {
  const fs::path& dir = options.dir;
  RunInput input;
  try {
    input = read_run(dir);
  } catch (const InputError& error) {
    err << "memsoak report: " << error.what() << '\n';
    return kExitUsage;
  } catch (const VerdictFileError& error) {
    err << "memsoak report: " << error.what() << '\n';
    return kExitUsage;
  } catch (const SeriesError& error) {
    err << "memsoak report: " << error.what()
        << "\n  the series is damaged: a killed run may cut off its last line only; restore "
           "the file, or run again\n";
    return kExitUsage;
  }
  const ReportVerdict verdict = settle_verdict(input);
  const RunScan& scan = *input.scan;
  const PlotOutcome plots = make_plots(PlotRequest{dir, options.format, options.gnuplot}, scan,
                                       verdict.verdict ? &*verdict.verdict : nullptr);
  const nlohmann::json summary = summary_json(dir, scan, verdict, plots);
  const std::string text = format_summary(summary);
  write_text(dir / kReportTextFile, text, err);
  out << (options.json ? summary.dump(2) + "\n" : text);
  if (plots.status == PlotOutcome::Status::kNoGnuplot ||
      plots.status == PlotOutcome::Status::kFailed) {
    err << "memsoak report: " << plots.problem << '\n';
    return kExitInternal;
  }
  return kExitPass;
}

}  // namespace memsoak

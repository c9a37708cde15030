// memsoak analyze SERIES: the detector over the series file of a finished or killed run (or
// one written by any tool in the format of harness/series.h). It feeds the samples in order,
// as the live run did (RunReplay), so a leak is proven at
// the same point; prints the verdict (or its JSON with --json) and writes the document a run
// writes: verdict.json beside the series of a killed run, analysis.json beside one that has
// its own (a run's verdict is never overwritten), or where --out says. Exit codes: 0 pass, 1
// fail, 2 bad input (FILE:LINE in the message) or too little data, 3 internal error (including a
// verdict file that cannot be written).
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>

#include "harness/detector.h"
#include "harness/detector_settings.h"
#include "harness/series.h"
#include "harness/units.h"
#include "soak/cli/commands.h"
#include "soak/cli/detector_flags.h"
#include "soak/cli/run_flags.h"
#include "soak/run/conclusion.h"
#include "soak/run/out_dir.h"
#include "soak/run/summary.h"

namespace memsoak {
namespace {

struct AnalyzeRequest {
  std::string series;
  std::string out;  // empty: verdict.json in the series' directory
  bool json = false;
  DetectorFlags flags;
  CiFiles ci_files;
};

// What the file said besides the samples, for the "run" part of the verdict document.
struct SeriesFacts {
  RunFacts run;
  std::size_t samples = 0;
  bool truncated_tail = false;
};

[[noreturn]] void bad_input(std::string_view message) {
  fmt::print(stderr, "memsoak analyze: {}\n", message);
  throw Exit{kExitUsage};
}

void record_header(const SeriesHeader& header, RunFacts& run) {
  run.scenario = header.scenario;
  run.allocator = header.allocator;
  run.seed = header.seed;
  run.command = header.command;
}

// Feeds every record to the detector; input errors name the file and line.
SeriesFacts feed(SeriesReader& reader, Detector& detector) {
  SeriesFacts facts;
  facts.run.end.reason = "no end record";
  RunReplay replay(detector);
  while (const auto record = reader.next()) {
    try {
      if (const auto* sample = std::get_if<SeriesSample>(&*record)) {
        replay.feed(*sample);
        ++facts.samples;
        facts.run.end.t_s = sample->t_s;
        facts.run.ops = total_work(sample->work);
        facts.run.peak_rss_bytes = std::max(facts.run.peak_rss_bytes, sample->memory.rss_bytes);
      } else if (const auto* purge = std::get_if<PurgeCheckpoint>(&*record)) {
        replay.feed(*purge);
      } else if (const auto* header = std::get_if<SeriesHeader>(&*record)) {
        record_header(*header, facts.run);
      } else {
        facts.run.end.reason = std::get<SeriesEnd>(*record).reason;
      }
    } catch (const DetectorInputError& error) {
      bad_input(fmt::format("{}: {}", reader.location(), error.what()));
    }
  }
  facts.truncated_tail = reader.truncated_tail();
  if (facts.truncated_tail) facts.run.end.reason = "killed (partial last line ignored)";
  return facts;
}

std::filesystem::path verdict_path(const AnalyzeRequest& request) {
  if (!request.out.empty()) return request.out;
  const std::filesystem::path dir = std::filesystem::path(request.series).parent_path();
  return std::filesystem::exists(dir / run_dir::kVerdict) ? dir / run_dir::kAnalysis
                                                          : dir / run_dir::kVerdict;
}

void print_verdict(const Verdict& verdict, const SeriesFacts& facts,
                   const std::filesystem::path& written_to) {
  const std::string outcome = facts.run.undecided ? "UNDECIDED" : (verdict.fail ? "FAIL" : "PASS");
  fmt::print("{}: {} on {} (seed {}): {}, {} samples over {}{}\n", outcome,
             facts.run.scenario.empty() ? "(no scenario)" : facts.run.scenario,
             facts.run.allocator.empty() ? "(no allocator)" : facts.run.allocator, facts.run.seed,
             shape_name(verdict.shape), facts.samples,
             format_duration(std::chrono::duration<double>(facts.run.end.t_s)),
             facts.truncated_tail ? "; a partial last line was ignored" : "");
  fmt::print("  {}\n", facts.run.undecided ? *facts.run.undecided : verdict.explanation);
  fmt::print("  verdict: {}\n", written_to.string());
  if ((verdict.fail || facts.run.undecided) && !facts.run.command.empty()) {
    fmt::print("  reproduce: {}\n", facts.run.command);
  }
}

// The settings the run recorded in its header, under the flags given here; the defaults
// under the flags for a series without recorded settings.
DetectorOptions judging_options(const AnalyzeRequest& request, const CLI::App& command) {
  SeriesReader reader(request.series);
  const SeriesHeader header = std::get<SeriesHeader>(reader.next().value());  // or it throws
  DetectorOptions recorded;
  try {
    recorded = recorded_detector_options(header);
  } catch (const DetectorSettingError& error) {
    throw SeriesError(fmt::format("{}: header: \"detector\".{}", reader.location(), error.what()));
  }
  const DetectorOptions judging = given_flags_over(recorded, command);
  try {
    check_detector_options(judging);
  } catch (const DetectorSettingError& error) {
    bad_input(fmt::format("the flags given, over the settings {} recorded, ask for {}",
                          reader.location(), error.what()));
  }
  return judging;
}

// The verdict goes to a file; a directory there is the user's to fix, before any work is done.
void check_out(const AnalyzeRequest& request) {
  if (!request.out.empty() && std::filesystem::is_directory(request.out)) {
    bad_input(
        fmt::format("--out {} is a directory: name the verdict file to write, such as "
                    "{}/analysis.json",
                    request.out, request.out));
  }
}

void analyze(const AnalyzeRequest& request, const CLI::App& command) {
  check_out(request);
  std::optional<Detector> detector;
  std::optional<SeriesReader> reader;
  SeriesFacts facts;
  try {
    detector.emplace(judging_options(request, command));
    reader.emplace(request.series);
    facts = feed(*reader, *detector);
  } catch (const SeriesError& error) {
    bad_input(error.what());
  }
  facts.run.out_dir = std::filesystem::path(request.series).parent_path();
  facts.run.written_by = "analyze";
  Verdict verdict;
  try {
    verdict = detector->finish();
  } catch (const DetectorInputError& error) {
    facts.run.undecided = fmt::format("{}: {}", request.series, error.what());
    verdict = detector->check();
  }
  const nlohmann::json document = verdict_document(verdict, facts.run);
  const std::filesystem::path written_to = verdict_path(request);
  try {
    write_verdict_file(written_to, document);
  } catch (const std::system_error& error) {
    bad_input(fmt::format("{}: choose a writable place with --out", error.what()));
  }
  if (request.json) {
    fmt::print("{}\n", document.dump(2));
  } else {
    print_verdict(verdict, facts, written_to);
  }
  const int code = facts.run.undecided ? kExitUsage : verdict.fail ? kExitFail : kExitPass;
  throw Exit{write_ci_results(request.ci_files, document, code, "analyze")};
}

}  // namespace

void add_analyze_command(CLI::App& app) {
  auto request = std::make_shared<AnalyzeRequest>();
  CLI::App* command = app.add_subcommand(
      "analyze",
      "Judge a series file (JSON lines, harness/series.h): bounded, leak, time-growth, "
      "high-water or fragmentation, and the RSS bound. The thresholds and warm-up are those the "
      "run recorded in its header (the defaults below where it recorded none); flags given "
      "here override them");
  command
      ->add_option("SERIES", request->series,
                   "The series file, or the run directory that holds it as series.jsonl")
      ->required()
      ->transform([](std::string path) {
        if (!std::filesystem::is_directory(path)) return path;
        return (std::filesystem::path(path) / run_dir::kSeries).string();
      });
  command->add_option("--out", request->out,
                      "Where to write the verdict JSON (default: verdict.json beside SERIES, or "
                      "analysis.json if the run wrote its own verdict.json)");
  command->add_flag("--json", request->json, "Print the verdict JSON instead of the summary");
  add_ci_file_flags(*command, request->ci_files);
  add_detector_flags(*command, request->flags);
  command->callback([request, command] { analyze(*request, *command); });
}

}  // namespace memsoak

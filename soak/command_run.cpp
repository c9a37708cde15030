// `memsoak run`: soaks one scenario of the search-engine workload under one allocator,
// samples memory while it runs, and fails as soon as the detector proves a leak or RSS
// crosses its bound. Layout of the output directory: series.jsonl (header, samples, purge
// checkpoints, end) and verdict.json (soak/run_summary.h).
#include <fmt/format.h>

#include <memory>
#include <optional>
#include <string>

#include "harness/detector.h"
#include "harness/series.h"
#include "soak/allocator_selection.h"
#include "soak/commands.h"
#include "soak/out_dir.h"
#include "soak/run_header.h"
#include "soak/run_options.h"
#include "soak/run_summary.h"
#include "soak/sampler.h"
#include "soak/serving_allocator.h"
#include "soak/soak_loop.h"
#include "soak/status_line.h"
#include "soak/stop_signals.h"
#include "soak/workload_source.h"

namespace memsoak {
namespace {

// smaps_rollup walks the page tables (milliseconds on a big heap): one sample in ten reads it.
constexpr unsigned kRssAnonEverySamples = 10;

// The final verdict; a run too short to decide keeps the latest check and says why.
Verdict final_verdict(Detector& detector, RunFacts& facts) {
  try {
    return detector.finish();
  } catch (const DetectorInputError& error) {
    facts.undecided = error.what();
    return detector.check();
  }
}

int exit_code(const Verdict& verdict, const RunFacts& facts) {
  if (verdict.fail) return kExitFail;
  return facts.undecided ? kExitUsage : kExitPass;
}

int soak(const RunOptions& options, const CLI::App& command) {
  run_under_allocator(options.allocator);  // may re-execute memsoak: before anything else
  const WorkloadSettings workload_setup = workload_settings(options);
  WorkloadSource workload(options.scenario, workload_setup);
  const DetectorOptions detector_settings = detector_options(options);
  Detector detector(detector_settings);
  RunFacts facts;
  facts.scenario = options.scenario;
  facts.allocator = options.allocator;
  facts.seed = options.seed;
  facts.command = reproduce_command(command.get_parent()->get_name(), options, command);
  facts.expected_verdict = workload.expected_verdict(options.allocator);
  facts.out_dir = claim_out_dir(options.out_dir, default_out_dir(options));
  SeriesWriter series((facts.out_dir / kSeriesFileName).string());
  series.write(
      run_header(options, workload_setup, facts.command, serving_allocator(), detector_settings));

  StopSignals signals;  // before the workload starts its threads, which inherit the block
  Sampler sampler(workload, kRssAnonEverySamples);
  SoakLoop loop(
      sampler, series, detector,
      LoopSchedule{options.duration_s, sample_interval_s(options), purge_every_s(options)});
  StatusLine status(stderr);
  workload.start();
  facts.end = loop.run(signals, status);
  workload.stop();

  facts.ops = loop.progress().ops;
  facts.peak_rss_bytes = loop.peak_rss_bytes();
  facts.steady_t_s = loop.steady_t_s();
  const Verdict verdict = final_verdict(detector, facts);
  write_verdict_file(facts.out_dir / kVerdictFileName, verdict_document(verdict, facts));
  print_summary(stdout, verdict, facts);
  return exit_code(verdict, facts);
}

// Runs the command, turning each kind of failure into its exit code and a message.
int soak_reporting_errors(const RunOptions& options, const CLI::App& command) {
  try {
    return soak(options, command);
  } catch (const AllocatorSelectionFailed& error) {
    fmt::print(stderr, "memsoak run: {}\n", error.what());
    return kExitInternal;
  } catch (const AllocatorUnavailable& error) {
    fmt::print(stderr, "memsoak run: {} (memsoak list shows what is installed)\n", error.what());
    return kExitUsage;
  } catch (const OutDirTaken& error) {
    fmt::print(stderr, "memsoak run: {}\n", error.what());
    return kExitUsage;
  } catch (const std::invalid_argument& error) {  // unknown scenario, bad detector options
    fmt::print(stderr, "memsoak run: {}\n", error.what());
    return kExitUsage;
  }
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* command = app.add_subcommand(
      "run", "Soak a scenario under an allocator; fail on a proven leak or a crossed bound");
  add_run_flags(*command, *options);
  command->callback([options, command] { throw Exit{soak_reporting_errors(*options, *command)}; });
}

}  // namespace memsoak

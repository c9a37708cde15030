#include "soak/run/runner.h"

#include "harness/detector.h"
#include "harness/series.h"
#include "soak/exit_code.h"
#include "soak/run/allocator_selection.h"
#include "soak/run/header.h"
#include "soak/run/loop.h"
#include "soak/run/out_dir.h"
#include "soak/run/sampler.h"
#include "soak/run/status_line.h"
#include "soak/run/stop_signals.h"
#include "soak/run/summary.h"
#include "soak/run/workload_source.h"
#include "soak/workload/scenarios.h"

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

std::optional<std::string> expected_verdict_name(const workload::ScenarioInfo& scenario,
                                                 std::string_view allocator) {
  const workload::ExpectedVerdict* expected = workload::expected_verdict(scenario, allocator);
  return expected ? std::optional<std::string>(expected->verdict) : std::nullopt;
}

}  // namespace

int run_soak(const RunOptions& options) {
  run_under_allocator(options.allocator);  // may re-execute memsoak: before anything else
  const workload::ScenarioInfo& scenario = workload::find_scenario(options.scenario);
  const WorkloadSettings workload_setup = workload_settings(options, scenario);
  WorkloadSource workload(scenario, workload_setup);
  const DetectorOptions detector_settings = detector_options(options);
  Detector detector(detector_settings);
  RunFacts facts;
  facts.scenario = options.scenario;
  facts.allocator = options.allocator;
  facts.seed = options.seed;
  facts.command = options.command;
  facts.expected_verdict = expected_verdict_name(scenario, options.allocator);
  facts.out_dir = claim_out_dir(options.out_dir, default_out_dir(options));
  SeriesWriter series((facts.out_dir / run_dir::kSeries).string());
  const LoopSchedule schedule{options.duration_s, sample_interval_s(options),
                              purge_every_s(options, scenario)};
  series.write(run_header(options, workload_setup, schedule, detector_settings));

  StopSignals signals;  // before the workload starts its threads, which inherit the block
  Sampler sampler(workload, kRssAnonEverySamples);
  SoakLoop loop(sampler, series, detector, schedule);
  StatusLine status(stderr);
  workload.start();
  facts.end = loop.run(signals, status);
  workload.stop();

  facts.ops = loop.progress().ops;
  facts.peak_rss_bytes = loop.peak_rss_bytes();
  facts.steady_t_s = loop.steady_t_s();
  const Verdict verdict = final_verdict(detector, facts);
  write_verdict_file(facts.out_dir / run_dir::kVerdict, verdict_document(verdict, facts));
  print_summary(stdout, verdict, facts);
  return exit_code(verdict, facts);
}

}  // namespace memsoak

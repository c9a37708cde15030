#include "soak/run/runner.h"

#include <fmt/format.h>

#include <filesystem>
#include <system_error>

#include "harness/detector.h"
#include "harness/sampler.h"
#include "harness/series.h"
#include "harness/units.h"
#include "soak/exit_code.h"
#include "soak/run/allocator_selection.h"
#include "soak/run/conclusion.h"
#include "soak/run/header.h"
#include "soak/run/live_metrics.h"
#include "soak/run/loop.h"
#include "soak/run/out_dir.h"
#include "soak/run/status_line.h"
#include "soak/run/stop_signals.h"
#include "soak/run/summary.h"
#include "soak/run/workload_source.h"
#include "soak/workload/scenarios.h"

namespace memsoak {
namespace {

std::optional<std::string> expected_verdict_name(const workload::ScenarioInfo& scenario,
                                                 std::string_view allocator) {
  const workload::ExpectedVerdict* expected = workload::expected_verdict(scenario, allocator);
  return expected ? std::optional<std::string>(expected->verdict) : std::nullopt;
}

}  // namespace

int run_soak(const RunOptions& options) {
  check_run_options(options);
  // Before any thread starts (they inherit the block), and before the re-execution, which keeps
  // the block: a stop asked for at any later moment waits for the loop to take it.
  StopSignals signals;
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
  // After the re-execution (the port is bound once) and before the run directory is claimed (a
  // busy port leaves nothing behind).
  const std::unique_ptr<LiveMetrics> metrics =
      start_live_metrics(options.metrics, "memsoak run", options.scenario, options.allocator);
  ClaimedRunDir claimed = claim_run_dir(options.out_dir, default_out_dir(options));
  facts.out_dir = claimed.dir;
  SeriesWriter& series = claimed.series;
  const LoopSchedule schedule{options.duration_s, sample_interval_s(options),
                              purge_every_s(options, scenario)};
  write_series_header(series, run_header(options, workload_setup, schedule, detector_settings));

  ThisProcessMemory memory;
  Sampler sampler(workload, memory, kRssAnonEverySamples);
  SoakLoop loop(sampler, series, detector, schedule);
  if (metrics) loop.observe_with(*metrics);
  StatusLine status(stderr);
  workload.start();
  facts.end = loop.run(signals, status);
  facts.end.details["latency_histogram_us"] = workload.latency_histograms();
  loop.write_end(facts.end);
  workload.stop();

  facts.ops = loop.progress().ops;
  facts.peak_rss_bytes = loop.peak_rss_bytes();
  facts.steady_t_s = loop.steady_t_s();
  const Verdict verdict = final_verdict(detector, facts);
  if (metrics) metrics->conclude(verdict);
  const std::optional<std::string> unwritten = write_verdict(verdict, facts);
  print_summary(stdout, verdict, facts);
  if (facts.end.write_error) print_series_kept("memsoak run", series, *facts.end.write_error);
  if (unwritten) fmt::print(stderr, "memsoak run: {}\n", *unwritten);
  int code = verdict_exit_code(verdict, facts);
  code = write_ci_results(options.ci_files, verdict_document(verdict, facts), code, "run");
  return code == kExitPass && (facts.end.write_error || unwritten) ? kExitUsage : code;
}

}  // namespace memsoak

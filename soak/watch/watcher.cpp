#include "soak/watch/watcher.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "harness/allocator_registry.h"
#include "harness/allocator_stats.h"
#include "harness/counted_glibc.h"
#include "harness/detector_settings.h"
#include "harness/machine_header.h"
#include "harness/sampler.h"
#include "harness/units.h"
#include "soak/exit_code.h"
#include "soak/run/conclusion.h"
#include "soak/run/header.h"
#include "soak/run/live_metrics.h"
#include "soak/run/loop.h"
#include "soak/run/out_dir.h"
#include "soak/run/status_line.h"
#include "soak/run/stop_signals.h"
#include "soak/watch/agent_link.h"
#include "soak/watch/watched_memory.h"
#include "soak/watch/watched_process.h"
#include "soak/watch/watched_work.h"

namespace memsoak {
namespace {

constexpr std::string_view kPreloadVariable = "LD_PRELOAD=";
// The dynamic loader starts the agent before main(): only a loaded machine makes it slow.
constexpr std::chrono::milliseconds kAgentStartTimeout{5000};

// Puts `libraries` in front of the environment's LD_PRELOAD.
void preload_first(std::vector<std::string>& environment,
                   const std::vector<std::string>& libraries) {
  if (libraries.empty()) return;
  const std::string joined = fmt::format("{}", fmt::join(libraries, ":"));
  auto existing = std::find_if(environment.begin(), environment.end(), [](const std::string& e) {
    return e.starts_with(kPreloadVariable);
  });
  if (existing == environment.end()) {
    environment.push_back(std::string(kPreloadVariable) + joined);
  } else {
    *existing =
        fmt::format("{}{}:{}", kPreloadVariable, joined, existing->substr(kPreloadVariable.size()));
  }
}

// The command's environment: the allocator's (allocator_registry.h, with glibc's counting
// library under `system`), then --preload libraries and the agent in front of LD_PRELOAD.
std::vector<std::string> command_environment(const WatchOptions& options, const AgentLink* agent,
                                             std::optional<ExpectedLibrary>& preloaded) {
  std::vector<std::string> environment = current_environment();
  if (options.allocator != "none") {
    const AllocatorBackend& backend = find_allocator(options.allocator);
    const std::vector<std::filesystem::path> dirs = library_search_dirs();
    environment = environment_for_allocator(backend, environment, dirs,
                                            library_beside_executable(kCountedGlibcLibrary));
    if (backend.preloaded) {
      preloaded = ExpectedLibrary{std::string(backend.name), require_library(backend, dirs)};
    }
  }
  std::vector<std::string> libraries = options.preloads;
  if (agent != nullptr) {
    libraries.push_back(library_beside_executable(agent::kAgentLibrary)->string());
    environment.push_back(agent->environment_entry());
  }
  preload_first(environment, libraries);
  return environment;
}

// The page for the agent, in the watch's directory; none when the agent cannot serve: a
// process memsoak does not start, --no-agent, or a memsoak built without the library.
std::unique_ptr<AgentLink> agent_page(const WatchOptions& options,
                                      const std::filesystem::path& dir) {
  if (options.pid || !options.agent || !library_beside_executable(agent::kAgentLibrary)) {
    return nullptr;
  }
  return std::make_unique<AgentLink>(dir / "agent.page");
}

// The allocator serving malloc in the process, once the agent has claimed its page and said
// (it must be the one --allocator asked for); nothing, with a note, when it never did.
std::optional<std::string> connect_agent(const WatchOptions& options, AgentLink* agent,
                                         const WatchedProcess& process) {
  if (agent == nullptr) return std::nullopt;
  std::optional<AgentAnswer> answer;
  if (agent->wait_for_claim(process.pid(), kAgentStartTimeout)) {
    answer = agent->ask(agent::Op::kReadStats, kAgentStartTimeout);
  }
  if (!answer) {
    fmt::print(stderr,
               "memsoak watch: the agent did not start in process {} within {} s (a static or "
               "setuid program ignores LD_PRELOAD): judging RSS alone\n",
               process.pid(), kAgentStartTimeout.count() / 1000);
    return std::nullopt;
  }
  if (options.allocator != "none" && answer->allocator != options.allocator) {
    throw AllocatorMismatch(fmt::format(
        "--allocator {}: malloc in process {} is served by {}, the preload did not take (the "
        "program links an allocator of its own, or is static)",
        options.allocator, process.pid(), answer->allocator));
  }
  return answer->allocator;
}

SeriesHeader watch_header(const WatchOptions& options, std::span<const std::string> environment,
                          const LoopSchedule& schedule, const DetectorOptions& detector,
                          const std::optional<std::string>& agent_allocator) {
  SeriesHeader header = machine_header(environment);
  header.scenario = "watch";
  header.allocator = options.allocator;
  header.command = options.command_line;
  nlohmann::json work = nlohmann::json::object();
  for (const WorkCounterSpec& spec : work_counter_specs(options)) {
    work[spec.name] = spec.kind + ":" + spec.argument;
  }
  header.extra.update({
      {"watched",
       {{"command", options.command},
        {"pid", options.pid ? nlohmann::json(*options.pid) : nlohmann::json()},
        {"include_children", options.include_children},
        {"preloads", options.preloads}}},
      {"work_counters", work.empty() ? nlohmann::json({{kSecondsCounter, "time"}}) : work},
      {"memory", agent_allocator ? "agent" : "rss"},
      {"agent_allocator", agent_allocator ? nlohmann::json(*agent_allocator) : nlohmann::json()},
      {"duration_s", options.duration_s ? nlohmann::json(*options.duration_s) : nlohmann::json()},
      {"sample_interval_s", schedule.interval_s},
      {"purge_every_s", schedule.purge_every_s},
      {"detector", detector_settings_json(detector)},
  });
  return header;
}

WatchedProcess start_or_attach(const WatchOptions& options,
                               const std::vector<std::string>& environment, WatchedWork& work) {
  if (options.pid) return WatchedProcess::attach(*options.pid);
  const TappedStreams tapped{work.reads(OutputStream::kStdout), work.reads(OutputStream::kStderr)};
  return WatchedProcess::start(
      options.command, environment, tapped,
      [&work](OutputStream stream, std::string_view line) { work.on_line(stream, line); });
}

std::string subject(const WatchOptions& options, pid_t pid) {
  const std::string program =
      options.pid ? std::string("process")
                  : std::filesystem::path(options.command.front()).filename().string();
  return fmt::format("{} (pid {}){}", program, pid,
                     options.allocator == "none" ? "" : " on " + options.allocator);
}

// The exit code, from the verdict, how the loop ended and how the process did.
int watch_exit_code(const Verdict& verdict, const RunFacts& facts,
                    const std::optional<ProcessExit>& exit, const WatchOptions& options) {
  if (facts.end.reason == "preload-failed") return kExitInternal;
  if (facts.end.reason == "work-source-error") return kExitUsage;
  const int code = verdict_exit_code(verdict, facts);
  if (code == kExitFail) return code;
  if (exit && exit->failed() && !options.allow_child_failure) return kExitFail;
  return code;
}

// The agent's CPU time against the time watched and the process's, for the end record,
// verdict.json and the summary.
nlohmann::json agent_cost_json(const std::optional<AgentCost>& cost) {
  if (!cost) return nullptr;
  const auto share = [](double part, double whole) {
    return whole > 0 ? nlohmann::json(part / whole) : nlohmann::json();
  };
  return {{"agent_cpu_s", cost->agent_cpu_s},
          {"watched_s", cost->watched_s},
          {"core_share", share(cost->agent_cpu_s, cost->watched_s)},
          {"process_cpu_s", cost->process_cpu_s},
          {"process_cpu_share", share(cost->agent_cpu_s, cost->process_cpu_s)},
          {"readings", cost->readings},
          {"reused_readings", cost->reused_readings}};
}

// The share of the process's CPU is told only once the process has used a second of it: the
// agent's few milliseconds are a large share of an idle process's nothing.
void print_agent_cost(const std::optional<AgentCost>& cost) {
  if (!cost || cost->watched_s <= 0) return;
  const std::string process_share =
      cost->process_cpu_s >= 1
          ? fmt::format(", {:.2f}% of the process's {:.1f} s",
                        100 * cost->agent_cpu_s / cost->process_cpu_s, cost->process_cpu_s)
          : "";
  const std::string reused =
      cost->reused_readings > 0
          ? fmt::format(
                "; {} of {} readings repeated the previous one to keep within {:.1f}% "
                "of a core (a longer --sample-interval avoids that)",
                cost->reused_readings, cost->readings, 100 * agent::kDefaultCpuBudget)
          : "";
  fmt::print("  agent: {:.1f} ms of CPU in {:.0f} s ({:.3f}% of a core){}{}\n",
             1e3 * cost->agent_cpu_s, cost->watched_s, 100 * cost->agent_cpu_s / cost->watched_s,
             process_share, reused);
}

void print_process_end(const WatchOptions& options, const RunFacts& facts,
                       const std::optional<ProcessExit>& exit) {
  if (facts.end.source_message && facts.end.reason != "exit") {
    fmt::print(stderr, "memsoak watch: {}\n", *facts.end.source_message);
  }
  if (!exit) return;
  const bool counted = exit->failed() && !options.allow_child_failure;
  fmt::print("  process: {}{}\n", exit->describe(),
             counted ? " (fails the watch; --allow-child-failure to judge memory alone)" : "");
}

}  // namespace

int run_watch(const WatchOptions& options) {
  check_watch_options(options);
  StopSignals signals;  // before the reader threads start, so that they inherit the block
  WatchedWork work(work_counter_specs(options),
                   std::chrono::duration<double>(options.startup_timeout_s));
  const DetectorOptions detector_settings = watch_detector_options(options);
  Detector detector(detector_settings);
  // Before the run directory is claimed and the command started: a busy port leaves nothing.
  const std::unique_ptr<LiveMetrics> metrics =
      start_live_metrics(options.metrics, "memsoak watch", "watch", options.allocator);
  ClaimedRunDir claimed = claim_run_dir(options.out_dir, default_watch_dir(options));
  SeriesWriter& series = claimed.series;
  const std::unique_ptr<AgentLink> page = agent_page(options, claimed.dir);
  std::optional<ExpectedLibrary> preloaded;
  const std::vector<std::string> environment = command_environment(options, page.get(), preloaded);

  WatchedProcess process = start_or_attach(options, environment, work);
  const std::optional<std::string> agent_allocator = connect_agent(options, page.get(), process);
  AgentLink* agent = agent_allocator ? page.get() : nullptr;
  const LoopSchedule schedule{watch_duration_s(options), watch_sample_interval_s(options),
                              agent != nullptr ? watch_purge_every_s(options) : 0};
  write_series_header(
      series, watch_header(options, environment, schedule, detector_settings, agent_allocator));
  WatchedMemory memory(process, options.include_children, preloaded, agent);
  Sampler sampler(work, memory, kRssAnonEverySamples);
  SoakLoop loop(sampler, series, detector, schedule);
  if (metrics) {
    if (agent_allocator) metrics->label_allocator(*agent_allocator);
    loop.observe_with(*metrics);
  }
  StatusLine status(stderr);
  RunFacts facts;
  facts.scenario = "watch";
  facts.allocator = options.allocator;
  facts.command = options.command_line;
  facts.out_dir = claimed.dir;
  facts.subject = subject(options, process.pid());
  facts.work_is_time = options.work.empty();
  facts.end = loop.run(signals, status);
  const std::optional<ProcessExit> exit =
      process.stop(std::chrono::duration<double>(options.kill_grace_s));
  if (exit) facts.end.details["exit"] = exit->to_json();
  const nlohmann::json agent_cost = agent_cost_json(memory.agent_cost());
  if (!agent_cost.is_null()) facts.end.details["agent_cost"] = agent_cost;
  loop.write_end(facts.end);

  facts.ops = loop.progress().ops;
  facts.peak_rss_bytes = loop.peak_rss_bytes();
  facts.steady_t_s = loop.steady_t_s();
  facts.watched = {{"pid", process.pid()},
                   {"command", options.command},
                   {"exit", exit ? exit->to_json() : nlohmann::json()},
                   {"agent_cost", agent_cost}};
  const Verdict verdict = final_verdict(detector, facts);
  if (metrics) metrics->conclude(verdict);
  const std::optional<std::string> unwritten = write_verdict(verdict, facts);
  print_summary(stdout, verdict, facts);
  print_process_end(options, facts, exit);
  print_agent_cost(memory.agent_cost());
  if (facts.end.write_error) print_series_kept("memsoak watch", series, *facts.end.write_error);
  if (unwritten) fmt::print(stderr, "memsoak watch: {}\n", *unwritten);
  int code = watch_exit_code(verdict, facts, exit, options);
  code = write_ci_results(options.ci_files, verdict_document(verdict, facts), code, "watch");
  return code == kExitPass && (facts.end.write_error || unwritten) ? kExitUsage : code;
}

}  // namespace memsoak

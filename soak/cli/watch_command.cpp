// `memsoak watch`: the command-line face of the watcher (soak/watch/watcher.h).
#include <fmt/format.h>

#include <memory>

#include "harness/allocator_registry.h"
#include "harness/allocator_stats.h"
#include "harness/proc_memory.h"
#include "harness/subprocess.h"
#include "soak/cli/commands.h"
#include "soak/cli/detector_flags.h"
#include "soak/cli/run_flags.h"
#include "soak/run/out_dir.h"
#include "soak/watch/watcher.h"

namespace memsoak {
namespace {

struct WatchFlags {
  WatchOptions options;
  DetectorFlags detector;
  int pid = 0;
};

void add_time_flags(CLI::App& command, WatchOptions& options) {
  add_duration_flags(
      command, [&options](double seconds) { options.duration_s = seconds; },
      options.sample_interval_s,
      "How long to watch: 30s, 10m, 72h (default: until the process exits)",
      "Time between samples (default: duration/600 between 100ms and 10s; 1s without "
      "--duration)");
  add_seconds_flag(
      command, "--purge-every", options.purge_every_s,
      "With the agent, ask the allocator to purge this often, recording memory before and "
      "after (tells retention from fragmentation; default: duration/8, 0 for never)");
  add_seconds_flag(command, "--kill-grace", options.kill_grace_s,
                   "After SIGTERM, how long the command has to exit before SIGKILL (default 10s)");
  add_seconds_flag(
      command, "--startup-timeout", options.startup_timeout_s,
      "How long every --work counter has to be read once (the service starting up); samples "
      "before are recorded, not judged (default 30s)");
}

void add_watch_flags(CLI::App& command, WatchFlags& flags) {
  WatchOptions& options = flags.options;
  command.add_option("--pid", flags.pid,
                     "Follow this running process instead of starting one (RSS only; it is "
                     "never stopped)");
  command
      .add_option("--allocator", options.allocator,
                  "Preload this allocator into the command: system, jemalloc, mimalloc, "
                  "tcmalloc, or none to leave its environment alone")
      ->capture_default_str();
  // Repeatable flags take one value each, so that the `--` before CMD is not taken for theirs.
  command
      .add_option("--preload", options.preloads,
                  "Also preload this library into the command (repeatable)")
      ->allow_extra_args(false);
  command
      .add_option("--work", options.work,
                  "A work counter, the axis growth is judged against (repeatable): "
                  "NAME=prom:URL#METRIC{label=\"x\"}, NAME=file:PATH, NAME=stdout:REGEX, "
                  "NAME=stderr:REGEX, NAME=cmd:SHELLCMD. Without one, growth is judged per second")
      ->allow_extra_args(false);
  command.add_flag(
      "--no-agent", [&options](std::int64_t) { options.agent = false; },
      "Do not preload memsoak's agent into the command: judge RSS alone, no purges");
  command.add_flag("--include-children", options.include_children,
                   "Sum the memory of the whole process tree, not the process alone");
  command.add_flag("--allow-child-failure", options.allow_child_failure,
                   "Judge memory alone: a command that crashes or exits non-zero does not fail "
                   "the watch");
  add_time_flags(command, options);
  command.add_option("--out", options.out_dir,
                     "Directory for series.jsonl and verdict.json; must not hold a run already "
                     "(default out/watch-<program>, made unique)");
  add_metrics_flags(command, options.metrics);
  add_ci_file_flags(command, options.ci_files);
  // A process's first minutes fill its caches from a footprint of a few MiB, which a leak
  // proof measured against that footprint would call a leak: watch proves leaks after the
  // warm-up unless asked otherwise.
  flags.detector.options.early_growth = 0;
  add_detector_flags(command, flags.detector);
  command.add_option("command", options.command, "The command to start and watch, after --");
}

std::string reproduce_command(std::string_view program, const WatchOptions& options,
                              const CLI::App& command) {
  std::string text =
      fmt::format("{} watch{}", shell_quoted(program), given_flags_text(command, kOutputFlags));
  if (options.command.empty()) return text;
  text += " --";
  for (const std::string& word : options.command) text += " " + shell_quoted(word);
  return text;
}

int watch_reporting_errors(const WatchOptions& options) {
  const auto fail = [](int code, const std::string& message) {
    fmt::print(stderr, "memsoak watch: {}\n", message);
    return code;
  };
  try {
    return run_watch(options);
  } catch (const SpawnError& error) {
    return fail(kExitUsage, error.what());
  } catch (const ProcessGone& error) {
    return fail(kExitUsage, error.what());
  } catch (const AllocatorMismatch& error) {
    return fail(kExitInternal, error.what());
  } catch (const AllocatorNotInstalled& error) {
    return fail(kExitUsage, fmt::format("{} (memsoak list shows what is installed)", error.what()));
  } catch (const OutDirTaken& error) {
    return fail(kExitUsage, error.what());
  } catch (const OutDirUnusable& error) {
    return fail(kExitUsage, error.what());
  } catch (const SeriesWriteError& error) {
    return fail(kExitUsage, error.what());
  } catch (const std::invalid_argument& error) {
    return fail(kExitUsage, error.what());
  }
}

}  // namespace

void add_watch_command(CLI::App& app) {
  auto flags = std::make_shared<WatchFlags>();
  CLI::App* command = app.add_subcommand(
      "watch",
      "Soak any process: start CMD (after --) or follow --pid, sample its memory against its "
      "work counters, fail on a proven leak");
  add_watch_flags(*command, *flags);
  command->callback([flags, command] {
    WatchOptions options = flags->options;
    if (flags->pid != 0) options.pid = flags->pid;
    options.detector = flags->detector.options;
    options.warmup_given = flags->detector.warmup_given;
    options.command_line = reproduce_command(command->get_parent()->get_name(), options, *command);
    throw Exit{watch_reporting_errors(options)};
  });
}

}  // namespace memsoak

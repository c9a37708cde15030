#include "soak/cli/run_flags.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

#include "harness/units.h"

namespace memsoak {
namespace {

// Flags the reproduction always spells out, in this order, so a reader sees them first.
constexpr std::array<std::string_view, 4> kIdentityFlags{"--scenario", "--allocator", "--seed",
                                                         "--duration"};

// As the user typed it, or the default in a form the parser reads back.
std::string identity_value(std::string_view flag, const RunOptions& options,
                           const CLI::App& command) {
  const CLI::Option* option = command.get_option(std::string(flag));
  if (option->count() > 0) return option->results().back();
  if (flag == "--scenario") return options.scenario;
  if (flag == "--allocator") return options.allocator;
  if (flag == "--seed") return std::to_string(options.seed);
  return fmt::format("{:g}s", options.duration_s);
}

std::string given_flag(const CLI::Option& option) {
  std::string text;
  for (const std::string& value : option.results()) {
    text += fmt::format(" {} {}", option.get_name(), shell_quoted(value));
  }
  return text;
}

void add_time_flags(CLI::App& command, RunOptions& options) {
  add_duration_flags(
      command, [&options](double seconds) { options.duration_s = seconds; },
      options.sample_interval_s,
      "How long to run: 30s, 10m, 72h (default 60s); a proven leak ends it earlier",
      "Time between samples (default: duration/600, between 100ms and 10s)");
  add_seconds_flag(
      command, "--purge-every", options.purge_every_s,
      "Ask the allocator to return free memory this often, recording RSS around it (purge "
      "checkpoints); 0 never. Default never, but duration/8 (2s to 5m) for fragmentation, "
      "whose verdict rests on what a purge gives back");
  add_seconds_flag(
      command, "--huge-batch-at", options.huge_batch_at_s,
      "Index one huge batch this far into the run, besides the random ones (reset-reuse and "
      "fragmentation: at half the duration, and no random ones)");
}

}  // namespace

double parse_seconds(std::string_view flag, const std::string& text) {
  try {
    return parse_duration(text).count();
  } catch (const UnitError& error) {
    throw CLI::ValidationError(std::string(flag), error.what());
  }
}

void add_duration_flags(CLI::App& command, std::function<void(double)> set_duration_s,
                        std::optional<double>& sample_interval_s, const std::string& duration_help,
                        const std::string& interval_help) {
  command.add_option_function<std::string>(
      "--duration",
      [set_duration_s = std::move(set_duration_s)](const std::string& text) {
        const double seconds = parse_seconds("--duration", text);
        if (seconds <= 0) {
          throw CLI::ValidationError("--duration", "must be longer than 0s (e.g. 30s, 10m, 72h)");
        }
        set_duration_s(seconds);
      },
      duration_help);
  command.add_option_function<std::string>(
      "--sample-interval",
      [&sample_interval_s](const std::string& text) {
        sample_interval_s = parse_seconds("--sample-interval", text);
        if (*sample_interval_s < 0.001) {
          throw CLI::ValidationError("--sample-interval", "must be at least 1ms");
        }
      },
      interval_help);
}

void add_metrics_flags(CLI::App& command, MetricsOptions& metrics) {
  command
      .add_option("--metrics", metrics.listen,
                  "Serve live metrics for Prometheus at http://ADDR:PORT/metrics: PORT (on "
                  "127.0.0.1), ADDR:PORT, 0 for any free port (printed at the start)")
      ->check([](const std::string& given) {
        try {
          metrics_bind_address(given);
          return std::string();
        } catch (const std::invalid_argument& error) {
          return std::string(error.what());  // the accepted forms
        }
      });
  command.add_option("--metrics-textfile", metrics.textfile,
                     "Rewrite the same metrics into this file after every sample, atomically "
                     "(node_exporter's textfile collector reads *.prom files)");
}

void add_ci_file_flags(CLI::App& command, CiFiles& files) {
  const auto in_existing_dir = [](const std::string& given) {
    const std::filesystem::path dir = std::filesystem::path(given).parent_path();
    if (dir.empty() || std::filesystem::is_directory(dir)) return std::string();
    return "no directory " + dir.string() + " to write it in";
  };
  command
      .add_option("--junit", files.junit,
                  "Also write the result as JUnit XML to this file (a testcase per run; a failure "
                  "holds the explanation and the reproduce command)")
      ->check(in_existing_dir);
  command
      .add_option("--summary-md", files.summary_md,
                  "Also append the result as a Markdown table to this file (such as "
                  "$GITHUB_STEP_SUMMARY)")
      ->check(in_existing_dir);
}

std::string shell_quoted(std::string_view word) {
  const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           std::string_view("_./:=,+-%").find(c) != std::string_view::npos;
  });
  if (plain) return std::string(word);
  std::string quoted = "'";
  for (const char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

void add_run_flags(CLI::App& command, RunFlags& flags) {
  RunOptions& options = flags.options;
  command.add_option("--scenario", options.scenario, "Scenario to run (memsoak list)")
      ->capture_default_str();
  command
      .add_option("--allocator", options.allocator,
                  "Allocator serving malloc: system, jemalloc, mimalloc, tcmalloc")
      ->capture_default_str();
  command.add_option("--seed", options.seed, "Seed of the generated documents and queries")
      ->capture_default_str();
  command
      .add_option("--threads", options.threads,
                  "Workload threads: one indexer, the others searchers")
      ->check(CLI::Range(2U, 256U))
      ->capture_default_str();
  command
      .add_option("--window-docs", options.window_documents,
                  "Live documents kept by the index (the healthy working set; default 20000). "
                  "Smaller windows reach their steady state sooner")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100'000'000}));
  command
      .add_option("--huge-batch-rate", options.huge_batch_rate,
                  "Chance that an indexing batch is huge (50 times the documents; default 0.002)")
      ->check(CLI::Range(0.0, 1.0));
  add_time_flags(command, options);
  command.add_option("--out", options.out_dir,
                     "Directory for series.jsonl and verdict.json; must not hold a run already "
                     "(default out/<scenario>-<allocator>-<seed>, made unique)");
  add_metrics_flags(command, options.metrics);
  add_ci_file_flags(command, options.ci_files);
  add_detector_flags(command, flags.detector);
}

RunOptions parsed_run_options(const RunFlags& flags, std::string_view program,
                              const CLI::App& command) {
  RunOptions options = flags.options;
  options.detector = flags.detector.options;
  options.warmup_given = flags.detector.warmup_given;
  options.command = reproduce_command(program, options, command);
  return options;
}

std::string given_flags_text(const CLI::App& command, std::span<const std::string_view> skip) {
  std::string text;
  for (const CLI::Option* option : command.get_options()) {
    const std::string& name = option->get_name();
    const bool skipped = std::find(skip.begin(), skip.end(), name) != skip.end();
    if (option->count() == 0 || skipped || !option->nonpositional()) continue;
    text += given_flag(*option);
  }
  return text;
}

std::string reproduce_command(std::string_view program, const RunOptions& options,
                              const CLI::App& command) {
  std::string text = fmt::format("{} run", shell_quoted(program));
  for (const std::string_view flag : kIdentityFlags) {
    text += fmt::format(" {} {}", flag, shell_quoted(identity_value(flag, options, command)));
  }
  std::vector<std::string_view> skip(kIdentityFlags.begin(), kIdentityFlags.end());
  skip.insert(skip.end(), kOutputFlags.begin(), kOutputFlags.end());
  return text + given_flags_text(command, skip);
}

}  // namespace memsoak

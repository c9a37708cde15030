// The flags of `memsoak run`, bound to the RunOptions the runner takes (soak/run/options.h),
// and the command line that repeats a run: the scenario, allocator, seed and duration always,
// then every other flag given except --out (a rerun writes afresh). That is what a failure
// prints.
#pragma once

#include <CLI/CLI.hpp>
#include <array>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "soak/cli/detector_flags.h"
#include "soak/run/options.h"

namespace memsoak {

struct RunFlags {
  RunOptions options;
  DetectorFlags detector;
};

// Registers the flags on `command`; `flags` must outlive the parse.
void add_run_flags(CLI::App& command, RunFlags& flags);

// The options the parsed `command` asks for, with its reproduce command; `program` is argv[0].
RunOptions parsed_run_options(const RunFlags& flags, std::string_view program,
                              const CLI::App& command);

// The `memsoak run` command line that repeats a run of the parsed `command`.
std::string reproduce_command(std::string_view program, const RunOptions& options,
                              const CLI::App& command);

// " --flag value" for every flag given to the parsed `command` but those in `skip`, in the
// order they are registered, values quoted for the shell.
std::string given_flags_text(const CLI::App& command, std::span<const std::string_view> skip);

// A duration flag's value in seconds ("30s", "10m"); throws CLI::ValidationError naming `flag`.
double parse_seconds(std::string_view flag, const std::string& text);

// A flag whose value is a duration, stored in seconds into `seconds` (a double or an
// std::optional<double>), which must outlive the parse.
template <typename Seconds>
void add_seconds_flag(CLI::App& command, const std::string& flag, Seconds& seconds,
                      const std::string& help) {
  command.add_option_function<std::string>(
      flag, [flag, &seconds](const std::string& text) { seconds = parse_seconds(flag, text); },
      help);
}

// --duration (longer than 0s) and --sample-interval (at least 1ms), shared by `run` and
// `watch`; `set_duration_s` receives the seconds, `help` says what the duration bounds.
void add_duration_flags(CLI::App& command, std::function<void(double)> set_duration_s,
                        std::optional<double>& sample_interval_s, const std::string& duration_help,
                        const std::string& interval_help);

// --metrics and --metrics-textfile, shared by `run` and `watch` (soak/run/live_metrics.h).
void add_metrics_flags(CLI::App& command, MetricsOptions& metrics);

// --junit and --summary-md, shared by `run`, `watch`, `analyze` and `merge`
// (soak/report/ci_results.h); each file's directory must exist.
void add_ci_file_flags(CLI::App& command, CiFiles& files);

// The flags that say where results go, not what runs: a reproduce command leaves them out, as a
// port or a file of the nightly's is not the laptop's.
inline constexpr std::array<std::string_view, 5> kOutputFlags{
    "--out", "--metrics", "--metrics-textfile", "--junit", "--summary-md"};

// `word` as the shell reads it back: unchanged when plain, otherwise single-quoted.
std::string shell_quoted(std::string_view word);

}  // namespace memsoak

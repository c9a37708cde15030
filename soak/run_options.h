// What `memsoak run` is asked to do: its flags, their defaults, and the rules that fit a run's
// timing to its duration. Defaults are chosen so that `memsoak run` alone decides something
// useful in about a minute; every rule below scales to runs of days.
//
//   sample interval  duration / 600, clamped to [100 ms, 10 s]: ~600 samples per run
//   purges           none, or duration / 8 clamped to [2 s, 5 min] for a scenario that needs
//                    them (fragmentation)
//   judging starts   once the workload is steady (its document window filled 1.5 times),
//                    then a warm-up of 20% of the duration, at most 300 s (unless --warmup)
//   out dir          out/<scenario>-<allocator>-<seed>[-N]: a fresh name, never overwritten
//
// reproduce_command() renders the options as the command line that repeats the run exactly
// (seed and allocator included): what a failure prints.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "soak/detector_flags.h"
#include "soak/workload_source.h"

namespace memsoak {

struct RunOptions {
  std::string scenario = "healthy";
  std::string allocator = "system";
  double duration_s = 60;
  std::uint64_t seed = 1;
  unsigned threads = 2;                          // one indexer, the rest searchers
  std::optional<std::size_t> window_documents;   // the live document set; empty: workload's
  std::optional<double> huge_batch_rate;         // chance that a batch is huge; likewise
  std::optional<double> huge_batch_at_s;         // one scheduled huge batch; empty: scenario's
  std::optional<double> sample_interval_s;       // empty: from the duration
  std::optional<double> purge_every_s;           // 0: none; empty: from the scenario
  std::optional<std::filesystem::path> out_dir;  // empty: a fresh default name
  DetectorFlags detector;
};

// Registers the flags of `memsoak run` on `command`; `options` must outlive the parse.
void add_run_flags(CLI::App& command, RunOptions& options);

double sample_interval_s(const RunOptions& options);
double purge_every_s(const RunOptions& options);  // 0: no purge checkpoints

// The workload the options ask for, with the scenario's defaults applied: a scenario defined by
// one scheduled huge batch gets it at its share of the duration and no random ones, unless the
// flags say otherwise. Throws std::invalid_argument for an unknown scenario.
WorkloadSettings workload_settings(const RunOptions& options);

// The detector's options with the run's warm-up rule applied.
DetectorOptions detector_options(const RunOptions& options);

// "out/healthy-jemalloc-7": where the run writes when --out is not given (before uniquing).
std::filesystem::path default_out_dir(const RunOptions& options);

// The `memsoak run` command line that repeats this run: the scenario, allocator, seed and
// duration always, then every other flag given except --out (a rerun writes afresh).
// `program` is argv[0]; `command` is the parsed `run` subcommand.
std::string reproduce_command(std::string_view program, const RunOptions& options,
                              const CLI::App& command);

}  // namespace memsoak

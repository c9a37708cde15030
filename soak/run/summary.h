// What a finished soak run leaves behind besides its series: verdict.json (the detector's
// verdict JSON plus a "run" object of facts: scenario, allocator, seed, the command that
// reproduces it, why and when it ended, throughput, peak RSS, the expected verdict) and the
// few lines printed at the end. A failure prints what failed, the behaviour, the slope with
// its interval, when growth began, and the exact command that reproduces it.
#pragma once

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "harness/verdict.h"
#include "soak/run/loop.h"

namespace memsoak {

struct RunFacts {
  std::string scenario;
  std::string allocator;
  std::uint64_t seed = 0;
  std::string command;  // reproduces the run
  std::filesystem::path out_dir;
  LoopEnd end;
  double ops = 0;
  double peak_rss_bytes = 0;
  std::optional<double> steady_t_s;             // when the detector began to judge, if it did
  std::optional<std::string> expected_verdict;  // from the scenario table, for this allocator
  std::optional<std::string> undecided;  // why the detector could not decide, if it could not
  std::string written_by = "run";        // or "analyze", re-judging a series afterwards
  std::string subject;  // what was soaked, for `watch` ("redis-server (pid 42)"); empty: run's
  nlohmann::json watched = nullptr;  // `watch`: the process followed and how it ended
  bool work_is_time = false;         // `watch` without work counters: no throughput to show
};

nlohmann::json verdict_document(const Verdict& verdict, const RunFacts& facts);

// Writes `document` to `path` whole (a temporary file renamed into place); throws
// std::system_error naming the path and the cause, and leaves no temporary file behind.
void write_verdict_file(const std::filesystem::path& path, const nlohmann::json& document);

void print_summary(std::FILE* out, const Verdict& verdict, const RunFacts& facts);

}  // namespace memsoak

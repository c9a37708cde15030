// The soak scenarios: named configurations of the workload (soak/workload/driver.h), each a
// real code path of the search engine with a known memory behaviour, and the verdict the
// detector is expected to reach on each allocator. This is the API the soak runner and
// `memsoak list` use:
//   for (const ScenarioInfo& s : scenarios()) ...            // names, what they model, verdicts
//   auto workload = make_workload("healthy", WorkloadOptions{.seed = 7});
//   workload->start(); ... workload->counters(); workload->take_latencies(); ...
//   workload->stop();
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "soak/workload/driver.h"

namespace memsoak::workload {

enum class ExpectedOutcome {
  kPass,
  kFail,
  kBoundDecides,  // not a program defect; the run passes or fails by --rss-bound
};

struct ExpectedVerdict {
  std::string_view allocator;  // as in the allocator registry: system, jemalloc, ...
  ExpectedOutcome outcome;
  std::string_view verdict;  // the detector's name: bounded, leak, high-water, fragmentation
};

struct ScenarioInfo {
  std::string_view name;
  std::string_view models;  // one sentence: the code path and why memory behaves as it does
  std::span<const ExpectedVerdict> expected;  // one per allocator
  ScenarioBehaviour behaviour;                // how the engine manages its memory
  // Above 0: the scenario's defining event is one huge batch this far into the run (a share of
  // its duration), late enough for the detector's window to see it, and no random huge batches
  // unless the user asks for them.
  double scheduled_huge_batch_share = 0;
  // The verdict rests on what a purge gives back (retention against fragmentation): the runner
  // records purge checkpoints unless --purge-every says otherwise.
  bool needs_purge_checkpoints = false;
};

std::span<const ScenarioInfo> scenarios();

// Throws std::invalid_argument naming the unknown scenario and listing the valid ones.
const ScenarioInfo& find_scenario(std::string_view name);

// The verdict expected for `allocator`, or null if the scenario table has no entry for it.
const ExpectedVerdict* expected_verdict(const ScenarioInfo& scenario, std::string_view allocator);

// A workload for `scenario`, not yet started. Throws std::invalid_argument for an unknown
// scenario or invalid options.
std::unique_ptr<Workload> make_workload(std::string_view scenario,
                                        const WorkloadOptions& options = {});

}  // namespace memsoak::workload

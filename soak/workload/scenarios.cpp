#include "soak/workload/scenarios.h"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>

namespace memsoak::workload {
namespace {

using Behaviour = ScenarioBehaviour;

// The allocators of the registry (harness/allocator_registry.h), in its order.
constexpr std::array<std::string_view, 4> kAllocators = {"system", "jemalloc", "mimalloc",
                                                         "tcmalloc"};

constexpr std::array<ExpectedVerdict, 4> on_every_allocator(ExpectedOutcome outcome,
                                                            std::string_view verdict) {
  std::array<ExpectedVerdict, 4> expected{};
  for (std::size_t i = 0; i < kAllocators.size(); ++i) {
    expected[i] = ExpectedVerdict{kAllocators[i], outcome, verdict};
  }
  return expected;
}

constexpr auto kBounded = on_every_allocator(ExpectedOutcome::kPass, "bounded");
constexpr auto kLeak = on_every_allocator(ExpectedOutcome::kFail, "leak");
constexpr auto kHighWater = on_every_allocator(ExpectedOutcome::kBoundDecides, "high-water");

// As measured (bench/allocators.md): after the import, glibc and jemalloc give its pages back on
// purge; mimalloc, judged on RSS alone, is high-water either way; tcmalloc keeps memory over the
// live bytes that ReleaseFreeMemory does not return.
constexpr std::array<ExpectedVerdict, 4> kFragmentationMeasured = {{
    {"system", ExpectedOutcome::kBoundDecides, "high-water"},
    {"jemalloc", ExpectedOutcome::kBoundDecides, "high-water"},
    {"mimalloc", ExpectedOutcome::kBoundDecides, "high-water"},
    {"tcmalloc", ExpectedOutcome::kBoundDecides, "fragmentation"},
}};

template <class Change>
Behaviour healthy_but(Change&& change) {
  Behaviour behaviour;
  change(behaviour);
  return behaviour;
}

const std::array<ScenarioInfo, 7>& table() {
  static const std::array<ScenarioInfo, 7> scenarios = {{
      {"healthy",
       "An arena per query and per indexing batch, dropped when the unit ends; the document "
       "window bounds the index, so memory must level off.",
       kBounded, Behaviour{}},
      {"shared-arena",
       "The query arena lives in the long-lived index state: every query allocates its parse "
       "tree and posting-list merges into it and nothing is ever freed.",
       kLeak, healthy_but([](Behaviour& b) {
         b.query_arena = Behaviour::QueryArena::kSharedNeverDropped;
       })},
      {"reset-reuse",
       "One batch arena per indexer, reset (chunks kept) between batches: one rare huge batch "
       "(at half the run) raises the arena to its high-water mark, where it stays.",
       kHighWater, healthy_but([](Behaviour& b) {
         b.batch_arena = Behaviour::BatchArena::kResetBetweenBatches;
       }),
       0.5},
      {"arena-no-drop",
       "Parsed documents owning std::string/std::vector are placed in the batch arena and "
       "their destructors never run (Meilisearch's bumpalo into_bump_slice leak): the arena "
       "is freed, the heap blocks the documents owned are not.",
       kLeak, healthy_but([](Behaviour& b) { b.staged_destructors = StagedDestructors::kSkip; })},
      {"fragmentation",
       "A result-page cache shared by the searchers and expired by the indexer: pages of mixed "
       "sizes allocated on one thread and freed on another, popular pages surviving for long "
       "among short-lived ones; one bulk import (a huge batch) at half the run lifts the heap, "
       "and purge checkpoints tell what the allocator keeps but gives back (retention, "
       "high-water) from what it cannot (fragmentation).",
       kFragmentationMeasured, healthy_but([](Behaviour& b) { b.cache_result_pages = true; }), 0.5,
       true},
      {"mixed-allocators",
       "The document text store and the snippet builder allocate through glibc's own malloc "
       "(dlsym on libc.so.6), as a statically linked C library would, while the rest of the "
       "process uses the chosen allocator; each side's bytes are reported.",
       kBounded, healthy_but([](Behaviour& b) { b.c_modules_use_glibc = true; })},
      {"thread-churn",
       "Searcher threads exit after 200 queries and are replaced, each leaving behind the "
       "allocator's per-thread cache and its own page buffer; a correct allocator returns "
       "them.",
       kBounded, healthy_but([](Behaviour& b) { b.queries_per_searcher_thread = 200; })},
  }};
  return scenarios;
}

}  // namespace

std::span<const ScenarioInfo> scenarios() { return table(); }

const ScenarioInfo& find_scenario(std::string_view name) {
  for (const ScenarioInfo& scenario : table()) {
    if (scenario.name == name) return scenario;
  }
  std::string valid;
  for (const ScenarioInfo& scenario : table()) {
    valid += valid.empty() ? "" : ", ";
    valid += scenario.name;
  }
  throw std::invalid_argument("unknown scenario '" + std::string(name) +
                              "'; the scenarios are: " + valid);
}

const ExpectedVerdict* expected_verdict(const ScenarioInfo& scenario, std::string_view allocator) {
  const auto it = std::find_if(scenario.expected.begin(), scenario.expected.end(),
                               [&](const ExpectedVerdict& v) { return v.allocator == allocator; });
  return it == scenario.expected.end() ? nullptr : &*it;
}

std::unique_ptr<Workload> make_workload(std::string_view scenario, const WorkloadOptions& options) {
  return std::make_unique<Workload>(find_scenario(scenario), options);
}

}  // namespace memsoak::workload

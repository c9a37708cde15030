// Every scenario runs, does work and stops cleanly; the defective ones really retain memory
// per operation and the healthy one does not (a direct measure, not the detector's verdict).
#include <gtest/gtest.h>
#include <malloc.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "harness/sanitizer_build.h"
#include "soak/workload/scenarios.h"

#if defined(MEMSOAK_ASAN) || defined(MEMSOAK_TSAN)
// Both runtimes own malloc and export this (gcc ships no header declaring it).
extern "C" std::size_t
__sanitizer_get_current_allocated_bytes();  // NOLINT(bugprone-reserved-identifier)
#endif

// arena-no-drop leaks on purpose: the token vectors of documents whose destructors it skips.
// LeakSanitizer would rightly report them at exit; nothing else allocates in tokenize().
// NOLINTNEXTLINE(bugprone-reserved-identifier): the hook's name is LeakSanitizer's.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:memsoak::workload::tokenize\n";
}

namespace memsoak::workload {
namespace {

// Bytes the process heap has handed out and not taken back.
std::int64_t heap_bytes_in_use() {
#if defined(MEMSOAK_ASAN) || defined(MEMSOAK_TSAN)
  return static_cast<std::int64_t>(__sanitizer_get_current_allocated_bytes());
#else
  const struct mallinfo2 info = mallinfo2();
  return static_cast<std::int64_t>(info.uordblks + info.hblkhd);
#endif
}

class EveryScenario : public ::testing::TestWithParam<ScenarioInfo> {};

TEST_P(EveryScenario, RunsDoesWorkAndStopsCleanly) {
  WorkloadOptions options;
  options.window_documents = 2'000;
  const auto workload = make_workload(GetParam().name, options);
  EXPECT_EQ(workload->scenario().name, GetParam().name);
  workload->start();
  EXPECT_THROW(workload->start(), std::logic_error);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  const WorkloadCounters early = workload->counters();
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  const WorkloadCounters late = workload->counters();
  workload->stop();
  workload->stop();

  EXPECT_GT(late.documents_indexed, early.documents_indexed);
  EXPECT_GT(late.batches_indexed, early.batches_indexed);
  EXPECT_GT(late.queries_served, early.queries_served);
  const IntervalLatencies latencies = workload->take_latencies();
  EXPECT_EQ(latencies.queries.count, workload->counters().queries_served);
  EXPECT_EQ(latencies.batches.count, workload->counters().batches_indexed);
  EXPECT_LE(latencies.queries.p50, latencies.queries.p99);
  EXPECT_LE(latencies.queries.p99, latencies.queries.max);
  EXPECT_GT(latencies.batches.p50.count(), 0);
  EXPECT_EQ(workload->take_latencies().queries.count, 0u) << "take() starts a new interval";

  const ScenarioBehaviour& behaviour = GetParam().behaviour;
  if (behaviour.queries_per_searcher_thread > 0) {
    EXPECT_GT(late.searcher_threads_started, 1u);
  }
  if (behaviour.c_modules_use_glibc) {
    EXPECT_GT(late.glibc_direct_bytes, 0);
  } else {
    EXPECT_EQ(late.glibc_direct_bytes, 0);
  }
  if (behaviour.cache_result_pages) {
    EXPECT_GT(late.cache_hits, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Scenarios, EveryScenario, ::testing::ValuesIn(scenarios()),
                         [](const auto& info) {
                           std::string name(info.param.name);
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(Scenarios, EachStatesItsVerdictOnEveryAllocator) {
  ASSERT_EQ(scenarios().size(), 7u);
  for (const ScenarioInfo& scenario : scenarios()) {
    for (const char* allocator : {"system", "jemalloc", "mimalloc", "tcmalloc"}) {
      const ExpectedVerdict* expected = expected_verdict(scenario, allocator);
      ASSERT_NE(expected, nullptr) << scenario.name << " on " << allocator;
      EXPECT_FALSE(expected->verdict.empty());
    }
    EXPECT_FALSE(scenario.models.empty());
  }
  EXPECT_EQ(expected_verdict(find_scenario("shared-arena"), "jemalloc")->verdict, "leak");
  EXPECT_EQ(expected_verdict(find_scenario("healthy"), "system")->outcome, ExpectedOutcome::kPass);
}

TEST(Scenarios, AnUnknownNameListsTheValidOnes) {
  try {
    make_workload("healthy-ish");
    FAIL() << "accepted an unknown scenario";
  } catch (const std::invalid_argument& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("'healthy-ish'"), std::string::npos) << message;
    for (const ScenarioInfo& scenario : scenarios()) {
      EXPECT_NE(message.find(scenario.name), std::string::npos) << message;
    }
  }
}

TEST(Scenarios, InvalidOptionsAreRejectedWithTheRule) {
  WorkloadOptions options;
  options.indexer_threads = 0;
  options.searcher_threads = 0;
  EXPECT_THROW(make_workload("healthy", options), std::invalid_argument);
  options = WorkloadOptions();
  options.huge_batch_rate = 1.5;
  try {
    make_workload("healthy", options);
    FAIL() << "accepted huge_batch_rate 1.5";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("huge_batch_rate"), std::string::npos);
  }
}

TEST(Scenarios, PacingCapsTheRatesAndStopsPromptly) {
  WorkloadOptions options;
  options.window_documents = 2'000;
  options.max_batches_per_second = 20;
  options.max_queries_per_second = 50;
  const auto workload = make_workload("healthy", options);
  workload->start();
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  const auto stop_started = std::chrono::steady_clock::now();
  workload->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_started, std::chrono::milliseconds(300));
  // 0.6 s at 20 batches/s and 50 queries/s, plus the one each thread starts with; unpaced,
  // both run in the thousands. (A slow build may do less: only the caps are checked.)
  EXPECT_GE(workload->counters().batches_indexed, 1u);
  EXPECT_LE(workload->counters().batches_indexed, 13u + 3);
  EXPECT_GE(workload->counters().queries_served, 1u);
  EXPECT_LE(workload->counters().queries_served, 31u + 6);
}

// Small and without huge batches, so that a few dozen inline batches reach steady state.
WorkloadOptions small_steady_options() {
  WorkloadOptions options;
  options.window_documents = 300;
  options.documents_per_batch = 10;
  options.huge_batch_rate = 0;
  return options;
}

TEST(Workload, AScheduledHugeBatchIsIndexedOnceItsTimeHasCome) {
  WorkloadOptions options = small_steady_options();
  options.huge_batch_after = std::chrono::seconds(0);
  const auto workload = make_workload("reset-reuse", options);
  workload->run_inline(3, 0);
  const WorkloadCounters counters = workload->counters();
  EXPECT_EQ(counters.huge_batches, 1U);
  EXPECT_EQ(counters.documents_indexed, 10U * (50 + 2));
}

// The mean heap in use over `batches` inline batches, sampled after each: averaging smooths
// the healthy index's saw-tooth (posting lists grow, then compaction shrinks them).
double mean_heap_over_batches(Workload& workload, int batches) {
  double sum = 0;
  for (int i = 0; i < batches; ++i) {
    workload.run_inline(1, 0);
    sum += static_cast<double>(heap_bytes_in_use());
  }
  return sum / batches;
}

TEST(ScenarioMemory, ArenaNoDropLeaksPerDocumentAndHealthyIndexingDoesNot) {
  if (kTsanEnabled) {
    GTEST_SKIP() << "single-threaded and 10x slower under TSan; the release and ASan builds run it";
  }
  constexpr int kBlock = 40;
  const auto growth_per_block = [&](std::string_view scenario, int blocks) {
    const auto workload = make_workload(scenario, small_steady_options());
    workload->run_inline(60, 0);  // fills the window twice and compacts
    std::vector<double> growth;
    double previous = mean_heap_over_batches(*workload, kBlock);
    for (int block = 0; block < blocks; ++block) {
      const double mean = mean_heap_over_batches(*workload, kBlock);
      growth.push_back(mean - previous);
      previous = mean;
    }
    return growth;
  };
  const std::vector<double> leaked = growth_per_block("arena-no-drop", 2);
  const std::vector<double> healthy = growth_per_block("healthy", 1);
  // 10 documents of ~100 tokens per batch; each token costs a std::string in a vector (32 B).
  const double leak_floor = kBlock * 10 * 1'000.0;
  EXPECT_GT(leaked[0], leak_floor);
  EXPECT_NEAR(leaked[1] / leaked[0], 1.0, 0.3) << "the leak should be linear in the work";
  EXPECT_LT(std::abs(healthy[0]), leaked[0] / 10) << "healthy indexing grew " << healthy[0];
}

TEST(ScenarioMemory, SharedArenaGrowsPerQueryAndPerQueryArenasDoNot) {
  const auto shared = make_workload("shared-arena", small_steady_options());
  const auto healthy = make_workload("healthy", small_steady_options());
  for (Workload* workload : {shared.get(), healthy.get()}) workload->run_inline(40, 0);
  shared->run_inline(0, 150);
  const std::int64_t after_150 = shared->counters().query_arena_bytes;
  shared->run_inline(0, 150);
  const std::int64_t after_300 = shared->counters().query_arena_bytes;
  constexpr std::int64_t kQueries = 150;
  EXPECT_GT(after_150, kQueries * 1'000);
  EXPECT_GT(after_300, after_150 + kQueries * 1'000);

  healthy->run_inline(0, 300);
  EXPECT_EQ(healthy->counters().query_arena_bytes, 0);
  EXPECT_EQ(healthy->counters().queries_served, 300u);
}

TEST(ScenarioMemory, ResetReuseKeepsItsBatchArenaAtTheHighWaterMark) {
  WorkloadOptions options = small_steady_options();
  options.huge_batch_rate = 0.1;
  options.huge_batch_factor = 10;
  const auto workload = make_workload("reset-reuse", options);
  workload->run_inline(1, 0);
  const std::int64_t first = workload->counters().batch_arena_bytes;
  EXPECT_GT(first, 0) << "the arena outlives the batch";
  std::int64_t previous = first;
  for (int i = 0; i < 40; ++i) {
    workload->run_inline(1, 0);
    const std::int64_t now = workload->counters().batch_arena_bytes;
    EXPECT_GE(now, previous) << "reset() keeps every chunk";
    previous = now;
  }
  ASSERT_GT(workload->counters().huge_batches, 0u);
  EXPECT_GT(previous, first) << "a huge batch raised the high-water mark";

  const auto healthy = make_workload("healthy", options);
  healthy->run_inline(10, 0);
  EXPECT_EQ(healthy->counters().batch_arena_bytes, 0);
}

}  // namespace
}  // namespace memsoak::workload

// memsoak::Workload: the search engine (soak/workload) running under load, configured by a
// scenario's behaviour. Indexer threads generate batches and index them; searcher threads
// generate queries and serve them; both run until stop(). Work counters and per-interval
// latencies are readable from any thread while it runs (the soak runner's sampler).
// Obtain one from make_workload() (soak/workload/scenarios.h), which validates the scenario name.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "soak/workload/indexer.h"
#include "soak/workload/latency_histogram.h"

namespace memsoak::workload {

struct ScenarioInfo;

struct WorkloadOptions {
  std::uint64_t seed = 1;
  unsigned indexer_threads = 1;  // with searcher_threads, fits a 2-core machine
  unsigned searcher_threads = 1;
  std::size_t window_documents = 20'000;  // the live set; the oldest are deleted beyond it
  std::size_t documents_per_batch = 64;
  double huge_batch_rate = 0.002;      // chance that a batch is huge
  std::size_t huge_batch_factor = 50;  // documents in a huge batch, in normal batches
  // One huge batch, besides the random ones: the first batch begun this long after start()
  // (after construction, for run_inline).
  std::optional<std::chrono::duration<double>> huge_batch_after;
  std::size_t top_k = 10;
  // Open-loop pacing, shared evenly by the threads of each kind; 0: as fast as they go.
  // The leak scenarios grow with the work (tens of MB/s unpaced): pace long runs.
  double max_batches_per_second = 0;
  double max_queries_per_second = 0;
};

// Everything the scenario table decides about how the engine manages memory.
struct ScenarioBehaviour {
  enum class QueryArena {
    kPerQuery,            // an arena per query, dropped when the query ends
    kSharedNeverDropped,  // one arena in the long-lived index state, used by every query
  };
  enum class BatchArena {
    kPerBatch,             // an arena per batch, dropped when the batch ends
    kResetBetweenBatches,  // one arena per indexer thread, reset (chunks kept) after each batch
  };
  QueryArena query_arena = QueryArena::kPerQuery;
  BatchArena batch_arena = BatchArena::kPerBatch;
  StagedDestructors staged_destructors = StagedDestructors::kRun;
  bool cache_result_pages = false;   // a shared result cache, expired by the indexer
  bool c_modules_use_glibc = false;  // text store and snippets allocate from glibc directly
  // Searcher threads exit after this many queries and are replaced; 0: they never exit.
  std::size_t queries_per_searcher_thread = 0;
};

// Monotonic counters (the work memory growth is measured against) and current gauges.
struct WorkloadCounters {
  std::uint64_t documents_indexed = 0;
  std::uint64_t documents_deleted = 0;  // explicit deletions, not window evictions
  std::uint64_t batches_indexed = 0;
  std::uint64_t huge_batches = 0;
  std::uint64_t queries_served = 0;  // including those answered from the cache
  std::uint64_t cache_hits = 0;
  std::uint64_t searcher_threads_started = 0;
  std::int64_t query_arena_bytes = 0;   // chunks held by all query arenas now
  std::int64_t batch_arena_bytes = 0;   // chunks held by all batch arenas now
  std::int64_t glibc_direct_bytes = 0;  // held by the C modules' direct glibc heap now
};

struct IntervalLatencies {
  LatencySummary queries;
  LatencySummary batches;
};

struct LatencyDistributions {
  std::vector<LatencyBucket> queries;
  std::vector<LatencyBucket> batches;
};

class Workload {
 public:
  // `scenario` must outlive the workload (the entries of scenarios() do).
  Workload(const ScenarioInfo& scenario, const WorkloadOptions& options);
  ~Workload();  // stops
  Workload(const Workload&) = delete;
  Workload& operator=(const Workload&) = delete;

  // Starts the threads; throws std::logic_error if already started.
  void start();
  // Stops and joins every thread; idempotent. Rethrows the first exception a thread died of.
  void stop();

  const ScenarioInfo& scenario() const;
  WorkloadCounters counters() const;
  // Latencies since the previous call (the sampler calls it once per interval).
  IntervalLatencies take_latencies();
  // Every latency taken so far, on the thread that takes them.
  LatencyDistributions latency_distributions() const;

  // Indexes `batches` batches, then serves `queries` queries, on the calling thread, through
  // the same code paths as the threads; only while not started. Deterministic for a seed:
  // for tests and for single-threaded reproductions.
  void run_inline(std::size_t batches, std::size_t queries);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace memsoak::workload

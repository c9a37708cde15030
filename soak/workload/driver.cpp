#include "soak/workload/driver.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "harness/arena.h"
#include "harness/arena_resource.h"
#include "soak/workload/counting_resource.h"
#include "soak/workload/query_generator.h"
#include "soak/workload/result_cache.h"
#include "soak/workload/scenarios.h"
#include "soak/workload/search.h"

namespace memsoak::workload {
namespace {

using Clock = std::chrono::steady_clock;

// Result pages are stored for this many batches, and the cache has this many slots.
constexpr std::uint64_t kCachedPageMaxAgeBatches = 200;
constexpr std::size_t kCacheSlots = 4'096;

// Clients ask for pages of different sizes; every hit shown gets a snippet.
std::size_t draw_page_size(Rng& rng, std::size_t top_k) {
  const std::uint64_t draw = rng.below(10);
  return draw < 7 ? top_k : draw < 9 ? 5 * top_k : 20 * top_k;
}

const WorkloadOptions& validated(const WorkloadOptions& options) {
  const auto require = [](bool holds, const char* rule) {
    if (!holds) throw std::invalid_argument(std::string("workload options: ") + rule);
  };
  require(options.indexer_threads + options.searcher_threads > 0,
          "indexer_threads and searcher_threads are both 0, so nothing would run");
  require(options.window_documents > 0, "window_documents must be at least 1");
  require(options.documents_per_batch > 0, "documents_per_batch must be at least 1");
  require(options.huge_batch_rate >= 0 && options.huge_batch_rate <= 1,
          "huge_batch_rate must be between 0 and 1");
  require(options.huge_batch_factor > 0, "huge_batch_factor must be at least 1");
  require(!options.huge_batch_after || options.huge_batch_after->count() >= 0,
          "huge_batch_after must not be negative");
  require(options.top_k > 0, "top_k must be at least 1");
  require(options.max_batches_per_second >= 0 && options.max_queries_per_second >= 0,
          "max_batches_per_second and max_queries_per_second must not be negative");
  return options;
}

ArenaOptions arenas_drawing_from(CountingResource& chunks) {
  ArenaOptions options;
  options.upstream = &chunks;
  return options;
}

// A memory resource shared by threads: serializes every call to an unsynchronized one.
class LockedResource final : public std::pmr::memory_resource {
 public:
  explicit LockedResource(std::pmr::memory_resource* upstream) : upstream_(upstream) {}

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    const std::lock_guard lock(mutex_);
    return upstream_->allocate(bytes, alignment);
  }
  void do_deallocate(void* block, std::size_t bytes, std::size_t alignment) override {
    const std::lock_guard lock(mutex_);
    upstream_->deallocate(block, bytes, alignment);
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }

  std::mutex mutex_;
  std::pmr::memory_resource* upstream_;
};

// Spaces one thread's iterations evenly so that `threads` of them together make
// `per_second`; 0 means no pacing. A thread that falls behind does not burst to catch up.
class Pacer {
 public:
  Pacer(double per_second, unsigned threads)
      : period_(per_second > 0 ? std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(threads / per_second))
                               : Clock::duration::zero()),
        next_(Clock::now()) {}

  // Waits for the next iteration's turn, in short sleeps so that stopping is prompt.
  void wait(const std::atomic<bool>& stopping) {
    if (period_ == Clock::duration::zero()) return;
    const Clock::time_point now = Clock::now();
    next_ = std::max(next_ + period_, now);
    while (Clock::now() < next_ && !stopping.load(std::memory_order_relaxed)) {
      std::this_thread::sleep_until(std::min(next_, Clock::now() + std::chrono::milliseconds(50)));
    }
  }

 private:
  Clock::duration period_;
  Clock::time_point next_;
};

// Scratch memory for indexing batches: a fresh arena per batch, or one kept and reset.
class BatchScratch {
 public:
  BatchScratch(ScenarioBehaviour::BatchArena lifetime, CountingResource& chunks)
      : arena_options_(arenas_drawing_from(chunks)) {
    if (lifetime == ScenarioBehaviour::BatchArena::kResetBetweenBatches) {
      kept_.emplace(arena_options_);
    }
  }

  template <class Work>
  auto run(Work&& work) {
    if (!kept_) {
      Arena arena(arena_options_);
      ArenaResource resource(arena);
      return work(&resource);
    }
    ArenaResource resource(*kept_);
    auto result = work(&resource);
    kept_->reset();
    return result;
  }

 private:
  ArenaOptions arena_options_;
  std::optional<Arena> kept_;
};

// What one searcher thread keeps between queries: its query stream and its page buffer,
// which keeps its capacity (thread-cached memory that dies with the thread).
struct Searcher {
  QueryGenerator queries;
  Rng page_sizes;
  Pacer pacer;
  std::string page;
};

std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t role, std::uint64_t index,
                          std::uint64_t generation) {
  Rng mixer(seed ^ (role << 56) ^ (index << 32) ^ generation);
  return mixer.next();
}

enum Role : std::uint64_t { kIndexerRole = 1, kSearcherRole = 2, kPageSizeRole = 3 };

}  // namespace

struct Workload::State {
  State(const ScenarioInfo& scenario_in, const ScenarioBehaviour& behaviour_in,
        const WorkloadOptions& options_in);

  const CHeap& c_heap() const {
    return behaviour.c_modules_use_glibc ? CHeap::glibc_direct() : CHeap::process();
  }
  BatchOptions batch_options() const;
  Searcher make_searcher(std::uint64_t slot, std::uint64_t generation) const;

  bool scheduled_huge_batch_due();
  void index_one(DocumentGenerator& generator, BatchScratch& scratch);
  void serve_one(Searcher& searcher);
  SearchResult search_once(std::string_view query, std::size_t page_size);

  void run_indexer(unsigned slot);
  void run_searcher(unsigned slot);
  void serve(std::uint64_t slot, std::uint64_t generation, std::size_t queries);
  template <class Body>
  void guarded(Body&& body);

  const ScenarioInfo& scenario;
  const ScenarioBehaviour behaviour;
  const WorkloadOptions options;
  const Vocabulary vocabulary;
  SearchIndex index;
  std::optional<ResultCache> cache;
  CountingResource query_chunks;
  CountingResource batch_chunks;
  Arena shared_query_arena;  // used only by QueryArena::kSharedNeverDropped
  ArenaResource shared_query_arena_resource{shared_query_arena};
  LockedResource shared_query_resource{&shared_query_arena_resource};

  LatencyHistogram query_latency;
  LatencyHistogram batch_latency;
  std::atomic<std::uint64_t> documents_indexed{0};
  std::atomic<std::uint64_t> documents_deleted{0};
  std::atomic<std::uint64_t> batches_indexed{0};
  std::atomic<std::uint64_t> huge_batches{0};
  std::atomic<std::uint64_t> queries_served{0};
  std::atomic<std::uint64_t> cache_hits{0};
  std::atomic<std::uint64_t> searcher_threads_started{0};

  std::atomic<bool> stopping{false};
  bool started = false;
  Clock::time_point started_at = Clock::now();  // reset by start(); run_inline counts from here
  std::atomic<bool> scheduled_huge_batch_taken{false};
  std::vector<std::thread> threads;
  std::mutex failure_mutex;
  std::exception_ptr failure;

  // run_inline's indexer and searcher, made on first use.
  std::optional<DocumentGenerator> inline_generator;
  std::optional<BatchScratch> inline_scratch;
  std::optional<Searcher> inline_searcher;
};

Workload::State::State(const ScenarioInfo& scenario_in, const ScenarioBehaviour& behaviour_in,
                       const WorkloadOptions& options_in)
    : scenario(scenario_in),
      behaviour(behaviour_in),
      options(validated(options_in)),
      vocabulary(options_in.seed, CorpusOptions()),
      index(IndexOptions{.window_documents = options_in.window_documents,
                         .compaction_dead_share = 0.25,
                         .text_heap = &c_heap()}),
      shared_query_arena(arenas_drawing_from(query_chunks)) {
  if (behaviour.cache_result_pages) cache.emplace(kCacheSlots, kCachedPageMaxAgeBatches);
}

BatchOptions Workload::State::batch_options() const {
  return BatchOptions{.documents_per_batch = options.documents_per_batch,
                      .huge_batch_rate = options.huge_batch_rate,
                      .huge_batch_factor = options.huge_batch_factor,
                      .deletions_per_document = 0.05,
                      .deletion_horizon = options.window_documents};
}

Searcher Workload::State::make_searcher(std::uint64_t slot, std::uint64_t generation) const {
  return Searcher{.queries = QueryGenerator(
                      vocabulary, derive_seed(options.seed, kSearcherRole, slot, generation)),
                  .page_sizes = Rng(derive_seed(options.seed, kPageSizeRole, slot, generation)),
                  .pacer = Pacer(options.max_queries_per_second, options.searcher_threads),
                  .page = {}};
}

// True for exactly one batch, on whichever indexer thread first asks once the time has come.
bool Workload::State::scheduled_huge_batch_due() {
  if (!options.huge_batch_after || scheduled_huge_batch_taken.load(std::memory_order_relaxed)) {
    return false;
  }
  if (Clock::now() - started_at < *options.huge_batch_after) return false;
  return !scheduled_huge_batch_taken.exchange(true);
}

void Workload::State::index_one(DocumentGenerator& generator, BatchScratch& scratch) {
  const Batch batch = generator.next_batch(scheduled_huge_batch_due());
  const auto start = Clock::now();
  const IndexedBatch indexed = scratch.run([&](std::pmr::memory_resource* arena) {
    return index_batch(batch, index, arena, behaviour.staged_destructors);
  });
  batch_latency.record(Clock::now() - start);
  documents_indexed.fetch_add(indexed.documents, std::memory_order_relaxed);
  documents_deleted.fetch_add(indexed.deleted, std::memory_order_relaxed);
  huge_batches.fetch_add(batch.huge ? 1 : 0, std::memory_order_relaxed);
  const std::uint64_t batches = batches_indexed.fetch_add(1, std::memory_order_relaxed) + 1;
  if (cache) cache->evict_stale(batches);
}

SearchResult Workload::State::search_once(std::string_view query, std::size_t page_size) {
  const SearchOptions search_options{.top_k = page_size,
                                     .snippet_hits = page_size,
                                     .snippet_context_words = 8,
                                     .snippet_heap = &c_heap(),
                                     .bm25 = {}};
  if (behaviour.query_arena == ScenarioBehaviour::QueryArena::kSharedNeverDropped) {
    return search(index, query, &shared_query_resource, search_options);
  }
  Arena arena(arenas_drawing_from(query_chunks));
  ArenaResource resource(arena);
  return search(index, query, &resource, search_options);
}

void Workload::State::serve_one(Searcher& searcher) {
  const std::string query = searcher.queries.next();
  const std::size_t page_size = draw_page_size(searcher.page_sizes, options.top_k);
  const auto start = Clock::now();
  const std::uint64_t generation = batches_indexed.load(std::memory_order_relaxed);
  if (cache && cache->lookup(query, generation, searcher.page)) {
    cache_hits.fetch_add(1, std::memory_order_relaxed);
  } else {
    render_page(search_once(query, page_size), searcher.page);
    if (cache) cache->store(query, searcher.page, generation);
  }
  query_latency.record(Clock::now() - start);
  queries_served.fetch_add(1, std::memory_order_relaxed);
}

template <class Body>
void Workload::State::guarded(Body&& body) {
  try {
    body();
  } catch (...) {
    const std::lock_guard lock(failure_mutex);
    if (!failure) failure = std::current_exception();
    stopping.store(true);
  }
}

void Workload::State::run_indexer(unsigned slot) {
  DocumentGenerator generator(vocabulary, derive_seed(options.seed, kIndexerRole, slot, 0),
                              batch_options());
  BatchScratch scratch(behaviour.batch_arena, batch_chunks);
  Pacer pacer(options.max_batches_per_second, options.indexer_threads);
  while (!stopping.load(std::memory_order_relaxed)) {
    index_one(generator, scratch);
    pacer.wait(stopping);
  }
}

void Workload::State::serve(std::uint64_t slot, std::uint64_t generation, std::size_t queries) {
  Searcher searcher = make_searcher(slot, generation);
  searcher_threads_started.fetch_add(1, std::memory_order_relaxed);
  for (std::size_t served = 0; served < queries && !stopping.load(std::memory_order_relaxed);
       ++served) {
    serve_one(searcher);
    searcher.pacer.wait(stopping);
  }
}

void Workload::State::run_searcher(unsigned slot) {
  const std::size_t per_thread = behaviour.queries_per_searcher_thread;
  if (per_thread == 0) {
    serve(slot, 0, SIZE_MAX);
    return;
  }
  // Thread churn: this supervisor replaces its worker each time the worker has served its
  // share, so threads (and the allocator's per-thread caches) come and go all run long.
  for (std::uint64_t generation = 0; !stopping.load(std::memory_order_relaxed); ++generation) {
    std::thread worker([&] { guarded([&] { serve(slot, generation, per_thread); }); });
    worker.join();
  }
}

Workload::Workload(const ScenarioInfo& scenario, const WorkloadOptions& options)
    : state_(std::make_unique<State>(scenario, scenario.behaviour, options)) {}

Workload::~Workload() {
  try {
    stop();
  } catch (...) {  // a destructor cannot report it; stop() is where callers see failures
  }
}

void Workload::start() {
  if (state_->started) throw std::logic_error("Workload::start: already started");
  state_->started = true;
  state_->started_at = Clock::now();
  for (unsigned slot = 0; slot < state_->options.indexer_threads; ++slot) {
    state_->threads.emplace_back(
        [this, slot] { state_->guarded([&] { state_->run_indexer(slot); }); });
  }
  for (unsigned slot = 0; slot < state_->options.searcher_threads; ++slot) {
    state_->threads.emplace_back(
        [this, slot] { state_->guarded([&] { state_->run_searcher(slot); }); });
  }
}

void Workload::stop() {
  state_->stopping.store(true);
  for (std::thread& thread : state_->threads) {
    if (thread.joinable()) thread.join();
  }
  std::exception_ptr failure;
  {
    const std::lock_guard lock(state_->failure_mutex);
    failure = std::exchange(state_->failure, nullptr);
  }
  if (failure) std::rethrow_exception(failure);
}

const ScenarioInfo& Workload::scenario() const { return state_->scenario; }

WorkloadCounters Workload::counters() const {
  const State& s = *state_;
  constexpr auto relaxed = std::memory_order_relaxed;
  return WorkloadCounters{
      .documents_indexed = s.documents_indexed.load(relaxed),
      .documents_deleted = s.documents_deleted.load(relaxed),
      .batches_indexed = s.batches_indexed.load(relaxed),
      .huge_batches = s.huge_batches.load(relaxed),
      .queries_served = s.queries_served.load(relaxed),
      .cache_hits = s.cache_hits.load(relaxed),
      .searcher_threads_started = s.searcher_threads_started.load(relaxed),
      .query_arena_bytes = s.query_chunks.bytes_held(),
      .batch_arena_bytes = s.batch_chunks.bytes_held(),
      .glibc_direct_bytes =
          s.behaviour.c_modules_use_glibc ? CHeap::glibc_direct().live_bytes() : 0,
  };
}

IntervalLatencies Workload::take_latencies() {
  return IntervalLatencies{.queries = state_->query_latency.take(),
                           .batches = state_->batch_latency.take()};
}

LatencyDistributions Workload::latency_distributions() const {
  return LatencyDistributions{.queries = state_->query_latency.distribution(),
                              .batches = state_->batch_latency.distribution()};
}

void Workload::run_inline(std::size_t batches, std::size_t queries) {
  State& s = *state_;
  if (s.started) throw std::logic_error("Workload::run_inline: the threads are running");
  if (!s.inline_generator) {
    s.inline_generator.emplace(s.vocabulary, derive_seed(s.options.seed, kIndexerRole, 0, 0),
                               s.batch_options());
    s.inline_scratch.emplace(s.behaviour.batch_arena, s.batch_chunks);
    s.inline_searcher.emplace(s.make_searcher(0, 0));
  }
  for (std::size_t i = 0; i < batches; ++i) s.index_one(*s.inline_generator, *s.inline_scratch);
  for (std::size_t i = 0; i < queries; ++i) s.serve_one(*s.inline_searcher);
}

}  // namespace memsoak::workload

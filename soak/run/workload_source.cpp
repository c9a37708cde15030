#include "soak/run/workload_source.h"

#include <stdexcept>

#include "soak/workload/driver.h"
#include "soak/workload/scenarios.h"

namespace memsoak {
namespace {

using workload::IntervalLatencies;
using workload::LatencySummary;
using workload::WorkloadCounters;
using workload::WorkloadOptions;

// Indexed documents, in document windows, after which the index is in its steady state.
constexpr double kSteadyWindowFills = 1.5;

nlohmann::json microseconds(std::chrono::nanoseconds latency) {
  return std::chrono::duration<double, std::micro>(latency).count();
}

nlohmann::json percentiles(const LatencySummary& summary) {
  return {{"p50", microseconds(summary.p50)},
          {"p99", microseconds(summary.p99)},
          {"p999", microseconds(summary.p999)},
          {"max", microseconds(summary.max)},
          {"count", summary.count}};
}

nlohmann::json histogram(const std::vector<workload::LatencyBucket>& buckets) {
  nlohmann::json pairs = nlohmann::json::array();
  for (const workload::LatencyBucket& bucket : buckets) {
    pairs.push_back({microseconds(bucket.upper_bound), bucket.count});
  }
  return pairs;
}

WorkloadOptions workload_options(WorkloadSettings settings) {
  if (settings.threads < 2) {
    throw std::invalid_argument("a workload needs at least 2 threads: one indexer, one searcher");
  }
  WorkloadOptions options;
  options.seed = settings.seed;
  options.indexer_threads = 1;
  options.searcher_threads = settings.threads - 1;
  if (settings.window_documents) options.window_documents = *settings.window_documents;
  if (settings.huge_batch_rate) options.huge_batch_rate = *settings.huge_batch_rate;
  if (settings.huge_batch_at_s) {
    options.huge_batch_after = std::chrono::duration<double>(*settings.huge_batch_at_s);
  }
  return options;
}

}  // namespace

WorkloadSource::WorkloadSource(const workload::ScenarioInfo& scenario, WorkloadSettings settings)
    : workload_(std::make_unique<workload::Workload>(scenario, workload_options(settings))),
      steady_documents_(kSteadyWindowFills *
                        static_cast<double>(workload_options(settings).window_documents)) {}

WorkloadSource::~WorkloadSource() = default;

void WorkloadSource::start() { workload_->start(); }

void WorkloadSource::stop() { workload_->stop(); }

bool WorkloadSource::steady() const {
  steady_ =
      steady_ || static_cast<double>(workload_->counters().documents_indexed) >= steady_documents_;
  return steady_;
}

WorkCounters WorkloadSource::work() {
  const WorkloadCounters counters = workload_->counters();
  return WorkCounters{{kQueriesCounter, static_cast<double>(counters.queries_served)},
                      {kDocsCounter, static_cast<double>(counters.documents_indexed)}};
}

nlohmann::json WorkloadSource::take_interval_extra() {
  const WorkloadCounters counters = workload_->counters();
  const IntervalLatencies latencies = workload_->take_latencies();
  return {
      {"arena",
       {{"query_arena_bytes", counters.query_arena_bytes},
        {"batch_arena_bytes", counters.batch_arena_bytes}}},
      {"latency_us",
       {{"query", percentiles(latencies.queries)}, {"batch", percentiles(latencies.batches)}}},
      {"workload",
       {{"batches", counters.batches_indexed},
        {"huge_batches", counters.huge_batches},
        {"documents_deleted", counters.documents_deleted},
        {"cache_hits", counters.cache_hits},
        {"searcher_threads_started", counters.searcher_threads_started},
        {"glibc_direct_bytes", counters.glibc_direct_bytes}}},
  };
}

nlohmann::json WorkloadSource::latency_histograms() const {
  const workload::LatencyDistributions latencies = workload_->latency_distributions();
  return {{"query", histogram(latencies.queries)}, {"batch", histogram(latencies.batches)}};
}

}  // namespace memsoak

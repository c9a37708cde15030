// A scenario's workload (soak/workload/scenarios.h) as the soak runner drives and samples it: made
// from the scenario's name, started and stopped, read as queries served and documents
// indexed (the work counters); steady once 1.5 document windows were indexed (evictions start
// after one, and compaction of the tombstoned postings settles the index by then); per sample the
// arenas' chunk bytes ("arena"), the interval's query and batch latency percentiles in microseconds
// ("latency_us"), and the workload's other counters and gauges ("workload").
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "harness/work_source.h"

namespace memsoak {

// The work counters of the search-engine workload, the units --max-growth may name ("query",
// "doc") besides "op", their sum.
inline constexpr const char* kQueriesCounter = "queries";
inline constexpr const char* kDocsCounter = "docs";

namespace workload {
class Workload;
struct ScenarioInfo;
}  // namespace workload

struct WorkloadSettings {
  std::uint64_t seed = 1;
  unsigned threads = 2;                         // one indexer, the others searchers; at least 2
  std::optional<std::size_t> window_documents;  // empty: the workload's default
  std::optional<double> huge_batch_rate;        // likewise
  std::optional<double> huge_batch_at_s;        // one huge batch this long after start()
};

class WorkloadSource final : public WorkSource {
 public:
  // Throws std::invalid_argument for settings the workload refuses. `scenario` must outlive it
  // (the entries of workload::scenarios() do).
  WorkloadSource(const workload::ScenarioInfo& scenario, WorkloadSettings settings);
  ~WorkloadSource() override;
  WorkloadSource(const WorkloadSource&) = delete;
  WorkloadSource& operator=(const WorkloadSource&) = delete;

  void start();
  void stop();  // joins the threads; rethrows the first exception one died of

  WorkCounters work() override;
  bool steady() const override;
  nlohmann::json take_interval_extra() override;
  // The run's latency distributions so far, for the series' end record: by kind ("query",
  // "batch"), [upper bound in microseconds, count] pairs of the non-empty buckets, in order.
  // On the sampler's thread.
  nlohmann::json latency_histograms() const;

 private:
  std::unique_ptr<workload::Workload> workload_;
  double steady_documents_;
  mutable bool steady_ = false;
};

}  // namespace memsoak

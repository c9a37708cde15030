// Throughput of the soak workload (the `healthy` scenario: an indexer and a searcher thread)
// with and without the soak runner's sampler, side by side in one process: the sampler's
// overhead is the difference of the two ops/s medians; and the CPU cost of one sample. Each
// repetition measures `kPeriod` of wall time; the sampler variant runs the real sampling loop
// (statm, smaps_rollup every tenth sample, allocator statistics, latency percentiles, a series line
// to /dev/null, the detector) on the benchmark thread, which otherwise sleeps. The detector's store
// is filled first, so its evaluations cost what they cost in a long run. Run it under each
// allocator with bench/run_workload_bench.sh.
#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>
#include <thread>

#include "harness/detector.h"
#include "harness/sampler.h"
#include "harness/series.h"
#include "soak/run/loop.h"
#include "soak/run/workload_source.h"
#include "soak/workload/scenarios.h"

namespace memsoak {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPeriod = std::chrono::seconds(2);
constexpr std::size_t kPrefillSamples = 300;  // past the detector's 256-point store

// One workload and one sampling loop for the whole program, started on first use, so that
// both variants measure the same warmed-up engine.
struct Soak {
  Soak()
      : workload(workload::find_scenario("healthy"), WorkloadSettings{}),
        sampler(workload, memory, 10),
        series("/dev/null") {
    workload.start();
    for (std::size_t i = 0; i < kPrefillSamples; ++i) loop.step(next_t_s());
  }
  double next_t_s() { return t_s += 0.1; }

  WorkloadSource workload;
  ThisProcessMemory memory;
  Sampler sampler;
  SeriesWriter series;
  Detector detector;
  SoakLoop loop{sampler, series, detector, LoopSchedule{}};
  double t_s = 0;
};

Soak& soak() {
  static Soak instance;
  return instance;
}

double ops(const WorkCounters& work) { return total_work(work); }

void BM_Workload(benchmark::State& state) {
  Soak& run = soak();
  const auto interval = std::chrono::milliseconds(state.range(0));
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the loop idiom
    const double ops_before = ops(run.workload.work());
    const Clock::time_point end = Clock::now() + kPeriod;
    if (interval.count() == 0) {
      std::this_thread::sleep_until(end);
    } else {
      for (Clock::time_point next = Clock::now(); next < end; next += interval) {
        std::this_thread::sleep_until(next);
        run.loop.step(run.next_t_s());
      }
      std::this_thread::sleep_until(end);
    }
    state.counters["ops_per_s"] =
        benchmark::Counter(ops(run.workload.work()) - ops_before, benchmark::Counter::kIsRate);
  }
}
// Argument: the sampling interval in ms (0: no sampler). 100 ms is the default interval of
// runs up to a minute; longer runs sample less often.
BENCHMARK(BM_Workload)
    ->ArgName("sample_interval_ms")
    ->Arg(0)
    ->Arg(100)
    ->Arg(1000)
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// The cost of one sample on its own (CPU time of the sampling thread, the workload running):
// at N samples per second the sampler takes N times this of the machine's CPU time, a figure
// that stays readable when other load on the machine drowns the throughput difference.
void BM_SamplerStep(benchmark::State& state) {
  Soak& run = soak();
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the loop idiom
    run.loop.step(run.next_t_s());
  }
}
// A fixed count: under glibc one sample costs milliseconds (mallinfo2 walks the free lists).
BENCHMARK(BM_SamplerStep)->Iterations(200)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace memsoak

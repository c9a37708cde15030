// The soak runner's own memory must not grow with the number of samples it takes, however
// long the run: the loop (sampler, series writer, detector) is driven in-process for tens of
// thousands of samples against a fake workload, and the allocator's live bytes are compared
// between an early and a late point. And the same loop must stop a run as soon as a leak is
// proven.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/allocator_stats.h"
#include "harness/detector.h"
#include "harness/sampler.h"
#include "harness/series.h"
#include "harness/thread_cpu.h"
#include "soak/run/loop.h"

namespace memsoak {
namespace {

// Work that advances by a fixed amount per sample and, optionally, leaks per operation and
// costs the sampler CPU time per sample (as mallinfo2 does on a large glibc heap).
class FakeWork final : public WorkSource {
 public:
  explicit FakeWork(std::size_t leaked_bytes_per_op = 0, double cpu_per_sample_s = 0)
      : leak_per_op_(leaked_bytes_per_op), cpu_per_sample_s_(cpu_per_sample_s) {}

  WorkCounters work() override { return {{"queries", queries_}}; }
  bool steady() const override { return true; }
  nlohmann::json take_interval_extra() override {
    for (const double start_s = thread_cpu_seconds();
         thread_cpu_seconds() - start_s < cpu_per_sample_s_;) {
    }
    queries_ += kOpsPerSample;
    if (leak_per_op_ > 0) leaked_.emplace_back(leak_per_op_ * kOpsPerSample, 'x');
    return {{"latency_us", {{"query", {{"p50", 1.0}, {"p99", 2.0}, {"count", kOpsPerSample}}}}}};
  }

 private:
  static constexpr std::uint64_t kOpsPerSample = 100;
  std::size_t leak_per_op_;
  double cpu_per_sample_s_;
  double queries_ = 0;
  std::vector<std::string> leaked_;
};

double live_bytes() { return read_allocator_stats().live_bytes.value(); }

DetectorOptions judging_from_the_first_sample() {
  DetectorOptions options;
  options.warmup_s = 0;
  return options;
}

struct LoopUnderTest {
  explicit LoopUnderTest(WorkSource& work)
      : path(std::filesystem::temp_directory_path() /
             ("memsoak_runner_footprint_" + std::to_string(::getpid()) + ".jsonl")),
        sampler(work, memory, 10),
        series(path.string()),
        detector(judging_from_the_first_sample()),
        loop(sampler, series, detector, LoopSchedule{}) {}
  ~LoopUnderTest() { std::filesystem::remove(path); }

  std::filesystem::path path;
  ThisProcessMemory memory;
  Sampler sampler;
  SeriesWriter series;
  Detector detector;
  SoakLoop loop;
};

constexpr double kSampleInterval_s = 1;

TEST(RunnerFootprint, DoesNotGrowWithTheNumberOfSamples) {
  FakeWork work;
  LoopUnderTest run(work);
  std::size_t sample = 0;
  // The verdict is not the subject here: with a live set this small, the runner's own start-up
  // allocations (the detector filling its store) are all there is to judge.
  const auto take = [&](std::size_t count) {
    for (const std::size_t end = sample + count; sample < end; ++sample) {
      run.loop.step(static_cast<double>(sample) * kSampleInterval_s);
    }
  };
  // Past the point where the detector's store is full and starts merging points.
  take(2'000);
  const double early = live_bytes();
  take(30'000);
  const double late = live_bytes();
  RecordProperty("live_bytes_after_2k_samples", std::to_string(early));
  RecordProperty("live_bytes_after_32k_samples", std::to_string(late));
  EXPECT_LT(late - early, 64.0 * 1024) << "the runner kept memory per sample: " << early
                                       << " bytes live after 2k samples, " << late << " after 32k";
  EXPECT_GT(std::filesystem::file_size(run.path), 32'000U * 100) << "every sample was written";
}

TEST(RunnerFootprint, StopsAsSoonAsALeakIsProven) {
  FakeWork work(/*leaked_bytes_per_op=*/1024);
  LoopUnderTest run(work);
  std::optional<std::string> stop;
  std::size_t sample = 0;
  for (; sample < 2'000 && !stop; ++sample) {
    stop = run.loop.step(static_cast<double>(sample) * kSampleInterval_s);
  }
  ASSERT_EQ(stop, std::optional<std::string>("leak"));
  EXPECT_LT(sample, 200U) << "a 100 KiB-per-sample leak took " << sample << " samples to prove";
  const Verdict& verdict = run.detector.check();
  EXPECT_TRUE(verdict.fail);
  EXPECT_GT(verdict.bytes_per_work.lower, 512);
  EXPECT_LT(verdict.bytes_per_work.lower, 1024 * 1.5);
}

TEST(RunnerFootprint, CountsTheCpuTimeItsSamplesTake) {
  FakeWork work(/*leaked_bytes_per_op=*/0, /*cpu_per_sample_s=*/0.002);
  LoopUnderTest run(work);
  for (std::size_t sample = 0; sample < 50; ++sample) {
    run.loop.step(static_cast<double>(sample) * kSampleInterval_s);
  }
  EXPECT_GE(run.loop.sampler_cpu_s(), 50 * 0.002);
  EXPECT_LT(run.loop.sampler_cpu_s(), 50 * 0.002 + 1.0);
}

}  // namespace
}  // namespace memsoak

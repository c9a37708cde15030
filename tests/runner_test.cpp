// The pieces of `memsoak run` that decide what a run does before any work starts: its flags
// and defaults, the shared detector flags, the command that reproduces a run, the output
// directory it claims, the status line it prints, and the stop signals it waits for.
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "soak/cli/run_flags.h"
#include "soak/run/options.h"
#include "soak/run/out_dir.h"
#include "soak/run/status_line.h"
#include "soak/run/stop_signals.h"
#include "soak/workload/scenarios.h"

namespace memsoak {
namespace {

// Parses `memsoak run ARGS...` into options, as the real binary does.
struct ParsedRun {
  explicit ParsedRun(std::vector<std::string> args) {
    command = app.add_subcommand("run");
    add_run_flags(*command, flags);
    args.insert(args.begin(), "run");
    std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector
    app.parse(args);
    options = parsed_run_options(flags, "memsoak", *command);
  }
  CLI::App app{"memsoak", "memsoak"};
  CLI::App* command = nullptr;
  RunFlags flags;
  RunOptions options;
};

WorkloadSettings workload_settings(const RunOptions& options) {
  return memsoak::workload_settings(options, workload::find_scenario(options.scenario));
}

double purge_every_s(const RunOptions& options) {
  return memsoak::purge_every_s(options, workload::find_scenario(options.scenario));
}

TEST(RunOptions, DefaultsRunAMinuteOfTheHealthyScenario) {
  const ParsedRun run({});
  EXPECT_EQ(run.options.scenario, "healthy");
  EXPECT_EQ(run.options.allocator, "system");
  EXPECT_DOUBLE_EQ(run.options.duration_s, 60);
  EXPECT_DOUBLE_EQ(sample_interval_s(run.options), 0.1);
  EXPECT_DOUBLE_EQ(detector_options(run.options).warmup_s, 12);  // 20% of the minute
}

TEST(RunOptions, TimingScalesWithTheDuration) {
  const ParsedRun day({"--duration", "72h"});
  EXPECT_DOUBLE_EQ(sample_interval_s(day.options), 10);
  EXPECT_DOUBLE_EQ(detector_options(day.options).warmup_s, 300);
  const ParsedRun ten_minutes({"--duration", "10m", "--warmup", "30s"});
  EXPECT_DOUBLE_EQ(sample_interval_s(ten_minutes.options), 1);
  EXPECT_DOUBLE_EQ(detector_options(ten_minutes.options).warmup_s, 30);
}

TEST(RunOptions, ResetReuseSchedulesItsOneHugeBatchAtHalfTheRun) {
  const ParsedRun reset_reuse({"--scenario", "reset-reuse", "--duration", "40s"});
  const WorkloadSettings scheduled = workload_settings(reset_reuse.options);
  EXPECT_EQ(scheduled.huge_batch_at_s, 20);
  EXPECT_EQ(scheduled.huge_batch_rate, 0);
  const ParsedRun moved(
      {"--scenario", "reset-reuse", "--huge-batch-at", "5s", "--huge-batch-rate", "0.01"});
  EXPECT_EQ(workload_settings(moved.options).huge_batch_at_s, 5);
  EXPECT_EQ(workload_settings(moved.options).huge_batch_rate, 0.01);
  const ParsedRun healthy({});
  EXPECT_FALSE(workload_settings(healthy.options).huge_batch_at_s);
  EXPECT_FALSE(workload_settings(healthy.options).huge_batch_rate);
}

TEST(RunOptions, FragmentationPurgesByDefaultAndTheFlagDecides) {
  EXPECT_DOUBLE_EQ(purge_every_s(ParsedRun({}).options), 0);
  const ParsedRun fragmentation({"--scenario", "fragmentation", "--duration", "40s"});
  EXPECT_DOUBLE_EQ(purge_every_s(fragmentation.options), 5);  // an eighth of the run
  EXPECT_DOUBLE_EQ(
      purge_every_s(ParsedRun({"--scenario", "fragmentation", "--duration", "5s"}).options), 2);
  EXPECT_DOUBLE_EQ(
      purge_every_s(ParsedRun({"--scenario", "fragmentation", "--duration", "72h"}).options), 300);
  EXPECT_DOUBLE_EQ(
      purge_every_s(ParsedRun({"--scenario", "fragmentation", "--purge-every", "0s"}).options), 0);
  EXPECT_DOUBLE_EQ(purge_every_s(ParsedRun({"--purge-every", "30s"}).options), 30);
  EXPECT_EQ(workload_settings(fragmentation.options).huge_batch_at_s, 20);
}

TEST(RunOptions, BadValuesAreUsageErrorsNamingTheFlag) {
  EXPECT_THROW(ParsedRun({"--duration", "ten"}), CLI::ValidationError);
  EXPECT_THROW(ParsedRun({"--duration", "0s"}), CLI::ValidationError);
  EXPECT_THROW(ParsedRun({"--threads", "1"}), CLI::ValidationError);
  EXPECT_THROW(ParsedRun({"--max-growth", "12"}), CLI::ValidationError);
  EXPECT_THROW(ParsedRun({"--fail-on", "leak,oops"}), CLI::ValidationError);
  EXPECT_THROW(ParsedRun({"--capacity", "255"}), CLI::ValidationError);
}

TEST(DetectorFlags, GrowthRatesSetTheWorkUnitOrTheTimeThreshold) {
  const ParsedRun run({"--max-growth", "64B/query", "--max-growth", "1MiB/h", "--rss-bound", "3x",
                       "--fail-on", "leak,high-water"});
  const DetectorOptions options = detector_options(run.options);
  EXPECT_EQ(options.work_unit, "query");
  EXPECT_DOUBLE_EQ(options.max_bytes_per_work, 64);
  EXPECT_DOUBLE_EQ(options.max_bytes_per_second, 1024.0 * 1024 / 3600);
  ASSERT_TRUE(options.rss_bound);
  EXPECT_TRUE(options.rss_bound->live_multiple);
  EXPECT_EQ(options.fail_on, (std::set<Shape>{Shape::kLeak, Shape::kHighWater}));
}

TEST(ReproduceCommand, NamesSeedAllocatorAndEveryGivenFlagButTheOutDir) {
  const ParsedRun run({"--scenario", "shared-arena", "--allocator", "jemalloc", "--out", "x",
                       "--max-growth", "1B/query", "--warmup", "5s"});
  EXPECT_EQ(reproduce_command("./memsoak", run.options, *run.command),
            "./memsoak run --scenario shared-arena --allocator jemalloc --seed 1 --duration 60s "
            "--max-growth 1B/query --warmup 5s");
}

TEST(ReproduceCommand, QuotesWhatTheShellWouldSplit) {
  const ParsedRun run({"--seed", "7", "--duration", "90s", "--out", "a b"});
  EXPECT_EQ(reproduce_command("/opt/my tools/memsoak", run.options, *run.command),
            "'/opt/my tools/memsoak' run --scenario healthy --allocator system --seed 7 "
            "--duration 90s");
}

class OutDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("memsoak_out_dir_test_" + std::to_string(::getpid()));
    std::filesystem::remove_all(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::filesystem::path root_;
};

TEST_F(OutDirTest, DefaultNamesAreNeverReused) {
  const ClaimedRunDir first = claim_run_dir(std::nullopt, root_ / "healthy-system-1");
  const ClaimedRunDir second = claim_run_dir(std::nullopt, root_ / "healthy-system-1");
  EXPECT_EQ(first.dir, root_ / "healthy-system-1");
  EXPECT_EQ(second.dir, root_ / "healthy-system-1-2");
}

TEST_F(OutDirTest, AGivenDirectoryHoldingARunIsRefused) {
  const std::filesystem::path given = root_ / "mine";
  EXPECT_EQ(claim_run_dir(given, root_ / "unused").dir, given);
  EXPECT_TRUE(std::filesystem::exists(given / run_dir::kSeries));
  EXPECT_THROW(claim_run_dir(given, root_ / "unused"), OutDirTaken);
}

// Two runs started at once with one --out: exactly one may write there.
TEST_F(OutDirTest, OfRunsRacingForOneDirectoryExactlyOneWins) {
  const std::filesystem::path given = root_ / "contested";
  constexpr int kRacers = 8;
  std::atomic<int> winners = 0;
  std::atomic<int> refused = 0;
  std::vector<std::thread> racers;
  for (int i = 0; i < kRacers; ++i) {
    racers.emplace_back([&] {
      try {
        claim_run_dir(given, root_ / "unused");
        ++winners;
      } catch (const OutDirTaken&) {
        ++refused;
      }
    });
  }
  for (std::thread& racer : racers) racer.join();
  EXPECT_EQ(winners, 1);
  EXPECT_EQ(refused, kRacers - 1);
}

TEST_F(OutDirTest, AFileInTheWayOrAnEmptyNameIsUnusableNotInternal) {
  std::filesystem::create_directories(root_);
  std::ofstream(root_ / "a-file") << "x";
  EXPECT_THROW(claim_run_dir(root_ / "a-file", root_ / "unused"), OutDirUnusable);
  EXPECT_THROW(claim_run_dir(std::filesystem::path(), root_ / "unused"), OutDirUnusable);
}

TEST(StatusLine, ShowsThroughputMemoryAndTheSlopeSoFar) {
  Verdict verdict;
  verdict.shape = Shape::kBounded;
  verdict.work_unit = "op";
  verdict.bytes_per_work = Interval{1.5, -2, 5};
  const Progress progress{.elapsed_s = 30,
                          .duration_s = 600,
                          .ops = 1000,
                          .rss_bytes = 100 * 1024 * 1024,
                          .live_bytes = 80 * 1024 * 1024};
  EXPECT_EQ(StatusLine::format(progress, 2500, verdict),
            "[30.0s / 10m00s] 2500 ops/s  RSS 100.00 MiB  live 80.00 MiB  slope 1.5 B/op [-2, 5]"
            "  bounded");
}

TEST(StatusLine, LogsOnceAnIntervalWithoutATerminal) {
  char* text = nullptr;
  std::size_t size = 0;
  std::FILE* out = open_memstream(&text, &size);
  {
    StatusLine status(out, /*in_place=*/false, /*every_s=*/60);
    const Verdict verdict;
    for (int second = 0; second <= 180; ++second) {
      status.update(Progress{.elapsed_s = static_cast<double>(second),
                             .duration_s = 600,
                             .ops = 100.0 * second,
                             .rss_bytes = 1e6,
                             .live_bytes = std::nullopt},
                    verdict);
    }
    status.close();
  }
  std::fclose(out);
  const std::string log(text, size);
  std::free(text);
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 3) << log;
  EXPECT_NE(log.find("100 ops/s"), std::string::npos) << log;
}

TEST(StopSignals, ASignalEndsTheWait) {
  StopSignals signals;
  ASSERT_EQ(::raise(SIGTERM), 0);  // pending: blocked in this thread
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  EXPECT_EQ(signals.wait_until(deadline), SIGTERM);
  EXPECT_LT(std::chrono::steady_clock::now(), deadline);
}

TEST(StopSignals, SignalsRepeatedDuringShutdownAreDiscardedNotDelivered) {
  sigset_t before;
  pthread_sigmask(SIG_SETMASK, nullptr, &before);
  {
    StopSignals signals;
    ASSERT_EQ(::raise(SIGHUP), 0);
    EXPECT_EQ(signals.wait_until(std::chrono::steady_clock::now() + std::chrono::seconds(10)),
              SIGHUP);
    // The stop was taken; `timeout` or a container runtime sends its signal again while the
    // run writes its verdict.
    ASSERT_EQ(::raise(SIGTERM), 0);
    ASSERT_EQ(::raise(SIGINT), 0);
  }
  sigset_t pending;
  sigpending(&pending);
  EXPECT_FALSE(sigismember(&pending, SIGTERM));  // and this process is still alive to check
  EXPECT_FALSE(sigismember(&pending, SIGINT));
  pthread_sigmask(SIG_SETMASK, &before, nullptr);
}

// The process exits after the stop, and LeakSanitizer makes that exit long: a repeat that
// comes after the destructor must still not kill it (the run's exit code would be lost).
TEST(StopSignals, AfterAStopTheSignalsStayBlockedUntilTheProcessExits) {
  sigset_t before;
  pthread_sigmask(SIG_SETMASK, nullptr, &before);
  {
    StopSignals signals;
    ASSERT_EQ(::raise(SIGTERM), 0);
    ASSERT_EQ(signals.wait_until(std::chrono::steady_clock::now() + std::chrono::seconds(10)),
              SIGTERM);
  }
  ASSERT_EQ(::raise(SIGHUP), 0);
  sigset_t pending;
  sigpending(&pending);
  EXPECT_TRUE(sigismember(&pending, SIGHUP));  // held, not delivered
  sigset_t hangup;
  sigemptyset(&hangup);
  sigaddset(&hangup, SIGHUP);
  const timespec now{0, 0};
  EXPECT_EQ(sigtimedwait(&hangup, nullptr, &now), SIGHUP);
  pthread_sigmask(SIG_SETMASK, &before, nullptr);
}

TEST(StopSignals, WithoutAStopThePreviousMaskIsRestored) {
  sigset_t before;
  pthread_sigmask(SIG_SETMASK, nullptr, &before);
  { StopSignals signals; }
  sigset_t after;
  pthread_sigmask(SIG_SETMASK, nullptr, &after);
  for (const int signal : {SIGINT, SIGTERM, SIGHUP}) {
    EXPECT_EQ(sigismember(&after, signal), sigismember(&before, signal)) << signal;
  }
}

TEST(StopSignals, WithoutASignalTheWaitLastsUntilTheDeadline) {
  StopSignals signals;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(signals.wait_until(start + std::chrono::milliseconds(50)), std::nullopt);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50));
}

}  // namespace
}  // namespace memsoak

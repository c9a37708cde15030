// memsoak run as a hostile or careless user would: limits hit from the first sample, signals
// repeated during shutdown, input that is not a series, settings out of range, a full disk, a
// hung gnuplot, output nobody can read. Every case must end with the exit code the README
// promises, a message that says what and where, and nothing already written lost.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness/run_dir.h"
#include "harness/series.h"
#include "harness/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/text.h"

namespace memsoak {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::contains;
using testing::read_file;
using testing::TempDir;

CapturedRun memsoak(std::vector<std::string> args, std::vector<std::string> environment = {}) {
  args.insert(args.begin(), MEMSOAK_BINARY);
  return run_capturing(args, environment, std::chrono::minutes(2));
}

// `memsoak ARGS...` under sh, for a resource limit or a redirection set before it starts.
CapturedRun memsoak_under_shell(const std::string& setup, const std::string& args) {
  return run_capturing(
      std::vector<std::string>{"/bin/sh", "-c",
                               setup + "; exec " + std::string(MEMSOAK_BINARY) + " " + args},
      std::vector<std::string>{}, std::chrono::minutes(2));
}

// A series a tool other than memsoak could have written: `samples` samples of a steady 50 MB
// live set at 1000 queries/s, the header recording `detector` settings.
void write_series(const fs::path& dir, const std::string& detector = "{}", int samples = 200) {
  std::ofstream out(dir / run_dir::kSeries);
  out << R"({"type":"header","format":"memsoak-series","version":1,"scenario":"synthetic",)"
      << R"("allocator":"system","seed":3,"command":"memsoak run --seed 3","detector":)" << detector
      << "}\n";
  for (int step = 0; step < samples; ++step) {
    const double t_s = 0.1 * step;
    const double live = 50e6 + 1e5 * (step % 7);
    out << R"({"type":"sample","t_s":)" << t_s << R"(,"work":{"queries":)" << 100 * step
        << R"(},"rss_bytes":)" << live * 1.2 << R"(,"allocator":{"live_bytes":)" << live << "}}\n";
  }
}

json read_json(const fs::path& path) { return json::parse(read_file(path)); }

// ---- the RSS bound ---------------------------------------------------------------------------

TEST(RssBound, HoldsFromTheFirstSampleAndFailsTheRunThere) {
  // A window this large is never filled: without the fix the run was judged on nothing and
  // ended undecided (exit 2) at 281 MiB.
  const TempDir dir;
  const CapturedRun run =
      memsoak({"run", "--scenario", "healthy", "--duration", "12s", "--window-docs", "1000000",
               "--rss-bound", "10MiB", "--out", (dir.path() / "run").string()});
  EXPECT_EQ(run.exit_code, 1) << run.stdout_text << run.stderr_text;
  const json verdict = read_json(dir.path() / "run" / run_dir::kVerdict);
  EXPECT_EQ(verdict["run"]["end_reason"], "bound");
  ASSERT_TRUE(verdict["bound"]["exceeded"].get<bool>()) << verdict.dump(2);
  // The first sample already holds more than 10 MiB: it is the one the verdict names.
  EXPECT_LT(verdict["bound"]["exceeded_at"]["t_s"].get<double>(), 0.5) << verdict.dump(2);
  EXPECT_LT(verdict["run"]["elapsed_s"].get<double>(), 5) << verdict.dump(2);
}

// ---- signals -----------------------------------------------------------------------------------

// A memsoak run in the background, its output in files, for signals to be sent to it.
class BackgroundRun {
 public:
  BackgroundRun(const fs::path& out, std::vector<std::string> args) : out_(out) {
    args.insert(args.begin(), MEMSOAK_BINARY);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, (out.string() + ".out").c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, (out.string() + ".err").c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    const int error = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) throw std::runtime_error("cannot start memsoak");
  }

  // Until the series holds a sample: the run is then in its loop.
  bool wait_for_samples() const {
    for (int i = 0; i < 300; ++i) {
      if (contains(read_file(out_ / run_dir::kSeries), R"("type":"sample")")) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  void signal(int number) const { ::kill(pid_, number); }

  int wait() const {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
  }

 private:
  fs::path out_;
  pid_t pid_ = 0;
};

void expect_a_clean_stop(int signal_number, int repeat) {
  const TempDir dir;
  const fs::path out = dir.path() / "run";
  const BackgroundRun run(
      out, {"run", "--duration", "60s", "--window-docs", "2000", "--out", out.string()});
  ASSERT_TRUE(run.wait_for_samples()) << read_file(out.string() + ".err");
  for (int i = 0; i < repeat; ++i) {
    run.signal(signal_number);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const int status = run.wait();
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_NE(WEXITSTATUS(status), 3) << read_file(out.string() + ".err");
  const json verdict = read_json(out / run_dir::kVerdict);
  EXPECT_EQ(verdict["run"]["end_reason"], "signal");
  SeriesReader reader((out / run_dir::kSeries).string());
  std::optional<SeriesRecord> last;
  while (auto record = reader.next()) last = std::move(record);
  ASSERT_TRUE(last && std::holds_alternative<SeriesEnd>(*last));
  EXPECT_EQ(std::get<SeriesEnd>(*last).reason, "signal");
  EXPECT_TRUE(contains(read_file(out.string() + ".out"), "ended by signal"));
}

TEST(Signals, ATermRepeatedDuringShutdownStillLeavesTheVerdictAndTheEndRecord) {
  expect_a_clean_stop(SIGTERM, 2);
}

TEST(Signals, HangupStopsARunAsTermDoes) { expect_a_clean_stop(SIGHUP, 3); }

// ---- input that is not a series ---------------------------------------------------------------

TEST(Analyze, InputWithoutNewlinesIsRefusedInBoundedMemory) {
  const CapturedRun run = memsoak({"analyze", "/dev/zero"});
  EXPECT_EQ(run.exit_code, 2) << run.stderr_text;
  EXPECT_TRUE(contains(run.stderr_text, "/dev/zero:1: a line longer than 1048576 bytes"))
      << run.stderr_text;
  rusage children{};
  ::getrusage(RUSAGE_CHILDREN, &children);
  EXPECT_LT(children.ru_maxrss, 200 * 1024) << "KiB";  // the cap, not the input, bounds it
}

TEST(Analyze, AFileWithoutAHeaderIsRefusedByAnalyzeAndReport) {
  const TempDir dir;
  std::ofstream(dir.path() / run_dir::kSeries) << "hello";
  const CapturedRun analyzed = memsoak({"analyze", dir.path().string()});
  EXPECT_EQ(analyzed.exit_code, 2) << analyzed.stdout_text << analyzed.stderr_text;
  EXPECT_TRUE(contains(analyzed.stderr_text, "series.jsonl:1:")) << analyzed.stderr_text;
  EXPECT_FALSE(fs::exists(dir.path() / run_dir::kVerdict));
  const CapturedRun reported = memsoak({"report", dir.path().string()});
  EXPECT_EQ(reported.exit_code, 2) << reported.stdout_text << reported.stderr_text;
}

class RecordedSetting : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

// Each setting read from a header is checked as its flag is: out of range is exit 2, naming
// the file, the line and the key; never a PASS, never an internal error.
TEST_P(RecordedSetting, OutOfRangeIsExitTwoNamingFileLineAndKey) {
  const auto [key, value] = GetParam();
  const TempDir dir;
  write_series(dir.path(), fmt::format(R"({{"{}":{}}})", key, value));
  for (const char* command : {"analyze", "report"}) {
    const CapturedRun run = memsoak({command, dir.path().string()});
    EXPECT_EQ(run.exit_code, 2) << command << ": " << run.stdout_text << run.stderr_text;
    EXPECT_TRUE(contains(run.stderr_text,
                         "series.jsonl:1: header: \"detector\".\"" + std::string(key) + "\""))
        << command << ": " << run.stderr_text;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Header, RecordedSetting,
    ::testing::Values(std::pair{"confidence", "7"}, std::pair{"confidence", "1.0"},
                      std::pair{"half_confidence", "0"}, std::pair{"capacity", "100000000000"},
                      std::pair{"noise_margin", "-1"}, std::pair{"warmup_s", "-5"},
                      std::pair{"min_points", "3.5"}),
    [](const ::testing::TestParamInfo<RecordedSetting::ParamType>& param) {
      std::string name = fmt::format("{}_{}", param.param.first, param.param.second);
      for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return name + std::to_string(param.index);
    });

// ---- flags -------------------------------------------------------------------------------------

TEST(Flags, ADurationTooLongOrOutOfRangeIsRefusedBeforeTheRun) {
  const CapturedRun too_long = memsoak({"run", "--duration", "3000000h"});
  EXPECT_EQ(too_long.exit_code, 2) << too_long.stdout_text;
  EXPECT_TRUE(contains(too_long.stderr_text, "too long a duration")) << too_long.stderr_text;
  const CapturedRun huge = memsoak({"run", "--duration", "1e999s"});
  EXPECT_EQ(huge.exit_code, 2);
  EXPECT_TRUE(contains(huge.stderr_text, "out of range")) << huge.stderr_text;
}

TEST(Flags, AWorkUnitTheRunDoesNotCountIsRefusedBeforeAnythingStarts) {
  const TempDir dir;
  const auto start = std::chrono::steady_clock::now();
  const CapturedRun run = memsoak({"run", "--max-growth", "0B/parsec", "--duration", "60s", "--out",
                                   (dir.path() / "run").string()});
  EXPECT_EQ(run.exit_code, 2) << run.stdout_text;
  EXPECT_TRUE(contains(run.stderr_text, "'parsec'")) << run.stderr_text;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_FALSE(fs::exists(dir.path() / "run"));
}

TEST(Flags, MetricsThatCannotBeServedOrWrittenAreRefusedBeforeAnythingStarts) {
  const TempDir dir;
  const std::string out = (dir.path() / "run").string();
  const struct {
    std::vector<std::string> args;
    std::string_view message;
  } cases[] = {
      {{"run", "--metrics", "localhost", "--out", out}, "give PORT (on 127.0.0.1), ADDR:PORT"},
      {{"run", "--metrics", "203.0.113.9:9464", "--out", out}, "cannot listen there"},
      {{"run", "--metrics-textfile", "/nonexistent/memsoak.prom", "--out", out},
       "--metrics-textfile /nonexistent/memsoak.prom: cannot be written"},
      {{"watch", "--metrics", "203.0.113.9:9464", "--out", out, "--", "sleep", "60"},
       "cannot listen there"},
  };
  for (const auto& [args, message] : cases) {
    const CapturedRun run = memsoak(args);
    EXPECT_EQ(run.exit_code, 2) << args[2] << ": " << run.stderr_text;
    EXPECT_TRUE(contains(run.stderr_text, message)) << run.stderr_text;
    EXPECT_FALSE(fs::exists(out)) << "nothing started, nothing written";
  }
}

// ---- memsoak watch ---------------------------------------------------------------------------

TEST(Watch, WhatItCannotWatchIsAUsageErrorSayingWhy) {
  const TempDir dir;
  const std::string out = (dir.path() / "watch").string();
  const struct {
    std::vector<std::string> args;
    std::string_view message;
  } cases[] = {
      {{"watch", "--out", out}, "give the command to watch after --"},
      {{"watch", "--pid", "1", "--out", out, "--", "true"}, "not both"},
      {{"watch", "--work", "requests", "--out", out, "--", "true"}, "NAME=file:PATH"},
      {{"watch", "--work", "a=stdout:(", "--out", out, "--", "true"}, "not a regular expression"},
      {{"watch", "--work", "a=file:/x", "--work", "a=file:/y", "--out", out, "--", "true"},
       "two counters are named 'a'"},
      {{"watch", "--max-growth", "1B/request", "--out", out, "--", "true"}, "'request'"},
      {{"watch", "--allocator", "jemalloc", "--pid", "1", "--out", out}, "keeps the allocator"},
      {{"watch", "--out", out, "--", "/nonexistent/program"}, "cannot run /nonexistent/program"},
  };
  for (const auto& [args, message] : cases) {
    const CapturedRun run = memsoak(args);
    EXPECT_EQ(run.exit_code, 2) << args[1] << ": " << run.stderr_text;
    EXPECT_TRUE(contains(run.stderr_text, message)) << run.stderr_text;
  }
}

TEST(Watch, ACounterThatGoesBackwardsEndsTheWatchAtOnceNotWithAZero) {
  const TempDir dir;
  const fs::path counter = dir.path() / "count";
  std::ofstream(counter) << "100\n";
  const CapturedRun run =
      memsoak({"watch", "--duration", "30s", "--sample-interval", "100ms", "--work",
               "requests=file:" + counter.string(), "--out", (dir.path() / "watch").string(), "--",
               "sh", "-c", "sleep 1; echo 5 > " + counter.string() + "; sleep 60"});
  EXPECT_EQ(run.exit_code, 2) << run.stdout_text << run.stderr_text;
  EXPECT_TRUE(contains(run.stderr_text, "went backwards from 100 to 5")) << run.stderr_text;
  const json verdict = read_json(dir.path() / "watch" / run_dir::kVerdict);
  EXPECT_EQ(verdict["run"]["end_reason"], "work-source-error");
  EXPECT_TRUE(verdict["run"]["watched"]["exit"]["stopped_by_memsoak"].get<bool>());
}

TEST(Watch, ACrashOfTheCommandFailsTheWatchAndIsRecorded) {
  const TempDir dir;
  const fs::path out = dir.path() / "watch";
  const CapturedRun crash = memsoak(
      {"watch", "--duration", "30s", "--out", out.string(), "--", "sh", "-c", "kill -SEGV $$"});
  EXPECT_EQ(crash.exit_code, 1) << crash.stdout_text << crash.stderr_text;
  EXPECT_TRUE(contains(crash.stdout_text, "killed by SIGSEGV")) << crash.stdout_text;
  std::string end_record;
  std::ifstream series(out / run_dir::kSeries);
  for (std::string line; std::getline(series, line);) end_record = line;
  EXPECT_EQ(json::parse(end_record)["exit"]["signal"], SIGSEGV) << end_record;

  const CapturedRun allowed =
      memsoak({"watch", "--allow-child-failure", "--duration", "30s", "--out",
               (dir.path() / "allowed").string(), "--", "sh", "-c", "exit 3"});
  EXPECT_EQ(allowed.exit_code, 2) << "too short to judge, but not a failure: "
                                  << allowed.stdout_text;
}

// ---- where the run writes ---------------------------------------------------------------------

TEST(OutDir, AnOutThatCannotHoldARunIsAUsageErrorWithItsCause) {
  const TempDir dir;
  std::ofstream(dir.path() / "a-file") << "x";
  for (const std::string& out :
       {(dir.path() / "a-file").string(), std::string(), std::string("/proc/self/memsoak-run")}) {
    const CapturedRun run = memsoak({"run", "--duration", "5s", "--out", out});
    EXPECT_EQ(run.exit_code, 2) << "--out '" << out << "': " << run.stderr_text;
    EXPECT_TRUE(contains(run.stderr_text, "cannot write the run into")) << run.stderr_text;
  }
}

TEST(OutDir, AFullDiskEndsTheSeriesOnWholeLinesAndSaysWhatWasKept) {
  const TempDir dir;
  const fs::path out = dir.path() / "run";
  // 40 blocks of 512 bytes: the header and some tens of samples fit, the run's minute does not.
  const CapturedRun run = memsoak_under_shell(
      "trap '' XFSZ; ulimit -f 40", "run --duration 60s --window-docs 2000 --out " + out.string());
  EXPECT_EQ(run.exit_code, 2) << run.stdout_text << run.stderr_text;
  EXPECT_TRUE(contains(run.stderr_text, "could not be written on")) << run.stderr_text;
  EXPECT_TRUE(contains(run.stderr_text, "File too large")) << run.stderr_text;
  EXPECT_LE(fs::file_size(out / run_dir::kSeries), 40u * 512);
  SeriesReader reader((out / run_dir::kSeries).string());
  std::size_t samples = 0;
  while (auto record = reader.next()) samples += std::holds_alternative<SeriesSample>(*record);
  EXPECT_FALSE(reader.truncated_tail()) << "a partial line was left";
  EXPECT_GT(samples, 0u);
  EXPECT_TRUE(fs::exists(out / run_dir::kVerdict));
  for (const auto& entry : fs::directory_iterator(out)) {
    EXPECT_NE(entry.path().extension(), ".partial") << entry.path();
  }
}

TEST(OutDir, NoRunAtAllLeavesNoEmptySeriesBehind) {
  const TempDir dir;
  const fs::path out = dir.path() / "run";
  const CapturedRun run =
      memsoak_under_shell("trap '' XFSZ; ulimit -f 1", "run --duration 5s --out " + out.string());
  EXPECT_EQ(run.exit_code, 2) << run.stdout_text << run.stderr_text;
  EXPECT_FALSE(fs::exists(out / run_dir::kSeries));
}

TEST(OutDir, AnalyzeOutAtADirectoryIsAUsageError) {
  const TempDir dir;
  write_series(dir.path());
  const CapturedRun run = memsoak({"analyze", dir.path().string(), "--out", dir.path().string()});
  EXPECT_EQ(run.exit_code, 2) << run.stdout_text << run.stderr_text;
  EXPECT_TRUE(contains(run.stderr_text, "is a directory")) << run.stderr_text;
}

// ---- reports and output ------------------------------------------------------------------------

TEST(Report, AHungGnuplotIsKilledAtItsTimeout) {
  const TempDir dir;
  write_series(dir.path());
  const fs::path bin = dir.path() / "bin";
  fs::create_directories(bin);
  std::ofstream(bin / "gnuplot") << "#!/bin/sh\nsleep 600\n";
  fs::permissions(bin / "gnuplot", fs::perms::owner_all);
  const auto start = std::chrono::steady_clock::now();
  const CapturedRun run = memsoak({"report", dir.path().string(), "--gnuplot-timeout", "1s"},
                                  {"PATH=" + bin.string() + ":/usr/bin:/bin"});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  EXPECT_EQ(run.exit_code, 3) << run.stderr_text;
  EXPECT_TRUE(contains(run.stderr_text, "was killed")) << run.stderr_text;
  EXPECT_TRUE(fs::exists(dir.path() / run_dir::kReportText)) << "the summary is kept";
}

TEST(Report, NamesAnalyzeAsTheAuthorOfAVerdictAnalyzeWrote) {
  const TempDir dir;
  write_series(dir.path(), R"({"warmup_s":1})");
  const CapturedRun analyzed = memsoak({"analyze", dir.path().string()});
  ASSERT_EQ(analyzed.exit_code, 0) << analyzed.stdout_text << analyzed.stderr_text;
  const CapturedRun reported = memsoak({"report", dir.path().string(), "--json"}, {"PATH=/"});
  EXPECT_TRUE(contains(reported.stdout_text, "written by memsoak analyze")) << reported.stdout_text;
  EXPECT_FALSE(contains(reported.stdout_text, "written by the run"));
}

TEST(Output, WhatCannotBeWrittenToStandardOutputIsNotAPass) {
  const CapturedRun run = memsoak_under_shell("true", "list > /dev/full");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_TRUE(contains(run.stderr_text, "cannot write to standard output")) << run.stderr_text;
}

TEST(Messages, SayQueriesAndRoundSeconds) {
  const TempDir dir;
  write_series(dir.path(), R"({"warmup_s":0.6000000000000001})", 6);
  const CapturedRun undecided = memsoak({"analyze", dir.path().string()});
  EXPECT_EQ(undecided.exit_code, 2);
  EXPECT_TRUE(contains(undecided.stdout_text, " and 0.6 s)")) << undecided.stdout_text;
  const TempDir longer;
  write_series(longer.path(), R"({"warmup_s":1,"work_unit":"query"})");
  const CapturedRun judged = memsoak({"analyze", longer.path().string()});
  EXPECT_TRUE(contains(judged.stdout_text, " queries")) << judged.stdout_text;
  EXPECT_FALSE(contains(judged.stdout_text, "querys")) << judged.stdout_text;
}

// ---- fuzz replay binaries ----------------------------------------------------------------------

TEST(Replay, AnEmptyDirectoryReplaysNothingAndSaysSo) {
  const TempDir dir;
  const CapturedRun run =
      run_capturing(std::vector<std::string>{MEMSOAK_ARENA_REPLAY, dir.path().string()}, {});
  EXPECT_EQ(run.exit_code, 2) << run.stdout_text;
  EXPECT_TRUE(contains(run.stderr_text, "nothing to replay")) << run.stderr_text;
}

TEST(Replay, PrintOfADirectoryIsAClearError) {
  const TempDir dir;
  const CapturedRun run = run_capturing(
      std::vector<std::string>{MEMSOAK_ARENA_REPLAY, "--print", dir.path().string()}, {});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_TRUE(contains(run.stderr_text, "is a directory")) << run.stderr_text;
  EXPECT_FALSE(contains(run.stderr_text, "basic_filebuf")) << run.stderr_text;
}

}  // namespace
}  // namespace memsoak

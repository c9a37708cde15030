// memsoak analyze, run as a program on series files written here: it judges a run with the
// settings the run recorded in its header, flags given on the command line beat them, and bad
// input is exit code 2 with the place named.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/subprocess.h"

namespace memsoak {
namespace {

namespace fs = std::filesystem;

class SeriesFile {
 public:
  // A 20 s run at 1000 queries/s leaking 10 KiB per query; the header records `detector`, and
  // the first `unjudged` samples are marked as before the workload's steady state.
  explicit SeriesFile(const std::string& detector_json, int unjudged = 0)
      : dir_(fs::temp_directory_path() / ("memsoak_analyze_" + std::to_string(::getpid()))) {
    fs::remove_all(dir_);  // what a crashed run of the same pid left
    fs::create_directories(dir_);
    std::ofstream out(path());
    out << R"({"type":"header","format":"memsoak-series","version":1,"scenario":"synthetic",)"
        << R"("allocator":"system","seed":7,"command":"memsoak run --seed 7","detector":)"
        << detector_json << "}\n";
    for (int step = 0; step <= 400; ++step) {
      const double t_s = step * 0.05;
      const double queries = 1000 * t_s;
      const double live = 50e6 + 10240 * queries + 300e3 * std::sin(step * 1.7);
      out << R"({"type":"sample","t_s":)" << t_s << R"(,"work":{"queries":)" << queries
          << R"(},"rss_bytes":)" << live * 1.3 << R"(,"allocator":{"live_bytes":)" << live
          << (step < unjudged ? R"(},"before_steady":true})" : "}}") << "\n";
    }
  }
  ~SeriesFile() { fs::remove_all(dir_); }
  SeriesFile(const SeriesFile&) = delete;
  SeriesFile& operator=(const SeriesFile&) = delete;

  std::string path() const { return (dir_ / "series.jsonl").string(); }
  fs::path dir() const { return dir_; }

 private:
  fs::path dir_;
};

CapturedRun analyze(const SeriesFile& series, std::vector<std::string> flags = {}) {
  std::vector<std::string> argv{MEMSOAK_BINARY, "analyze", series.path()};
  argv.insert(argv.end(), flags.begin(), flags.end());
  return run_capturing(argv, std::vector<std::string>{});
}

TEST(AnalyzeCommand, JudgesWithTheWarmupTheRunRecorded) {
  const SeriesFile series(R"({"warmup_s":2.0,"warmup_fraction":0.2})");
  const CapturedRun run = analyze(series);
  EXPECT_EQ(run.exit_code, 1) << run.stdout_text << run.stderr_text;
  EXPECT_NE(run.stdout_text.find("FAIL: synthetic on system (seed 7): leak"), std::string::npos)
      << run.stdout_text;
  EXPECT_NE(run.stdout_text.find("reproduce: memsoak run --seed 7"), std::string::npos);
}

// A CI system's view of the same verdict: JUnit XML, and a Markdown table appended to a job
// summary, as --summary-md "$GITHUB_STEP_SUMMARY" is by each step.
TEST(AnalyzeCommand, WritesJunitAndAppendsAJobSummary) {
  const SeriesFile series(R"({"warmup_s":2.0,"warmup_fraction":0.2})");
  const fs::path junit = series.dir() / "junit.xml";
  const fs::path summary = series.dir() / "summary.md";
  std::ofstream(summary) << "earlier step\n";
  const CapturedRun run =
      analyze(series, {"--junit", junit.string(), "--summary-md", summary.string()});
  EXPECT_EQ(run.exit_code, 1) << run.stdout_text << run.stderr_text;
  std::ifstream junit_file(junit);
  const std::string xml((std::istreambuf_iterator<char>(junit_file)), {});
  EXPECT_NE(xml.find(R"(tests="1" failures="1" errors="0")"), std::string::npos) << xml;
  EXPECT_NE(xml.find(R"(<failure type="leak")"), std::string::npos) << xml;
  EXPECT_NE(xml.find("reproduce: memsoak run --seed 7"), std::string::npos) << xml;
  std::ifstream summary_file(summary);
  const std::string markdown((std::istreambuf_iterator<char>(summary_file)), {});
  EXPECT_EQ(markdown.rfind("earlier step\n### memsoak analyze: 1 run, 0 passed, 1 failed", 0), 0U)
      << markdown;
  EXPECT_NE(markdown.find("| synthetic | system | leak | - | **fail** | `memsoak run --seed 7` |"),
            std::string::npos)
      << markdown;
}

TEST(AnalyzeCommand, AJunitFileWithNoDirectoryIsRefusedBeforeAnyWork) {
  const SeriesFile series("{}");
  const CapturedRun run = analyze(series, {"--junit", "/nonexistent/dir/junit.xml"});
  EXPECT_EQ(run.exit_code, 2) << run.stdout_text;
  EXPECT_NE(run.stderr_text.find("no directory /nonexistent/dir"), std::string::npos)
      << run.stderr_text;
  EXPECT_FALSE(fs::exists(series.dir() / "verdict.json"));
}

TEST(AnalyzeCommand, AFlagGivenBeatsTheRecordedSetting) {
  const SeriesFile series(R"({"warmup_s":2.0})");
  // The leak doubles memory within seconds: the early proof must be off for the warm-up to hold.
  const CapturedRun longer_warmup = analyze(series, {"--warmup", "5m", "--early-growth", "0"});
  EXPECT_EQ(longer_warmup.exit_code, 2) << longer_warmup.stdout_text;
  EXPECT_NE(longer_warmup.stdout_text.find("too little data"), std::string::npos);
  const CapturedRun allowed = analyze(series, {"--max-growth", "20KiB/query"});
  EXPECT_EQ(allowed.exit_code, 0) << allowed.stdout_text;
}

TEST(AnalyzeCommand, WithoutRecordedSettingsTheDefaultWarmupApplies) {
  const SeriesFile series("{}");
  const CapturedRun judged = analyze(series, {"--early-growth", "0"});
  EXPECT_EQ(judged.exit_code, 2) << judged.stdout_text;
  EXPECT_NE(judged.stdout_text.find("300 s"), std::string::npos) << judged.stdout_text;
  // A leak that doubles memory in seconds is proven within the default warm-up.
  const CapturedRun early = analyze(series);
  EXPECT_EQ(early.exit_code, 1) << early.stdout_text;
}

TEST(AnalyzeCommand, ARecordedSettingOfTheWrongTypeIsExitTwoNamingIt) {
  const SeriesFile series(R"({"warmup_s":"soon"})");
  const CapturedRun run = analyze(series);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.stderr_text.find("\"warmup_s\""), std::string::npos) << run.stderr_text;
}

TEST(AnalyzeCommand, ARecordedSettingTheDetectorRefusesIsExitTwo) {
  const SeriesFile series(R"({"min_points":4})");
  const CapturedRun run = analyze(series);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.stderr_text.find("min_points"), std::string::npos) << run.stderr_text;
}

TEST(AnalyzeCommand, SkipsTheSamplesTheRunDidNotJudge) {
  const SeriesFile series(R"({"warmup_s":2.0})", /*unjudged=*/100);
  const CapturedRun run = analyze(series, {"--json"});
  EXPECT_EQ(run.exit_code, 1) << run.stderr_text;
  const nlohmann::json verdict = nlohmann::json::parse(run.stdout_text);
  EXPECT_EQ(verdict.at("samples"), 301) << "401 samples, of which 100 before the steady state";
}

std::string contents(const fs::path& file) {
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A killed run has no verdict: analyze writes it. A finished run has its own, which a
// re-analysis with other flags must not replace: that goes to analysis.json.
TEST(AnalyzeCommand, WritesTheVerdictOfAKilledRunButNeverReplacesARunsOwn) {
  const SeriesFile series(R"({"warmup_s":2.0})");
  const CapturedRun first = analyze(series);
  EXPECT_EQ(first.exit_code, 1) << first.stdout_text;
  const std::string run_verdict = contents(series.dir() / "verdict.json");
  EXPECT_TRUE(nlohmann::json::parse(run_verdict).at("fail")) << run_verdict;

  const CapturedRun again = analyze(series, {"--max-growth", "20KiB/query"});
  EXPECT_EQ(again.exit_code, 0) << again.stdout_text;
  EXPECT_EQ(contents(series.dir() / "verdict.json"), run_verdict);
  EXPECT_NE(again.stdout_text.find("analysis.json"), std::string::npos) << again.stdout_text;
  EXPECT_FALSE(nlohmann::json::parse(contents(series.dir() / "analysis.json")).at("fail"));
}

TEST(AnalyzeCommand, ReadsTheSeriesOfARunDirectory) {
  const SeriesFile series(R"({"warmup_s":2.0})");
  const std::vector<std::string> argv{MEMSOAK_BINARY, "analyze", series.dir().string()};
  const CapturedRun run = run_capturing(argv, std::vector<std::string>{});
  EXPECT_EQ(run.exit_code, 1) << run.stdout_text << run.stderr_text;
  EXPECT_NE(run.stdout_text.find("FAIL: synthetic on system (seed 7): leak"), std::string::npos);
}

}  // namespace
}  // namespace memsoak

// What CI systems are shown of runs: the rows read from verdict documents, their Markdown and
// JUnit forms, and `memsoak merge` over directories of runs and nightly cells.
#include "soak/report/ci_results.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "soak/report/merge.h"
#include "tests/support/temp_dir.h"
#include "tests/support/text.h"

namespace memsoak {
namespace {

namespace fs = std::filesystem;
using testing::contains;
using testing::TempDir;

nlohmann::json verdict_json(const std::string& verdict, bool fail, const nlohmann::json& expected,
                            const std::string& explanation) {
  return {{"verdict", verdict},
          {"fail", fail},
          {"explanation", explanation},
          {"run",
           {{"scenario", "shared-arena"},
            {"allocator", "jemalloc"},
            {"command", "memsoak run --scenario shared-arena --allocator jemalloc --seed 1"},
            {"elapsed_s", 12.5},
            {"expected_verdict", expected},
            {"undecided", nullptr}}}};
}

void write_json(const fs::path& path, const nlohmann::json& json) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << json.dump();
}

TEST(CiRows, AnExpectedLeakPassesAMergeButFailsTheRunItself) {
  const nlohmann::json leak = verdict_json("leak", true, "leak", "Memory grows.");
  EXPECT_EQ(expectation_row(leak).outcome, CiOutcome::kPass);
  const CiRow self = self_judged_row(leak, 1);
  EXPECT_EQ(self.outcome, CiOutcome::kFail);
  EXPECT_EQ(self.scenario, "shared-arena");
  EXPECT_EQ(self.allocator, "jemalloc");
  EXPECT_EQ(self.elapsed_s, 12.5);
  EXPECT_EQ(self_judged_row(leak, 2).outcome, CiOutcome::kError);
}

TEST(CiRows, AVerdictOtherThanTheExpectedOneFailsAndSaysBoth) {
  const CiRow row = expectation_row(verdict_json("bounded", false, "leak", "Bounded."));
  EXPECT_EQ(row.outcome, CiOutcome::kFail);
  EXPECT_EQ(row.message, "verdict bounded, expected leak");
}

TEST(CiRows, WithNoneExpectedARunPassesUnlessItFailed) {
  EXPECT_EQ(expectation_row(verdict_json("bounded", false, nullptr, "")).outcome, CiOutcome::kPass);
  EXPECT_EQ(expectation_row(verdict_json("leak", true, nullptr, "")).outcome, CiOutcome::kFail);
}

TEST(CiRows, AWatchIsNamedAfterTheProgramItFollowed) {
  nlohmann::json document = verdict_json("bounded", false, nullptr, "");
  document["run"]["scenario"] = "watch";
  document["run"]["watched"] = {{"command", {"/usr/bin/redis-server", "--port", "6390"}}};
  EXPECT_EQ(self_judged_row(document, 0).scenario, "redis-server");
}

TEST(CiJunit, EscapesTextAndDropsWhatXmlForbids) {
  const CiRow row =
      expectation_row(verdict_json("bounded", false, "leak", "a <&> \"b\" 'c'\x01 end"));
  const std::string xml = ci_junit(std::vector{row}, "merge");
  EXPECT_TRUE(contains(xml, R"(tests="1" failures="1" errors="0")")) << xml;
  EXPECT_TRUE(contains(xml, "a &lt;&amp;&gt; &quot;b&quot; &apos;c&apos; end")) << xml;
  EXPECT_FALSE(contains(xml, "\x01"));
  EXPECT_TRUE(contains(xml, R"(<failure type="bounded" message="verdict bounded, expected leak">)"))
      << xml;
  EXPECT_TRUE(contains(
      xml, "reproduce: memsoak run --scenario shared-arena --allocator jemalloc --seed 1"));
}

TEST(CiJunit, AnUndecidedRunIsAnErrorNotAFailure) {
  const std::string xml = ci_junit(
      std::vector{self_judged_row(verdict_json("insufficient-data", false, nullptr, ""), 2)},
      "run");
  EXPECT_TRUE(contains(xml, R"(tests="1" failures="0" errors="1")")) << xml;
  EXPECT_TRUE(contains(xml, "<error type=\"insufficient-data\"")) << xml;
}

TEST(CiMarkdown, PipesAndLineBreaksStayInTheirCell) {
  const std::vector rows{expectation_row(verdict_json("bounded", false, "leak", "x|y\nz"))};
  const std::string markdown = ci_markdown(rows, "memsoak merge");
  EXPECT_TRUE(contains(markdown, "### memsoak merge: 1 run, 0 passed, 1 failed\n")) << markdown;
  EXPECT_TRUE(
      contains(markdown, "| shared-arena | jemalloc | bounded | leak | **fail** | `memsoak run"))
      << markdown;
  EXPECT_TRUE(contains(markdown, "**shared-arena on jemalloc**: verdict bounded, expected leak."))
      << markdown;
}

TEST(Merge, ReadsRunsAtAnyDepthAndCellsThatLeftNoVerdict) {
  const TempDir dir;
  write_json(dir.path() / "a" / "deep" / "verdict.json", verdict_json("leak", true, "leak", ""));
  write_json(dir.path() / "cell" / "cell.json", {{"scenario", "healthy"},
                                                 {"allocator", "system"},
                                                 {"command", "memsoak run"},
                                                 {"memsoak_exit", 3}});
  const std::vector<CiRow> rows = merge_runs({dir.path()}, std::nullopt);
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_EQ(rows[0].scenario, "healthy");  // sorted by scenario
  EXPECT_EQ(rows[0].verdict, "none");
  EXPECT_EQ(rows[0].outcome, CiOutcome::kFail);
  EXPECT_EQ(rows[0].message, "no verdict.json: memsoak exited 3");
  EXPECT_EQ(rows[1].outcome, CiOutcome::kPass);
}

TEST(Merge, ACellOfTheMatrixThatLeftNothingFails) {
  const TempDir dir;
  write_json(dir.path() / "runs" / "verdict.json", verdict_json("leak", true, "leak", ""));
  write_json(dir.path() / "matrix.json",
             {{"include",
               {{{"scenario", "shared-arena"}, {"allocator", "jemalloc"}},
                {{"scenario", "thread-churn"}, {"allocator", "mimalloc"}}}}});
  const std::vector<CiRow> rows = merge_runs({dir.path() / "runs"}, dir.path() / "matrix.json");
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_EQ(rows[1].scenario, "thread-churn");
  EXPECT_EQ(rows[1].verdict, "missing");
  EXPECT_EQ(rows[1].outcome, CiOutcome::kFail);
}

TEST(Merge, BadInputNamesTheFile) {
  const TempDir dir;
  EXPECT_THROW(merge_runs({dir.path() / "nowhere"}, std::nullopt), MergeInputError);
  std::ofstream(dir.path() / "verdict.json") << R"({"verdict": "leak"})";
  try {
    merge_runs({dir.path()}, std::nullopt);
    FAIL() << "a verdict.json without its fields was read";
  } catch (const MergeInputError& error) {
    EXPECT_TRUE(contains(error.what(), (dir.path() / "verdict.json").string())) << error.what();
  }
}

}  // namespace
}  // namespace memsoak

// `memsoak list`, end to end: the binary probes every allocator under its own preload and
// lists the scenarios with their expected verdicts; the scenario table is also checked on
// listings made by hand, where an allocator can be missing whatever this machine has.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "harness/allocator_registry.h"
#include "harness/sanitizer_build.h"
#include "harness/subprocess.h"
#include "soak/cli/scenario_listing.h"
#include "soak/workload/scenarios.h"

namespace memsoak {
namespace {

using workload::ExpectedOutcome;
using workload::ExpectedVerdict;
using workload::ScenarioInfo;
using workload::scenarios;

CapturedRun run_memsoak(const std::vector<std::string>& args) {
  std::vector<std::string> argv{MEMSOAK_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_capturing(argv, current_environment());
}

TEST(ListCommand, JsonNamesEveryAllocatorAndWhetherItsPreloadTakes) {
  const CapturedRun run = run_memsoak({"list", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  const nlohmann::json allocators = nlohmann::json::parse(run.stdout_text).at("allocators");
  ASSERT_EQ(allocators.size(), allocator_backends().size());
  for (std::size_t i = 0; i < allocators.size(); ++i) {
    const nlohmann::json& listed = allocators[i];
    const AllocatorBackend& backend = allocator_backends()[i];
    EXPECT_EQ(listed.at("name"), backend.name);
    EXPECT_EQ(listed.at("package"), backend.debian_package);
    const bool installed = find_library(backend.soname, library_search_dirs()).has_value();
    EXPECT_EQ(listed.at("installed"), installed) << backend.name;
    if (!installed) continue;
    if (!kSanitizerOwnsMalloc) {
      EXPECT_TRUE(listed.at("serves_malloc")) << listed.dump();
      EXPECT_TRUE(listed.at("version").is_string()) << listed.dump();
    } else if (backend.preloaded) {
      // A sanitizer's runtime must own malloc: nothing is preloaded, and the listing says why.
      EXPECT_FALSE(listed.at("serves_malloc")) << listed.dump();
      EXPECT_NE(listed.at("probe_error").get<std::string>().find("interceptors own malloc"),
                std::string::npos)
          << listed.dump();
    } else {
      // `system` is probed as it is, and finds the sanitizer's runtime serving malloc.
      EXPECT_EQ(listed.at("served_by"), kBuildMalloc) << listed.dump();
    }
  }
}

TEST(ListCommand, TablePrintsOneLinePerAllocator) {
  const CapturedRun run = run_memsoak({"list"});
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  for (const AllocatorBackend& backend : allocator_backends()) {
    EXPECT_NE(run.stdout_text.find("\n" + std::string(backend.name) + " "), std::string::npos)
        << run.stdout_text;
  }
}

// One listing per registered allocator, installed (a made-up library path) unless named in
// `missing`; never probed, which the scenario table does not look at.
std::vector<AllocatorListing> listings_by_hand(const std::vector<std::string_view>& missing) {
  std::vector<AllocatorListing> listings;
  for (const AllocatorBackend& backend : allocator_backends()) {
    AllocatorListing& listing = listings.emplace_back();
    listing.backend = &backend;
    if (std::find(missing.begin(), missing.end(), backend.name) == missing.end()) {
      listing.library = "/lib/" + std::string(backend.soname);
    }
  }
  return listings;
}

// What the table promises for an expectation: `pass bounded`, `FAIL leak`, `bound high-water`.
std::string expected_cell(const ScenarioInfo& scenario, std::string_view allocator) {
  const ExpectedVerdict* expected = expected_verdict(scenario, allocator);
  if (expected == nullptr) return "-";
  const char* outcome = expected->outcome == ExpectedOutcome::kPass   ? "pass "
                        : expected->outcome == ExpectedOutcome::kFail ? "FAIL "
                                                                      : "bound ";
  return outcome + std::string(expected->verdict);
}

std::string json_outcome(ExpectedOutcome outcome) {
  return outcome == ExpectedOutcome::kPass   ? "pass"
         : outcome == ExpectedOutcome::kFail ? "fail"
                                             : "bound";
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

// Cells are separated by at least two blanks; a cell holds at most one (`pass bounded`).
std::vector<std::string> cells_of(const std::string& row) {
  static const std::regex kGap(" {2,}");
  return {std::sregex_token_iterator(row.begin(), row.end(), kGap, -1),
          std::sregex_token_iterator()};
}

// `table` starts with the scenario table: a header naming each allocator (with `*` if not
// installed), then one row per scenario of scenarios(), in order, with each expectation.
void expect_scenario_table(const std::string& table, const std::vector<std::string>& missing) {
  const std::vector<std::string> lines = lines_of(table);
  ASSERT_GT(lines.size(), scenarios().size()) << table;
  std::vector<std::string> header{"scenario"};
  for (const AllocatorBackend& backend : allocator_backends()) {
    const bool is_missing =
        std::find(missing.begin(), missing.end(), backend.name) != missing.end();
    header.push_back(std::string(backend.name) + (is_missing ? "*" : ""));
  }
  EXPECT_EQ(cells_of(lines[0]), header) << table;
  for (std::size_t i = 0; i < scenarios().size(); ++i) {
    const ScenarioInfo& scenario = scenarios()[i];
    std::vector<std::string> row{std::string(scenario.name)};
    for (const AllocatorBackend& backend : allocator_backends()) {
      row.push_back(expected_cell(scenario, backend.name));
    }
    EXPECT_EQ(cells_of(lines[1 + i]), row) << table;
  }
}

// `listed` is scenarios_json(): every scenario in order, each expectation per allocator.
void expect_scenarios_json(const nlohmann::json& listed, const std::vector<std::string>& missing) {
  ASSERT_EQ(listed.size(), scenarios().size()) << listed.dump(2);
  for (std::size_t i = 0; i < listed.size(); ++i) {
    const ScenarioInfo& scenario = scenarios()[i];
    EXPECT_EQ(listed[i].at("name"), scenario.name);
    EXPECT_EQ(listed[i].at("models"), scenario.models);
    const nlohmann::json& expected = listed[i].at("expected");
    ASSERT_EQ(expected.size(), allocator_backends().size()) << listed[i].dump(2);
    for (std::size_t a = 0; a < expected.size(); ++a) {
      const std::string_view allocator = allocator_backends()[a].name;
      const bool is_missing = std::find(missing.begin(), missing.end(), allocator) != missing.end();
      EXPECT_EQ(expected[a].at("allocator"), allocator);
      EXPECT_EQ(expected[a].at("installed"), !is_missing) << allocator;
      const ExpectedVerdict* verdict = expected_verdict(scenario, allocator);
      ASSERT_NE(verdict, nullptr) << scenario.name << " has no expectation for " << allocator;
      EXPECT_EQ(expected[a].at("outcome"), json_outcome(verdict->outcome));
      EXPECT_EQ(expected[a].at("verdict"), verdict->verdict);
    }
  }
}

std::vector<std::string> missing_on_this_machine() {
  std::vector<std::string> missing;
  for (const AllocatorBackend& backend : allocator_backends()) {
    if (!find_library(backend.soname, library_search_dirs())) missing.emplace_back(backend.name);
  }
  return missing;
}

TEST(ScenarioListing, TableHasEveryScenarioWithItsExpectedVerdictPerAllocator) {
  expect_scenario_table(format_scenario_table(listings_by_hand({})), {});
}

TEST(ScenarioListing, JsonHasEveryScenarioWithItsExpectedVerdictPerAllocator) {
  expect_scenarios_json(scenarios_json(listings_by_hand({})), {});
}

TEST(ScenarioListing, AnAllocatorNotInstalledIsMarkedButKeepsItsExpectations) {
  const std::vector<AllocatorListing> listings = listings_by_hand({"jemalloc", "tcmalloc"});
  const std::string table = format_scenario_table(listings);
  expect_scenario_table(table, {"jemalloc", "tcmalloc"});
  EXPECT_NE(table.find("\n* not installed"), std::string::npos) << table;
  expect_scenarios_json(scenarios_json(listings), {"jemalloc", "tcmalloc"});

  EXPECT_EQ(format_scenario_table(listings_by_hand({})).find("not installed"), std::string::npos)
      << "no note when every allocator is installed";
}

TEST(ScenarioListing, SaysWhatEachScenarioModelsWithinOneHundredColumns) {
  const std::string table = format_scenario_table(listings_by_hand({}));
  for (const std::string& line : lines_of(table)) EXPECT_LE(line.size(), 100u) << line;
  // The sentences are wrapped: compare with every run of blanks and line breaks made one blank.
  const std::string flowing = std::regex_replace(table, std::regex("\\s+"), " ");
  for (const ScenarioInfo& scenario : scenarios()) {
    EXPECT_NE(flowing.find(std::string(scenario.name) + " " + std::string(scenario.models)),
              std::string::npos)
        << scenario.name << " models sentence missing from:\n"
        << table;
  }
}

TEST(ListCommand, TablePrintsTheScenariosAfterTheAllocatorsAndHowToRunOne) {
  const CapturedRun run = run_memsoak({"list"});
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  const std::size_t scenarios_at = run.stdout_text.find("\n\nScenarios\n");
  ASSERT_NE(scenarios_at, std::string::npos) << run.stdout_text;
  EXPECT_EQ(run.stdout_text.rfind("Allocators\n", 0), 0u) << run.stdout_text;
  expect_scenario_table(run.stdout_text.substr(scenarios_at + 12), missing_on_this_machine());
  EXPECT_NE(run.stdout_text.find("memsoak run --scenario NAME --allocator NAME\n"),
            std::string::npos)
      << run.stdout_text;
}

TEST(ListCommand, JsonListsTheScenariosWithTheirExpectedVerdicts) {
  const CapturedRun run = run_memsoak({"list", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  expect_scenarios_json(nlohmann::json::parse(run.stdout_text).at("scenarios"),
                        missing_on_this_machine());
}

}  // namespace
}  // namespace memsoak

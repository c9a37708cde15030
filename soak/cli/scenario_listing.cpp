#include "soak/cli/scenario_listing.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>
#include <string_view>

#include "soak/workload/scenarios.h"

namespace memsoak {
namespace {

using workload::ExpectedOutcome;
using workload::ExpectedVerdict;
using workload::ScenarioInfo;
using workload::scenarios;

constexpr std::size_t kLineWidth = 100;
constexpr std::string_view kColumnGap = "  ";

std::string_view outcome_name(ExpectedOutcome outcome) {
  switch (outcome) {
    case ExpectedOutcome::kPass:
      return "pass";
    case ExpectedOutcome::kFail:
      return "fail";
    case ExpectedOutcome::kBoundDecides:
      return "bound";
  }
  return "unknown";  // unreachable: the switch names every outcome
}

// `pass bounded`, `FAIL leak` (capitals, so that the failures stand out), `bound high-water`.
std::string cell(const ScenarioInfo& scenario, const AllocatorListing& listing) {
  const ExpectedVerdict* expected = expected_verdict(scenario, listing.backend->name);
  if (expected == nullptr) return "-";
  const std::string_view outcome =
      expected->outcome == ExpectedOutcome::kFail ? "FAIL" : outcome_name(expected->outcome);
  return fmt::format("{} {}", outcome, expected->verdict);
}

std::string header(const AllocatorListing& listing) {
  return std::string(listing.backend->name) + (listing.library ? "" : "*");
}

// Each row padded to the widths of `rows`, the last column unpadded (no trailing blanks).
std::string format_rows(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t column = 0; column < row.size(); ++column) {
      widths[column] = std::max(widths[column], row[column].size());
    }
  }
  std::string text;
  for (const auto& row : rows) {
    for (std::size_t column = 0; column + 1 < row.size(); ++column) {
      text += fmt::format("{:<{}}{}", row[column], widths[column], kColumnGap);
    }
    text += row.back() + "\n";
  }
  return text;
}

// `words` wrapped to lines of at most kLineWidth columns, every line after the first indented
// by `indent_columns` (the first is expected to follow a label of that width).
std::string wrap(std::string_view words, std::size_t indent_columns) {
  std::istringstream stream{std::string(words)};
  std::string text;
  std::size_t column = indent_columns;
  bool line_empty = true;
  for (std::string word; stream >> word;) {
    if (!line_empty && column + 1 + word.size() > kLineWidth) {
      text += "\n" + std::string(indent_columns, ' ');
      column = indent_columns;
      line_empty = true;
    }
    if (!line_empty) {
      text += ' ';
      ++column;
    }
    text += word;
    column += word.size();
    line_empty = false;
  }
  return text + "\n";
}

}  // namespace

std::string format_scenario_table(const std::vector<AllocatorListing>& listings) {
  std::vector<std::vector<std::string>> rows{{"scenario"}};
  for (const AllocatorListing& listing : listings) rows.front().push_back(header(listing));
  for (const ScenarioInfo& scenario : scenarios()) {
    std::vector<std::string>& row = rows.emplace_back(1, std::string(scenario.name));
    for (const AllocatorListing& listing : listings) row.push_back(cell(scenario, listing));
  }
  std::string text = format_rows(rows);

  if (std::any_of(listings.begin(), listings.end(), [](const auto& l) { return !l.library; })) {
    text += "* not installed: the verdict expected once it is installed\n";
  }
  text +=
      "pass, FAIL: the run is expected to pass (exit 0) or fail (exit 1), with this verdict\n"
      "bound: the allocator's or the design's doing, not a defect; passes unless --rss-bound is "
      "crossed\n\n";

  std::size_t name_width = 0;
  for (const ScenarioInfo& scenario : scenarios()) {
    name_width = std::max(name_width, scenario.name.size());
  }
  for (const ScenarioInfo& scenario : scenarios()) {
    text += fmt::format("{:<{}}{}", scenario.name, name_width, kColumnGap) +
            wrap(scenario.models, name_width + kColumnGap.size());
  }
  return text;
}

nlohmann::json scenarios_json(const std::vector<AllocatorListing>& listings) {
  nlohmann::json listed = nlohmann::json::array();
  for (const ScenarioInfo& scenario : scenarios()) {
    nlohmann::json expected = nlohmann::json::array();
    for (const AllocatorListing& listing : listings) {
      const ExpectedVerdict* verdict = expected_verdict(scenario, listing.backend->name);
      expected.push_back({
          {"allocator", listing.backend->name},
          {"outcome", verdict ? nlohmann::json(outcome_name(verdict->outcome)) : nullptr},
          {"verdict", verdict ? nlohmann::json(verdict->verdict) : nullptr},
          {"installed", listing.library.has_value()},
      });
    }
    listed.push_back(
        {{"name", scenario.name}, {"models", scenario.models}, {"expected", expected}});
  }
  return listed;
}

}  // namespace memsoak

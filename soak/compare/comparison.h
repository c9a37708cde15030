// The tables of `memsoak compare`: for each scenario, each metric of each allocator as the
// median over repeats with its interval, its ratio to the baseline allocator (paired by
// repeat) with its interval, and the verdicts. Rendered as text, Markdown or JSON.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "soak/compare/repeats.h"
#include "soak/compare/run_metrics.h"

namespace memsoak {

// The runs of one scenario under one allocator, by repeat.
struct Cell {
  std::string scenario;
  std::string allocator;
  std::vector<RunMetrics> repeats;
};

struct MetricSummary {
  std::optional<MedianInterval> value;  // nothing: no repeat measured it
  std::optional<MedianInterval> ratio;  // to the baseline; nothing for the baseline itself
};

// Runs of one cell that reached a verdict other than the expected one (a run too short to
// decide is not among them), with the command that reproduces them.
struct Unexpected {
  std::string verdict;
  std::string expected;
  int runs = 0;
  std::string command;
};

struct AllocatorColumn {
  std::string allocator;
  std::vector<MetricSummary> metrics;  // as kMetrics
  std::map<std::string, int> verdicts;
  std::vector<Unexpected> unexpected;
};

struct ScenarioTable {
  std::string scenario;
  std::string baseline;
  std::vector<AllocatorColumn> columns;  // the baseline first
};

// Groups cells by scenario. A baseline with no cell in a scenario leaves its ratios empty.
std::vector<ScenarioTable> compare_cells(const std::vector<Cell>& cells,
                                         const std::string& baseline);

std::string comparison_text(const std::vector<ScenarioTable>& tables);
std::string comparison_markdown(const std::vector<ScenarioTable>& tables);
nlohmann::json comparison_json(const std::vector<ScenarioTable>& tables);

}  // namespace memsoak

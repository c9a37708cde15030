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

// Runs of one cell that failed: a verdict other than the one its scenario expects, or, with
// none expected (`watch`), one that fails. A run too short to decide is not among them.
struct Unexpected {
  std::string verdict;
  std::optional<std::string> expected;
  std::string message;  // "verdict leak, expected bounded"
  int runs = 0;
  std::string command;  // that reproduces them
};

struct AllocatorColumn {
  std::string allocator;
  std::vector<MetricSummary> metrics;  // as the table's metrics
  std::map<std::string, int> verdicts;
  std::vector<Unexpected> unexpected;
};

// `scenario` is the watched command for `compare --watch`.
struct ScenarioTable {
  std::string scenario;
  std::string baseline;
  std::vector<Metric> metrics;  // each work counter's rate, then latency_and_memory_metrics()
  std::vector<AllocatorColumn> columns;  // the baseline first
};

// Every work counter a run of `scenario` recorded, in the order first seen: each a rate row
// of its table and a plot.
std::vector<std::string> counters_of(const std::vector<Cell>& cells, const std::string& scenario);

// Groups cells by scenario; a table has the rows some run of it measured. A baseline with no cell
// in a scenario leaves its ratios empty.
std::vector<ScenarioTable> compare_cells(const std::vector<Cell>& cells,
                                         const std::string& baseline);

std::string comparison_text(const std::vector<ScenarioTable>& tables);
std::string comparison_markdown(const std::vector<ScenarioTable>& tables);
nlohmann::json comparison_json(const std::vector<ScenarioTable>& tables);

}  // namespace memsoak

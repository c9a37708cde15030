#include "soak/compare/comparison.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <string_view>

namespace memsoak {
namespace {

std::vector<double> values_of(const Cell& cell, std::string_view metric) {
  std::vector<double> values;
  for (const RunMetrics& run : cell.repeats) {
    const auto found = run.values.find(metric);
    values.push_back(found != run.values.end() ? found->second : 0);
  }
  return values;
}

bool measured(const Cell& cell, std::string_view metric) {
  return std::any_of(cell.repeats.begin(), cell.repeats.end(),
                     [&](const RunMetrics& run) { return run.values.contains(metric); });
}

AllocatorColumn column_of(const Cell& cell, const Cell* baseline,
                          const std::vector<Metric>& metrics) {
  AllocatorColumn column{cell.allocator, {}, {}, {}};
  for (const Metric& metric : metrics) {
    MetricSummary summary;
    if (measured(cell, metric.name)) {
      summary.value = median_interval(values_of(cell, metric.name));
      if (baseline != nullptr && baseline != &cell && measured(*baseline, metric.name)) {
        summary.ratio =
            paired_ratio(values_of(cell, metric.name), values_of(*baseline, metric.name));
      }
    }
    column.metrics.push_back(summary);
  }
  for (const RunMetrics& run : cell.repeats) {
    const CiRow& row = run.row;
    ++column.verdicts[row.verdict];
    // A run too short to decide is not a different verdict: the table says it was undecided.
    if (row.outcome == CiOutcome::kPass || row.verdict == "insufficient-data") continue;
    const auto same = [&row](const Unexpected& seen) {
      return seen.verdict == row.verdict && seen.command == row.reproduce;
    };
    auto found = std::find_if(column.unexpected.begin(), column.unexpected.end(), same);
    if (found == column.unexpected.end()) {
      found = column.unexpected.insert(column.unexpected.end(),
                                       {row.verdict, row.expected, row.message, 0, row.reproduce});
    }
    ++found->runs;
  }
  return column;
}

// A rate for every work counter a run of `scenario` recorded, then latency and memory.
std::vector<Metric> metrics_of(const std::vector<Cell>& cells, const std::string& scenario) {
  const std::vector<std::string> counters = counters_of(cells, scenario);
  const std::vector<Metric>& rest = latency_and_memory_metrics();
  std::vector<Metric> metrics;
  metrics.reserve(counters.size() + rest.size());
  for (const std::string& counter : counters) metrics.push_back(rate_metric(counter));
  metrics.insert(metrics.end(), rest.begin(), rest.end());
  return metrics;
}

// How a metric's values print: divided by `divisor`, with `decimals`, then `suffix`.
struct Scale {
  double divisor = 1;
  int decimals = 0;
  std::string_view suffix;
};

// The scale that suits `reference` (the median), used for its interval's bounds as well.
Scale scale_for(double reference, MetricUnit unit) {
  switch (unit) {
    case MetricUnit::kPerSecond:
      return reference >= 1e4 ? Scale{1e3, 1, "k/s"} : Scale{1, 0, "/s"};
    case MetricUnit::kMicroseconds:
      return reference >= 1e3 ? Scale{1e3, 1, " ms"} : Scale{1, 0, " us"};
    case MetricUnit::kBytes:
      return Scale{1 << 20, 1, " MiB"};
    case MetricUnit::kRatio:
      break;
  }
  return Scale{1, 2, "x"};
}

std::string scaled(double value, const Scale& scale) {
  const std::string text = fmt::format("{:.{}f}", value / scale.divisor, scale.decimals);
  const bool negative_zero =
      text.starts_with('-') && text.find_first_not_of("-0.") == std::string::npos;
  return negative_zero ? text.substr(1) : text;
}

// "1527/s (1457-1597)"
std::string format_interval(const MedianInterval& interval, MetricUnit unit) {
  const Scale scale = scale_for(interval.median, unit);
  return fmt::format("{}{} ({}-{})", scaled(interval.median, scale), scale.suffix,
                     scaled(interval.lower, scale), scaled(interval.upper, scale));
}

// "1.05 (1.01-1.09) better"; "same" when the interval holds 1 as printed (a difference under
// half a percent is none a table shows: a service's fixed request rate differs by less).
std::string format_ratio(const MedianInterval& ratio, const Metric& metric) {
  constexpr double kPrintedResolution = 0.005;
  std::string_view reading = "same";
  if (ratio.upper < 1 - kPrintedResolution || ratio.lower > 1 + kPrintedResolution) {
    const bool higher = ratio.median > 1;
    if (metric.better == Better::kNeither) {
      reading = higher ? "more" : "less";
    } else {
      reading = higher == (metric.better == Better::kHigher) ? "better" : "worse";
    }
  }
  return fmt::format("{:.2f} ({:.2f}-{:.2f}) {}", ratio.median, ratio.lower, ratio.upper, reading);
}

std::string format_verdicts(const AllocatorColumn& column) {
  std::vector<std::string> parts;
  for (const auto& [verdict, count] : column.verdicts) {
    parts.push_back(fmt::format("{} x{}", verdict, count));
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

using Rows = std::vector<std::vector<std::string>>;

// The values table and the ratios table of one scenario, as rows of cells (header first).
Rows value_rows(const ScenarioTable& table) {
  Rows rows{{"metric"}};
  for (const AllocatorColumn& column : table.columns) rows[0].push_back(column.allocator);
  for (std::size_t m = 0; m < table.metrics.size(); ++m) {
    std::vector<std::string> row{table.metrics[m].label};
    bool any = false;
    for (const AllocatorColumn& column : table.columns) {
      const auto& value = column.metrics[m].value;
      row.push_back(value ? format_interval(*value, table.metrics[m].unit) : "-");
      any = any || value;
    }
    if (any) rows.push_back(row);
  }
  std::vector<std::string> verdicts{"verdicts"};
  for (const AllocatorColumn& column : table.columns) verdicts.push_back(format_verdicts(column));
  rows.push_back(verdicts);
  return rows;
}

Rows ratio_rows(const ScenarioTable& table) {
  Rows rows{{fmt::format("ratio to {}", table.baseline)}};
  for (const AllocatorColumn& column : table.columns) {
    if (column.allocator != table.baseline) rows[0].push_back(column.allocator);
  }
  for (std::size_t m = 0; m < table.metrics.size(); ++m) {
    std::vector<std::string> row{table.metrics[m].label};
    bool any = false;
    for (const AllocatorColumn& column : table.columns) {
      if (column.allocator == table.baseline) continue;
      const auto& ratio = column.metrics[m].ratio;
      row.push_back(ratio ? format_ratio(*ratio, table.metrics[m]) : "-");
      any = any || ratio;
    }
    if (any) rows.push_back(row);
  }
  return rows.size() > 1 && rows[0].size() > 1 ? rows : Rows{};
}

std::size_t repeats_of(const ScenarioTable& table) {
  std::size_t repeats = 0;
  for (const AllocatorColumn& column : table.columns) {
    for (const MetricSummary& metric : column.metrics) {
      if (metric.value) repeats = std::max(repeats, metric.value->values);
    }
  }
  return repeats;
}

std::string footnote(const ScenarioTable& table) {
  const std::size_t repeats = repeats_of(table);
  if (repeats == 0) return "no run measured anything\n";
  const double coverage = median_interval(std::vector<double>(repeats, 0.0)).coverage;
  std::string note = fmt::format(
      "median (interval) over {} repeats; intervals are order-statistic confidence intervals "
      "of the median ({:.0f} % with {} repeats); \"same\": the ratio's interval holds 1 (within "
      "0.5 %).\n",
      repeats, coverage * 100, repeats);
  for (const AllocatorColumn& column : table.columns) {
    for (const Unexpected& runs : column.unexpected) {
      note += fmt::format("under {}, {} of {} runs: {}; reproduce: {}\n", column.allocator,
                          runs.runs, repeats, runs.message, runs.command);
    }
  }
  return note;
}

std::string text_table(const Rows& rows) {
  if (rows.empty()) return "";
  std::vector<std::size_t> widths(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  std::string text;
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      text += c == 0 ? fmt::format("{:<{}}", row[c], widths[c])
                     : fmt::format("  {:>{}}", row[c], widths[c]);
    }
    text += '\n';
  }
  return text;
}

std::string markdown_table(const Rows& rows) {
  if (rows.empty()) return "";
  std::string text = fmt::format("| {} |\n|---", fmt::join(rows[0], " | "));
  for (std::size_t c = 1; c < rows[0].size(); ++c) text += "|---:";
  text += "|\n";
  for (std::size_t r = 1; r < rows.size(); ++r) {
    text += fmt::format("| {} |\n", fmt::join(rows[r], " | "));
  }
  return text;
}

nlohmann::json interval_json(const MedianInterval& interval) {
  return {{"median", interval.median},
          {"lower", interval.lower},
          {"upper", interval.upper},
          {"coverage", interval.coverage},
          {"repeats", interval.values}};
}

}  // namespace

std::vector<std::string> counters_of(const std::vector<Cell>& cells, const std::string& scenario) {
  std::vector<std::string> counters;
  for (const Cell& cell : cells) {
    if (cell.scenario != scenario) continue;
    for (const RunMetrics& run : cell.repeats) {
      for (const std::string& counter : run.counters) {
        if (std::find(counters.begin(), counters.end(), counter) == counters.end()) {
          counters.push_back(counter);
        }
      }
    }
  }
  return counters;
}

std::vector<ScenarioTable> compare_cells(const std::vector<Cell>& cells,
                                         const std::string& baseline) {
  std::vector<ScenarioTable> tables;
  for (const Cell& cell : cells) {
    const auto same_scenario = [&](const ScenarioTable& table) {
      return table.scenario == cell.scenario;
    };
    if (std::find_if(tables.begin(), tables.end(), same_scenario) != tables.end()) continue;
    ScenarioTable table{cell.scenario, baseline, metrics_of(cells, cell.scenario), {}};
    const Cell* base = nullptr;
    for (const Cell& other : cells) {
      if (other.scenario == cell.scenario && other.allocator == baseline) base = &other;
    }
    if (base != nullptr) table.columns.push_back(column_of(*base, base, table.metrics));
    for (const Cell& other : cells) {
      if (other.scenario == cell.scenario && &other != base) {
        table.columns.push_back(column_of(other, base, table.metrics));
      }
    }
    tables.push_back(std::move(table));
  }
  return tables;
}

namespace {

// Each scenario: its heading, the values table, the ratios table and the footnote.
std::string render(const std::vector<ScenarioTable>& tables, std::string_view heading,
                   std::string (*table_of)(const Rows&)) {
  std::string text;
  for (const ScenarioTable& table : tables) {
    text += fmt::format("{}{}\n\n{}\n", heading, table.scenario, table_of(value_rows(table)));
    const Rows ratios = ratio_rows(table);
    if (!ratios.empty()) text += table_of(ratios) + "\n";
    text += footnote(table) + "\n";
  }
  return text;
}

}  // namespace

std::string comparison_text(const std::vector<ScenarioTable>& tables) {
  return render(tables, "scenario ", text_table);
}

std::string comparison_markdown(const std::vector<ScenarioTable>& tables) {
  return render(tables, "### ", markdown_table);
}

nlohmann::json comparison_json(const std::vector<ScenarioTable>& tables) {
  nlohmann::json scenarios = nlohmann::json::array();
  for (const ScenarioTable& table : tables) {
    nlohmann::json allocators = nlohmann::json::object();
    for (const AllocatorColumn& column : table.columns) {
      nlohmann::json metrics = nlohmann::json::object();
      for (std::size_t m = 0; m < table.metrics.size(); ++m) {
        const MetricSummary& summary = column.metrics[m];
        if (!summary.value) continue;
        nlohmann::json entry = interval_json(*summary.value);
        if (summary.ratio) entry["ratio_to_baseline"] = interval_json(*summary.ratio);
        metrics[table.metrics[m].name] = entry;
      }
      nlohmann::json unexpected = nlohmann::json::array();
      for (const Unexpected& runs : column.unexpected) {
        unexpected.push_back(
            {{"verdict", runs.verdict},
             {"expected", runs.expected ? nlohmann::json(*runs.expected) : nullptr},
             {"runs", runs.runs},
             {"reproduce", runs.command}});
      }
      allocators[column.allocator] = {
          {"metrics", metrics}, {"verdicts", column.verdicts}, {"unexpected_verdicts", unexpected}};
    }
    scenarios.push_back(
        {{"scenario", table.scenario}, {"baseline", table.baseline}, {"allocators", allocators}});
  }
  return {{"scenarios", scenarios}};
}

}  // namespace memsoak

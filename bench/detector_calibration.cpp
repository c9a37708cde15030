// Measures the detector on synthetic series and prints markdown tables: the false-positive rate
// over healthy runs of each family (each fed live, checked after every sample, the way
// `memsoak run` uses it), the operations needed to prove leaks of several sizes, alone and under
// a periodic cache, and how early big leaks are proven. The output is committed as
// bench/detector_calibration.md. Seeds are fixed: the same command gives the same tables.
//
//   detector_calibration [--healthy N] [--hours H] [--ops-per-s R] [--trials M] [--threads T]
//                        [--seed S] [--rss-only] [--family F...] [--table T...] [--set KEY=VALUE]
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "harness/detector_settings.h"
#include "harness/units.h"
#include "tests/support/calibration.h"

namespace memsoak {
namespace {

struct Settings {
  int healthy = 1000;  // per family
  double hours = 2;
  double ops_per_s = 10000;
  int trials = 100;
  int threads = 2;
  std::uint64_t seed = 1;
  bool rss_only = false;
  std::vector<std::string> families;  // empty: all
  std::vector<std::string> tables{"healthy", "leaks", "periodic-leaks", "early"};
  std::vector<std::string> overrides;  // KEY=VALUE detector settings
};

void add_options(CLI::App& app, Settings& settings) {
  app.add_option("--healthy", settings.healthy, "Healthy series per family")->capture_default_str();
  app.add_option("--hours", settings.hours, "Length of each series")->capture_default_str();
  app.add_option("--ops-per-s", settings.ops_per_s, "Operations per second")->capture_default_str();
  app.add_option("--trials", settings.trials, "Series per leak size")->capture_default_str();
  app.add_option("--threads", settings.threads, "Worker threads")->capture_default_str();
  app.add_option("--seed", settings.seed, "First seed")->capture_default_str();
  app.add_flag("--rss-only", settings.rss_only,
               "Series without allocator live bytes, judged on RSS alone (as under mimalloc)");
  app.add_option("--family", settings.families, "Healthy families: mixed, periodic, warm-up");
  app.add_option("--table", settings.tables, "Tables: healthy, leaks, periodic-leaks, early")
      ->capture_default_str();
  app.add_option("--set", settings.overrides,
                 "A detector setting to change, KEY=VALUE as harness/detector_settings.h names it");
}

DetectorOptions detector_options(const Settings& settings) {
  nlohmann::json changes = nlohmann::json::object();
  for (const std::string& change : settings.overrides) {
    const std::size_t equals = change.find('=');
    if (equals == std::string::npos)
      throw std::invalid_argument("--set takes KEY=VALUE: " + change);
    changes[change.substr(0, equals)] = nlohmann::json::parse(change.substr(equals + 1));
  }
  return read_detector_settings(changes, DetectorOptions{});
}

std::string_view signal_title(const Settings& settings) {
  return settings.rss_only ? " (RSS alone)" : "";
}

GeneratorParams draw_series(const Settings& settings, Family family, std::uint64_t seed) {
  GeneratorParams params = draw(family, seed, settings.hours * 3600, !settings.rss_only);
  params.ops_per_s = settings.ops_per_s;
  return params;
}

// Runs job(i) for i in [0, count) on `threads` threads.
template <typename Job>
void parallel_for(int count, int threads, Job job) {
  std::atomic<int> next{0};
  std::vector<std::thread> workers;
  workers.reserve(static_cast<std::size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i = next++; i < count; i = next++) job(i);
    });
  }
  for (auto& worker : workers) worker.join();
}

double quantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(q * static_cast<double>(values.size() - 1))];
}

bool wanted(const std::vector<std::string>& chosen, std::string_view name) {
  return chosen.empty() || std::find(chosen.begin(), chosen.end(), name) != chosen.end();
}

void healthy_table(const Settings& settings, const DetectorOptions& options) {
  fmt::print(
      "## Healthy runs{}\n\n| family | series | length | failed (false positives) | rate | final "
      "verdicts |\n|---|---|---|---|---|---|\n",
      signal_title(settings));
  for (const Family family : families()) {
    if (!wanted(settings.families, family_name(family))) continue;
    std::vector<DetectionOutcome> outcomes(static_cast<std::size_t>(settings.healthy));
    parallel_for(settings.healthy, settings.threads, [&](int i) {
      const GeneratorParams params =
          draw_series(settings, family, settings.seed + static_cast<std::uint64_t>(i));
      outcomes[static_cast<std::size_t>(i)] = run_detector(params, judging(family, options), false);
    });
    int failed = 0;
    std::map<std::string_view, int> shapes;
    std::string seeds;
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
      failed += outcomes[i].failed;
      if (outcomes[i].failed && seeds.size() < 60) seeds += fmt::format(" {}", settings.seed + i);
      ++shapes[shape_name(outcomes[i].final_shape)];
    }
    std::string verdicts;
    for (const auto& [name, count] : shapes) {
      verdicts += fmt::format("{}{} {}", verdicts.empty() ? "" : ", ", name, count);
    }
    fmt::print("| {} | {} | {} h | {}{} | {:.2f}% | {} |\n", family_name(family), settings.healthy,
               settings.hours, failed, seeds.empty() ? "" : " (seeds" + seeds + ")",
               100.0 * failed / settings.healthy, verdicts);
  }
  fmt::print("\n");
}

struct LeakRow {
  std::string label;
  Family family;
  double bytes_per_op;
};

void leak_rows(const Settings& settings, const DetectorOptions& options, std::string_view title,
               const std::vector<LeakRow>& rows) {
  fmt::print(
      "## {}{}\n\n| leak | detected | as `leak` | median ops | 90th pct ops | max ops | median "
      "time | proven in the warm-up |\n|---|---|---|---|---|---|---|---|\n",
      title, signal_title(settings));
  for (const LeakRow& row : rows) {
    std::vector<DetectionOutcome> outcomes(static_cast<std::size_t>(settings.trials));
    parallel_for(settings.trials, settings.threads, [&](int i) {
      GeneratorParams params = draw_series(settings, row.family,
                                           settings.seed + 1000000 + static_cast<std::uint64_t>(i));
      params.leak_bytes_per_op = row.bytes_per_op;
      params.leak_start_s = params.fill_s;  // the program leaks once it has loaded its data
      outcomes[static_cast<std::size_t>(i)] =
          run_detector(params, judging(row.family, options), true);
    });
    std::vector<double> ops;
    std::vector<double> seconds;
    int as_leak = 0;
    int in_warmup = 0;
    for (const auto& outcome : outcomes) {
      if (!outcome.failed_at) continue;
      const double seconds_judged = outcome.failed_at->t_s - outcome.judged_from.t_s;
      ops.push_back(outcome.failed_at->work - outcome.judged_from.work);
      seconds.push_back(seconds_judged);
      as_leak += outcome.final_shape == Shape::kLeak;
      in_warmup += seconds_judged < options.warmup_s;
    }
    if (ops.empty()) {
      fmt::print("| {} | 0/{} | | | | | | |\n", row.label, settings.trials);
      continue;
    }
    fmt::print("| {} | {}/{} | {} | {:.2f}M | {:.2f}M | {:.2f}M | {} | {} |\n", row.label,
               ops.size(), settings.trials, as_leak, quantile(ops, 0.5) / 1e6,
               quantile(ops, 0.9) / 1e6, quantile(ops, 1.0) / 1e6,
               format_duration(std::chrono::duration<double>(quantile(seconds, 0.5))), in_warmup);
  }
  fmt::print("\n");
}

std::vector<LeakRow> sized_rows(Family family, std::initializer_list<double> sizes) {
  std::vector<LeakRow> rows;
  for (const double size : sizes) {
    rows.push_back(LeakRow{fmt::format("{:g} B/op", size), family, size});
  }
  return rows;
}

}  // namespace
}  // namespace memsoak

int main(int argc, char** argv) {
  using namespace memsoak;
  Settings settings;
  CLI::App app{"Calibrate the growth detector on synthetic series; prints markdown tables"};
  add_options(app, settings);
  CLI11_PARSE(app, argc, argv);
  const DetectorOptions options = detector_options(settings);
  const auto start = std::chrono::steady_clock::now();
  if (wanted(settings.tables, "healthy")) healthy_table(settings, options);
  if (wanted(settings.tables, "leaks")) {
    leak_rows(settings, options, "Leaks: operations until the run fails",
              sized_rows(Family::kMixed, {64, 8, 4, 1}));
  }
  if (wanted(settings.tables, "periodic-leaks")) {
    leak_rows(settings, options, "Leaks under a periodic cache",
              sized_rows(Family::kPeriodic, {64, 8, 1}));
  }
  if (wanted(settings.tables, "early")) {
    leak_rows(settings, options, "Big leaks: proven before the warm-up ends?",
              sized_rows(Family::kMixed, {4096, 1024, 256}));
  }
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  fmt::print("(computed in {:.0f} s on {} threads)\n", elapsed.count(), settings.threads);
  return 0;
}

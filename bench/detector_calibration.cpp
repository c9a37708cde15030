// Measures the detector on synthetic series and prints a markdown table: the false-positive
// rate over healthy runs (each fed live, checked after every sample, the way `memsoak run`
// uses it) and the operations needed to detect leaks of several sizes. The output is committed
// as bench/detector_calibration.md. Seeds are fixed: the same command gives the same table.
//
//   detector_calibration [--healthy N] [--hours H] [--trials M] [--threads T] [--seed S]
//                        [--rss-only]
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

#include "harness/units.h"
#include "tests/support/calibration.h"

namespace memsoak {
namespace {

struct Settings {
  int healthy = 1000;
  double hours = 2;
  int trials = 100;
  int threads = 2;
  std::uint64_t seed = 1;
  bool rss_only = false;
};

void add_options(CLI::App& app, Settings& settings) {
  app.add_option("--healthy", settings.healthy, "Healthy series")->capture_default_str();
  app.add_option("--hours", settings.hours, "Length of each series")->capture_default_str();
  app.add_option("--trials", settings.trials, "Series per leak size")->capture_default_str();
  app.add_option("--threads", settings.threads, "Worker threads")->capture_default_str();
  app.add_option("--seed", settings.seed, "First seed")->capture_default_str();
  app.add_flag("--rss-only", settings.rss_only,
               "Series without allocator live bytes, judged on RSS alone (as under mimalloc)");
}

std::string_view signal_title(const Settings& settings) {
  return settings.rss_only ? " (RSS alone)" : "";
}

GeneratorParams draw(const Settings& settings, std::uint64_t seed) {
  return draw_healthy(seed, settings.hours * 3600, !settings.rss_only);
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

void healthy_table(const Settings& settings, const DetectorOptions& options) {
  std::vector<DetectionOutcome> outcomes(static_cast<std::size_t>(settings.healthy));
  parallel_for(settings.healthy, settings.threads, [&](int i) {
    const GeneratorParams params = draw(settings, settings.seed + static_cast<std::uint64_t>(i));
    outcomes[static_cast<std::size_t>(i)] = run_detector(params, options, false);
  });
  int failed = 0;
  std::map<std::string_view, int> shapes;
  for (const auto& outcome : outcomes) {
    failed += outcome.failed;
    ++shapes[shape_name(outcome.final_shape)];
  }
  fmt::print(
      "## Healthy runs{}\n\n| series | length | failed (false positives) | rate | final "
      "verdicts |\n|---|---|---|---|---|\n",
      signal_title(settings));
  std::string verdicts;
  for (const auto& [name, count] : shapes) {
    verdicts += fmt::format("{}{} {}", verdicts.empty() ? "" : ", ", name, count);
  }
  fmt::print("| {} | {} h ({} samples) | {} | {:.2f}% | {} |\n\n", settings.healthy, settings.hours,
             static_cast<int>(settings.hours * 3600) + 1, failed, 100.0 * failed / settings.healthy,
             verdicts);
}

void leak_table(const Settings& settings, const DetectorOptions& options) {
  fmt::print(
      "## Leaks: operations until the run fails{}\n\n| leak | detected | as `leak` | "
      "median ops | 90th pct ops | max ops | median time |\n|---|---|---|---|---|---|---|\n",
      signal_title(settings));
  for (const double bytes_per_op : {64.0, 8.0, 4.0, 1.0}) {
    std::vector<DetectionOutcome> outcomes(static_cast<std::size_t>(settings.trials));
    parallel_for(settings.trials, settings.threads, [&](int i) {
      GeneratorParams params =
          draw(settings, settings.seed + 1000000 + static_cast<std::uint64_t>(i));
      params.leak_bytes_per_op = bytes_per_op;
      outcomes[static_cast<std::size_t>(i)] = run_detector(params, options, true);
    });
    std::vector<double> ops;
    std::vector<double> seconds;
    int as_leak = 0;
    for (const auto& outcome : outcomes) {
      if (!outcome.failed_at) continue;
      ops.push_back(outcome.failed_at->work);
      seconds.push_back(outcome.failed_at->t_s);
      as_leak += outcome.final_shape == Shape::kLeak;
    }
    if (ops.empty()) {
      fmt::print("| {} B/op | 0/{} | | | | | |\n", bytes_per_op, settings.trials);
      continue;
    }
    fmt::print("| {} B/op | {}/{} | {} | {:.2f}M | {:.2f}M | {:.2f}M | {} |\n", bytes_per_op,
               ops.size(), settings.trials, as_leak, quantile(ops, 0.5) / 1e6,
               quantile(ops, 0.9) / 1e6, quantile(ops, 1.0) / 1e6,
               format_duration(std::chrono::duration<double>(quantile(seconds, 0.5))));
  }
  fmt::print("\n");
}

}  // namespace
}  // namespace memsoak

int main(int argc, char** argv) {
  memsoak::Settings settings;
  CLI::App app{"Calibrate the growth detector on synthetic series; prints a markdown table"};
  memsoak::add_options(app, settings);
  CLI11_PARSE(app, argc, argv);
  const memsoak::DetectorOptions options;
  const auto start = std::chrono::steady_clock::now();
  memsoak::healthy_table(settings, options);
  memsoak::leak_table(settings, options);
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  fmt::print("(computed in {:.0f} s on {} threads)\n", elapsed.count(), settings.threads);
  return 0;
}

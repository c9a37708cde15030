// `memsoak compare`: which allocator should this workload use? Runs `memsoak run` for every
// scenario x allocator cell, `--repeat` times, interleaved (soak/compare/repeats.h), each run a
// child process in a directory of its own, then prints the tables of soak/compare/comparison.h
// and keeps them (comparison.txt, .md, .json) beside the runs.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/allocator_registry.h"
#include "harness/file_descriptor.h"
#include "harness/subprocess.h"
#include "harness/units.h"
#include "soak/cli/commands.h"
#include "soak/compare/comparison.h"
#include "soak/run/stop_signals.h"
#include "soak/workload/scenarios.h"

namespace memsoak {
namespace {

namespace fs = std::filesystem;

struct CompareRequest {
  std::vector<std::string> scenarios;
  std::vector<std::string> allocators;
  std::string duration = "60s";
  std::size_t repeats = 3;
  std::string baseline;
  std::uint64_t seed = 1;
  std::string purge_every;
  std::string out;
  std::string format = "text";
  std::vector<std::string> run_flags;  // after --, passed on to every run
  std::string tables_from;             // no runs: the tables of the runs in this directory
};

struct Usage : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void check(const CompareRequest& request) {
  if (request.scenarios.empty() || request.allocators.empty()) {
    throw Usage("--scenario and --allocator are required (or --tables-from DIR)");
  }
  for (const std::string& scenario : request.scenarios) {
    try {
      workload::find_scenario(scenario);
    } catch (const std::invalid_argument& error) {
      throw Usage(fmt::format("--scenario: {}", error.what()));
    }
  }
  for (const std::string& allocator : request.allocators) {
    try {
      find_allocator(allocator);
    } catch (const std::invalid_argument& error) {
      throw Usage(fmt::format("--allocator: {}", error.what()));
    }
  }
  if (std::find(request.allocators.begin(), request.allocators.end(), request.baseline) ==
      request.allocators.end()) {
    throw Usage(fmt::format("--baseline {} is not among --allocator {}", request.baseline,
                            fmt::join(request.allocators, ",")));
  }
  for (const std::string& flag : request.run_flags) {
    for (const char* own :
         {"--scenario", "--allocator", "--seed", "--duration", "--out", "--purge-every"}) {
      if (flag == own || flag.starts_with(std::string(own) + "=")) {
        throw Usage(
            fmt::format("{} after --: give it to compare itself (memsoak compare --help)", own));
      }
    }
  }
  try {
    parse_duration(request.duration);
    if (!request.purge_every.empty()) parse_duration(request.purge_every);
  } catch (const std::exception& error) {
    throw Usage(error.what());
  }
}

// --out, or out/compare, out/compare-2, ...: a directory that holds nothing yet.
fs::path claim_out_dir(const std::string& requested) {
  const auto empty_or_absent = [](const fs::path& dir) {
    return !fs::exists(dir) || (fs::is_directory(dir) && fs::is_empty(dir));
  };
  fs::path dir = requested.empty() ? fs::path("out/compare") : fs::path(requested);
  if (requested.empty()) {
    for (int n = 2; !empty_or_absent(dir); ++n) dir = fmt::format("out/compare-{}", n);
  } else if (!empty_or_absent(dir)) {
    throw Usage(
        fmt::format("--out {}: it exists and is not empty; name a new directory", dir.string()));
  }
  fs::create_directories(dir);
  return dir;
}

std::string purge_interval(const CompareRequest& request) {
  if (!request.purge_every.empty()) return request.purge_every;
  const double seconds = parse_duration(request.duration).count() / 3;
  return fmt::format("{:.3f}s", seconds);
}

struct RunSlot {
  const std::string& scenario;
  const std::string& allocator;
  std::size_t repeat;
  fs::path dir;
};

// Runs one `memsoak run` to its end; a stop signal ends it early (SIGTERM: it still writes its
// verdict) and is returned. Its output goes to DIR.log.
std::optional<int> run_one(const CompareRequest& request, const RunSlot& slot, StopSignals& stop) {
  std::vector<std::string> argv{fs::read_symlink("/proc/self/exe").string(),
                                "run",
                                "--scenario",
                                slot.scenario,
                                "--allocator",
                                slot.allocator,
                                "--seed",
                                std::to_string(request.seed),
                                "--duration",
                                request.duration,
                                "--purge-every",
                                purge_interval(request),
                                "--out",
                                slot.dir.string()};
  argv.insert(argv.end(), request.run_flags.begin(), request.run_flags.end());
  const fs::path log_path = slot.dir.string() + ".log";
  const FileDescriptor log(
      ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (log.get() < 0) throw std::runtime_error(fmt::format("cannot write {}", log_path.string()));
  const pid_t pid = spawn_process(argv, current_environment(), {log.get(), log.get(), false});
  std::optional<int> stopped_by;
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      // Exit 2 is also a run too short to decide, which still leaves its numbers.
      if (!WIFEXITED(status) || WEXITSTATUS(status) > kExitUsage ||
          !fs::exists(slot.dir / "verdict.json")) {
        throw std::runtime_error(
            fmt::format("memsoak run for {} under {} (repeat {}) did not finish: see {}",
                        slot.scenario, slot.allocator, slot.repeat + 1, log_path.string()));
      }
      return stopped_by;
    }
    if (done < 0 && errno != EINTR) throw std::runtime_error("waitpid failed");
    const auto signal =
        stop.wait_until(std::chrono::steady_clock::now() + std::chrono::milliseconds(100));
    if (signal && !stopped_by) {
      stopped_by = signal;
      ::kill(-pid, SIGTERM);
    }
  }
}

std::string describe(const RunMetrics& run) {
  const auto value = [&run](const char* name) {
    const auto found = run.values.find(name);
    return found != run.values.end() ? found->second : 0.0;
  };
  return fmt::format("{:.0f} queries/s, peak RSS {:.1f} MiB, {}", value("queries_per_s"),
                     value("peak_rss_bytes") / (1 << 20), run.row.verdict);
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error(fmt::format("cannot write {}", path.string()));
}

std::string default_baseline(const std::vector<std::string>& allocators) {
  const bool has_system =
      std::find(allocators.begin(), allocators.end(), "system") != allocators.end();
  return has_system || allocators.empty() ? "system" : allocators.front();
}

// Runs every cell `repeats` times in the interleaved order; a stop signal ends the runs early.
std::vector<Cell> run_cells(const CompareRequest& request, const fs::path& out,
                            std::optional<int>& stopped_by) {
  std::vector<Cell> cells;
  for (const std::string& scenario : request.scenarios) {
    for (const std::string& allocator : request.allocators) {
      cells.push_back({scenario, allocator, {}});
    }
  }
  const std::vector<std::size_t> order = interleaved_order(cells.size(), request.repeats);
  StopSignals stop;
  for (std::size_t i = 0; i < order.size() && !stopped_by; ++i) {
    Cell& cell = cells[order[i]];
    const std::size_t repeat = cell.repeats.size();
    const RunSlot slot{cell.scenario, cell.allocator, repeat,
                       out / fmt::format("{}-{}-r{}", cell.scenario, cell.allocator, repeat + 1)};
    fmt::print(stderr, "compare: run {}/{}: {} under {}, repeat {} of {}, {} ...\n", i + 1,
               order.size(), cell.scenario, cell.allocator, repeat + 1, request.repeats,
               request.duration);
    stopped_by = run_one(request, slot, stop);
    cell.repeats.push_back(read_run_metrics(slot.dir));
    fmt::print(stderr, "compare:   {}\n", describe(cell.repeats.back()));
  }
  std::erase_if(cells, [](const Cell& cell) { return cell.repeats.empty(); });
  return cells;
}

// The runs an earlier comparison left in `dir` (each directory with a verdict.json), by
// scenario and allocator, each cell's repeats in the order of their -r<k> names.
std::vector<Cell> cells_in(const fs::path& dir) {
  if (!fs::is_directory(dir)) {
    throw Usage(fmt::format("--tables-from {}: not a directory", dir.string()));
  }
  std::vector<fs::path> runs;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (fs::exists(entry.path() / "verdict.json")) runs.push_back(entry.path());
  }
  // By cell, then by repeat number: "-r10" after "-r9".
  const auto key = [](const fs::path& run) {
    const std::string name = run.filename().string();
    const std::size_t mark = name.rfind("-r");
    const std::string number = mark == std::string::npos ? "" : name.substr(mark + 2);
    const bool numbered =
        !number.empty() && number.find_first_not_of("0123456789") == std::string::npos;
    return std::pair{name.substr(0, mark), numbered ? std::stoul(number) : 0UL};
  };
  std::sort(runs.begin(), runs.end(),
            [&key](const fs::path& a, const fs::path& b) { return key(a) < key(b); });
  std::vector<Cell> cells;
  for (const fs::path& run_dir : runs) {
    RunMetrics run = read_run_metrics(run_dir);
    const auto same = [&run](const Cell& cell) {
      return cell.scenario == run.row.scenario && cell.allocator == run.row.allocator;
    };
    auto cell = std::find_if(cells.begin(), cells.end(), same);
    if (cell == cells.end()) {
      cell = cells.insert(cells.end(), {run.row.scenario, run.row.allocator, {}});
    }
    cell->repeats.push_back(std::move(run));
  }
  if (cells.empty()) {
    throw Usage(fmt::format("--tables-from {}: no run directories in it", dir.string()));
  }
  return cells;
}

int compare(CompareRequest request) {
  std::optional<int> stopped_by;
  std::vector<Cell> cells;
  fs::path out;
  if (!request.tables_from.empty()) {
    out = request.tables_from;
    cells = cells_in(out);
    std::vector<std::string> allocators(cells.size());
    std::transform(cells.begin(), cells.end(), allocators.begin(),
                   [](const Cell& cell) { return cell.allocator; });
    if (request.baseline.empty()) request.baseline = default_baseline(allocators);
  } else {
    if (request.baseline.empty()) request.baseline = default_baseline(request.allocators);
    check(request);
    out = claim_out_dir(request.out);
    cells = run_cells(request, out, stopped_by);
  }
  const std::vector<ScenarioTable> tables = compare_cells(cells, request.baseline);
  const std::string text = comparison_text(tables);
  const std::string markdown = comparison_markdown(tables);
  const nlohmann::json json = comparison_json(tables);
  write_file(out / "comparison.txt", text);
  write_file(out / "comparison.md", markdown);
  write_file(out / "comparison.json", json.dump(2) + "\n");
  if (request.format == "markdown") {
    fmt::print("{}", markdown);
  } else if (request.format == "json") {
    fmt::print("{}\n", json.dump(2));
  } else {
    fmt::print("{}", text);
  }
  fmt::print(stderr, "compare: runs and tables in {}\n", out.string());
  if (stopped_by) {
    fmt::print(stderr, "compare: stopped by signal {} before every run was done\n", *stopped_by);
    return kExitFail;
  }
  const bool all_expected =
      std::all_of(tables.begin(), tables.end(), [](const ScenarioTable& table) {
        return std::all_of(table.columns.begin(), table.columns.end(),
                           [](const AllocatorColumn& column) { return column.unexpected.empty(); });
      });
  return all_expected ? kExitPass : kExitFail;
}

}  // namespace

void add_compare_command(CLI::App& app) {
  auto request = std::make_shared<CompareRequest>();
  CLI::App* command = app.add_subcommand(
      "compare", "Allocators side by side: throughput, latency and memory over repeated runs");
  command->add_option("--scenario", request->scenarios, "Scenarios, comma-separated (memsoak list)")
      ->delimiter(',');
  command
      ->add_option("--allocator", request->allocators,
                   "Allocators, comma-separated: system, jemalloc, mimalloc, tcmalloc")
      ->delimiter(',');
  command->add_option("--duration", request->duration, "Of each run")->capture_default_str();
  command->add_option("--repeat", request->repeats, "Runs of each cell, interleaved")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000}))
      ->capture_default_str();
  command->add_option("--baseline", request->baseline,
                      "Allocator the ratios are taken against (default system if compared, else "
                      "the first)");
  command->add_option("--seed", request->seed, "Seed of every run: the same documents and queries")
      ->capture_default_str();
  command->add_option("--purge-every", request->purge_every,
                      "Purge interval of each run, for what a purge gives back (default a third "
                      "of --duration)");
  command->add_option("--out", request->out,
                      "Directory for the runs and the tables; must be new or empty (default "
                      "out/compare, made unique)");
  command->add_option("--format", request->format, "text (default), markdown or json")
      ->check(CLI::IsMember({"text", "markdown", "json"}));
  command->add_option("--tables-from", request->tables_from,
                      "Run nothing: the tables of the runs an earlier comparison left in DIR "
                      "(one cut short, or with another --baseline)");
  command->add_option("RUN_FLAGS", request->run_flags,
                      "After --: flags for every `memsoak run` (e.g. -- --window-docs 4000)");
  command->footer(
      "Runs go round the cells once per repeat, starting one cell further each time, so that a "
      "noisy machine's drift spreads over every cell. Each value is the median over repeats with "
      "an order-statistic confidence interval; each ratio pairs a run with the baseline's run of "
      "the same repeat. A ratio whose interval holds 1 reads \"same\".\n"
      "Exit codes: 0 every run done with its expected verdict; 1 a verdict other than expected, "
      "or stopped by a signal; 2 bad flags or --out in use; 3 a run that did not finish.");
  command->callback([request] {
    try {
      throw Exit{compare(*request)};
    } catch (const Usage& error) {
      fmt::print(stderr, "memsoak compare: {}\n", error.what());
      throw Exit{kExitUsage};
    } catch (const Exit&) {
      throw;
    } catch (const std::exception& error) {
      fmt::print(stderr, "memsoak compare: {}\n", error.what());
      throw Exit{kExitInternal};
    }
  });
}

}  // namespace memsoak

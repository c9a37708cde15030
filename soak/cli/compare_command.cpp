// `memsoak compare`: which allocator should this workload use? Runs `memsoak run` for every
// scenario x allocator cell (or, with --watch, `memsoak watch` of the user's command under each
// allocator), `--repeat` times, interleaved (soak/compare/repeats.h), each run a child process
// in a directory of its own, then prints the tables of soak/compare/comparison.h and keeps them
// (comparison.txt, .md, .json) and the plots of soak/compare/comparison_plots.h beside the runs.
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
#include <string_view>
#include <utility>
#include <vector>

#include "harness/allocator_registry.h"
#include "harness/file_descriptor.h"
#include "harness/subprocess.h"
#include "harness/units.h"
#include "soak/cli/commands.h"
#include "soak/compare/comparison.h"
#include "soak/compare/comparison_plots.h"
#include "soak/report/plots.h"
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
  std::string plot_format = "png";
  std::vector<std::string> run_flags;  // after --, passed on to every run
  std::string tables_from;             // no runs: the tables of the runs in this directory
  bool watch = false;                  // run_flags are [WATCH_FLAGS... --] CMD ARGS
  std::vector<std::string> command;    // with --watch: what to start under each allocator
};

struct Usage : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// With --watch, the words after -- are the command, or watch's flags up to a second -- and
// then the command (a command never starts with '-').
void split_watch_words(CompareRequest& request) {
  std::vector<std::string>& words = request.run_flags;
  if (words.empty() || !words.front().starts_with("-")) {
    request.command = std::exchange(words, {});
    return;
  }
  const auto separator = std::find(words.begin(), words.end(), "--");
  if (separator == words.end()) {
    throw Usage(
        "--watch: after --, give the command to watch, or watch's flags, -- and the "
        "command (memsoak compare --watch -- --work n=stdout:REGEX -- ./service)");
  }
  request.command.assign(separator + 1, words.end());
  words.erase(separator, words.end());
}

void check(const CompareRequest& request) {
  if (request.watch) {
    if (!request.scenarios.empty()) {
      throw Usage(
          "--scenario and --watch exclude each other: --watch compares on the command "
          "after --");
    }
    if (request.command.empty()) throw Usage("--watch: give the command to watch after --");
  } else if (request.scenarios.empty()) {
    throw Usage("--scenario or --watch is required (or --tables-from DIR)");
  }
  if (request.allocators.empty()) throw Usage("--allocator is required (or --tables-from DIR)");
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
         {"--scenario", "--allocator", "--seed", "--duration", "--out", "--purge-every", "--pid"}) {
      if (flag == own || flag.starts_with(std::string(own) + "=")) {
        throw Usage(fmt::format("{} after --: {}", own,
                                std::string_view(own) == "--pid"
                                    ? "compare starts the command itself, under each allocator"
                                    : "give it to compare itself (memsoak compare --help)"));
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
std::vector<std::string> run_argv(const CompareRequest& request, const RunSlot& slot) {
  std::vector<std::string> argv{fs::read_symlink("/proc/self/exe").string(),
                                request.watch ? "watch" : "run",
                                "--allocator",
                                slot.allocator,
                                "--duration",
                                request.duration,
                                "--purge-every",
                                purge_interval(request),
                                "--out",
                                slot.dir.string()};
  if (!request.watch) {
    argv.insert(argv.end(), {"--scenario", slot.scenario, "--seed", std::to_string(request.seed)});
  }
  argv.insert(argv.end(), request.run_flags.begin(), request.run_flags.end());
  if (request.watch) {
    argv.emplace_back("--");
    argv.insert(argv.end(), request.command.begin(), request.command.end());
  }
  return argv;
}

std::optional<int> run_one(const CompareRequest& request, const RunSlot& slot, StopSignals& stop) {
  const std::vector<std::string> argv = run_argv(request, slot);
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
            fmt::format("memsoak {} for {} under {} (repeat {}) did not finish: see {}",
                        request.watch ? "watch" : "run", slot.scenario, slot.allocator,
                        slot.repeat + 1, log_path.string()));
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

// "1520 queries/s, 310 docs/s, peak RSS 180.2 MiB, bounded"
std::string describe(const RunMetrics& run) {
  std::string text;
  for (const std::string& counter : run.counters) {
    const Metric rate = rate_metric(counter);
    text += fmt::format("{:.0f} {}, ", run.values.at(rate.name), rate.label);
  }
  const auto peak = run.values.find("peak_rss_bytes");
  if (peak != run.values.end()) {
    text += fmt::format("peak RSS {:.1f} MiB, ", peak->second / (1 << 20));
  }
  return text + run.row.verdict;
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
  // A watched command's table is named as `memsoak merge` names its runs: by its program.
  const std::vector<std::string> scenarios =
      request.watch ? std::vector{fs::path(request.command.front()).filename().string()}
                    : request.scenarios;
  for (const std::string& scenario : scenarios) {
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

// Plots are optional equipment: without gnuplot, or when it fails, the script stays and the
// message says how to draw them; the comparison's outcome does not change.
void draw_plots(const std::vector<Cell>& cells, const CompareRequest& request,
                const fs::path& out) {
  const PlotFormat format = request.plot_format == "svg" ? PlotFormat::kSvg : PlotFormat::kPng;
  const ComparisonPlots plots = comparison_plots(cells, format);
  if (plots.outputs.empty()) return;
  write_file(out / kComparisonPlotScript, plots.script);
  const PlotOutcome drawn = draw_with_gnuplot(
      PlotRequest{.dir = out, .format = format, .gnuplot = find_in_path("gnuplot")},
      kComparisonPlotScript, plots.outputs);
  if (drawn.status == PlotOutcome::Status::kDrawn) {
    fmt::print(stderr, "compare: plots {}\n", fmt::join(drawn.files, ", "));
  } else {
    fmt::print(stderr, "compare: {}\n", drawn.problem);
  }
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
    if (request.watch) split_watch_words(request);
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
  draw_plots(cells, request, out);
  fmt::print(stderr, "compare: runs, tables and plots in {}\n", out.string());
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
  command
      ->add_option("--seed", request->seed,
                   "Seed of every run: the same documents and queries (not with --watch)")
      ->capture_default_str();
  command->add_option("--purge-every", request->purge_every,
                      "Purge interval of each run, for what a purge gives back (default a third "
                      "of --duration)");
  command->add_option("--out", request->out,
                      "Directory for the runs and the tables; must be new or empty (default "
                      "out/compare, made unique)");
  command->add_option("--format", request->format, "text (default), markdown or json")
      ->check(CLI::IsMember({"text", "markdown", "json"}));
  command->add_option("--plot-format", request->plot_format, "png (default) or svg")
      ->check(CLI::IsMember({"png", "svg"}));
  command->add_flag("--watch", request->watch,
                    "Compare on your own command instead of a scenario: after --, the command "
                    "(each run is `memsoak watch --allocator A -- CMD`), or watch's flags, -- and "
                    "the command");
  command->add_option("--tables-from", request->tables_from,
                      "Run nothing: the tables of the runs an earlier comparison left in DIR "
                      "(one cut short, or with another --baseline)");
  command->add_option("RUN_FLAGS", request->run_flags,
                      "After --: flags for every `memsoak run` (e.g. -- --window-docs 4000); with "
                      "--watch, [WATCH_FLAGS... --] CMD ARGS");
  command->footer(
      "Runs go round the cells once per repeat, starting one cell further each time, so that a "
      "noisy machine's drift spreads over every cell. Each value is the median over repeats with "
      "an order-statistic confidence interval; each ratio pairs a run with the baseline's run of "
      "the same repeat. A ratio whose interval holds 1 (within 0.5 %) reads \"same\".\n"
      "Examples:\n"
      "  memsoak compare --scenario healthy --allocator system,jemalloc,mimalloc --repeat 5\n"
      "  memsoak compare --watch --allocator system,jemalloc --duration 10m -- \\\n"
      "      --work requests=stdout:'served ([0-9]+)' -- ./my-service --port 8080\n"
      "Exit codes: 0 every run done with its expected verdict (--watch: none failed); 1 a "
      "verdict other than expected, or stopped by a signal; 2 bad flags or --out in use; 3 a "
      "run that did not finish.");
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

// memsoak: finds the memory failures of long-running services. See README.md.
#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <exception>
#include <iostream>
#include <system_error>

#include "soak/cli/commands.h"

namespace {

int parse_and_run(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // CLI11 uses 0 for --help and 106/1xx for usage errors; ours are 0 and 2.
    const int code = app.exit(error);
    return code == 0 ? memsoak::kExitPass : memsoak::kExitUsage;
  } catch (const memsoak::Exit& exit) {
    return exit.code;
  } catch (const std::exception& error) {
    fmt::print(stderr, "memsoak: internal error: {}\n", error.what());
    return memsoak::kExitInternal;
  }
  return memsoak::kExitPass;
}

// What a command printed must have reached its reader: output to a full disk or a closed pipe
// is an error of the run's environment, not a pass.
bool output_reached_its_reader() {
  std::cout.flush();
  errno = 0;
  const bool written = std::fflush(stdout) == 0 && std::ferror(stdout) == 0 && std::cout.good();
  if (!written) {
    fmt::print(stderr, "memsoak: cannot write to standard output: {}\n",
               errno != 0 ? std::generic_category().message(errno) : "write error");
  }
  return written;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"memsoak: find the memory failures of long-running services"};
  app.require_subcommand(1);
  memsoak::add_run_command(app);
  memsoak::add_watch_command(app);
  memsoak::add_analyze_command(app);
  memsoak::add_merge_command(app);
  memsoak::add_compare_command(app);
  memsoak::add_list_command(app);
  memsoak::add_probe_allocator_command(app);
  memsoak::add_report_command(app);
  const int code = parse_and_run(app, argc, argv);
  if (!output_reached_its_reader() && code == memsoak::kExitPass) return memsoak::kExitUsage;
  return code;
}

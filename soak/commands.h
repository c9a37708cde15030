// The subcommands of `memsoak`. Each add_*_command registers one subcommand on the app;
// its callback runs the command and throws memsoak::Exit to set the process exit code.
#pragma once

#include <CLI/CLI.hpp>

namespace memsoak {

// Exit codes, as documented in README: what a CI job branches on.
enum ExitCode : int {
  kExitPass = 0,      // verdict pass
  kExitFail = 1,      // a bound was crossed or memory grew with the work
  kExitUsage = 2,     // bad flags or bad input
  kExitInternal = 3,  // a bug or an environment failure in memsoak itself
};

// Thrown by a command to end the program with `code`; the message, if any, goes to stderr.
struct Exit {
  int code;
};

void add_run_command(CLI::App& app);      // soak/command_run.cpp
void add_analyze_command(CLI::App& app);  // soak/command_analyze.cpp

// memsoak list: allocators (soak/command_list.cpp).
void add_list_command(CLI::App& app);
// memsoak probe-allocator, hidden: what `memsoak list` runs under each allocator's preload.
void add_probe_allocator_command(CLI::App& app);
// memsoak report: summary and plots of a run directory (soak/command_report.cpp).
void add_report_command(CLI::App& app);

}  // namespace memsoak

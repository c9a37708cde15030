// The subcommands of `memsoak`. Each add_*_command registers one subcommand on the app;
// its callback runs the command and throws memsoak::Exit to set the process exit code.
#pragma once

#include <CLI/CLI.hpp>

#include "soak/exit_code.h"

namespace memsoak {

// Thrown by a command to end the program with `code`; the message, if any, goes to stderr.
struct Exit {
  int code;
};

void add_run_command(CLI::App& app);      // soak/cli/run_command.cpp
void add_analyze_command(CLI::App& app);  // soak/cli/analyze_command.cpp
void add_watch_command(CLI::App& app);    // soak/cli/watch_command.cpp
void add_merge_command(CLI::App& app);    // soak/cli/merge_command.cpp
void add_compare_command(CLI::App& app);  // soak/cli/compare_command.cpp

// memsoak list: allocators (soak/cli/list_command.cpp).
void add_list_command(CLI::App& app);
// memsoak probe-allocator, hidden: what `memsoak list` runs under each allocator's preload.
void add_probe_allocator_command(CLI::App& app);
// memsoak report: summary and plots of a run directory (soak/cli/report_command.cpp).
void add_report_command(CLI::App& app);

}  // namespace memsoak

// Run a program to completion with a given environment and capture what it prints: how memsoak
// asks a copy of itself, preloaded with an allocator, what it sees (`memsoak list`), and how
// tests run children under each allocator. Output is held in memory: for short reports only.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>

namespace memsoak {

struct CapturedRun {
  int exit_code = -1;      // the exit status, or -1 when killed by a signal
  int signal = 0;          // the signal that killed it, 0 if it exited
  bool timed_out = false;  // killed (SIGKILL) for outliving its time
  std::string stdout_text;
  std::string stderr_text;
};

struct SpawnError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// argv[0] is the program path (not searched in PATH); environment holds "NAME=value" entries.
// The program runs in a process group of its own; given a timeout, the group is killed when it
// runs longer. Throws SpawnError naming the program when it cannot be started.
CapturedRun run_capturing(std::span<const std::string> argv,
                          std::span<const std::string> environment,
                          std::optional<std::chrono::milliseconds> timeout = std::nullopt);

}  // namespace memsoak

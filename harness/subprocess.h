// Start programs with a given environment: spawn_process for one that runs alongside memsoak
// (`memsoak watch`), run_capturing to run one to completion and capture what it prints (how
// memsoak asks a copy of itself, preloaded with an allocator, what it sees, and how tests run
// children under each allocator; output is held in memory: for short reports only).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>

#include "harness/file_descriptor.h"

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

// Both ends of a pipe, close-on-exec; throws SpawnError.
struct Pipe {
  FileDescriptor read_end;
  FileDescriptor write_end;
};
Pipe make_pipe();

struct SpawnStreams {
  int stdout_fd = -1;  // dup'ed onto the child's stdout; -1: inherited
  int stderr_fd = -1;
  bool search_path = false;  // argv[0] is looked up in PATH
};

// Starts argv in a process group of its own (pgid = its pid) with no signal blocked, and
// returns its pid for the caller to wait for. Throws SpawnError naming the program.
pid_t spawn_process(std::span<const std::string> argv, std::span<const std::string> environment,
                    const SpawnStreams& streams);

// argv[0] is the program path (not searched in PATH); environment holds "NAME=value" entries.
// The program runs in a process group of its own; given a timeout, the group is killed when it
// runs longer. Throws SpawnError naming the program when it cannot be started.
CapturedRun run_capturing(std::span<const std::string> argv,
                          std::span<const std::string> environment,
                          std::optional<std::chrono::milliseconds> timeout = std::nullopt);

}  // namespace memsoak

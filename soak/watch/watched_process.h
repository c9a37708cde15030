// The process `memsoak watch` follows: a command it starts (in a process group of its own, so
// that a stop reaches the workers a server forks) or a running process it attaches to by pid
// (never stopped: it is not ours). A started command's stdout and stderr can be tapped: every
// byte is still passed through to memsoak's own, unchanged and as it comes, and each complete
// line is also handed to a callback on a reader thread (how stdout:REGEX counters read).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "harness/file_descriptor.h"

namespace memsoak {

enum class OutputStream { kStdout, kStderr };

// Called on a reader thread with each line (without its newline) of a tapped stream.
using LineCallback = std::function<void(OutputStream, std::string_view line)>;

struct ProcessExit {
  std::optional<int> exit_code;  // exited with this status
  std::optional<int> signal;     // killed by this signal
  bool stopped_by_memsoak = false;

  // A crash or a non-zero exit that memsoak did not cause.
  bool failed() const;
  std::string describe() const;  // "exited with status 3", "killed by SIGSEGV", ...
  nlohmann::json to_json() const;
};

struct TappedStreams {
  bool stdout_lines = false;
  bool stderr_lines = false;
};

class WatchedProcess {
 public:
  // Starts argv (argv[0] looked up in PATH) with `environment`; throws SpawnError.
  static WatchedProcess start(const std::vector<std::string>& argv,
                              const std::vector<std::string>& environment, TappedStreams tapped,
                              LineCallback on_line);
  // Follows a running process; throws ProcessGone when there is none.
  static WatchedProcess attach(pid_t pid);

  WatchedProcess(WatchedProcess&& other) noexcept;
  WatchedProcess& operator=(WatchedProcess&&) = delete;
  ~WatchedProcess();  // a started command still running is stopped (grace of 10 s)

  pid_t pid() const { return pid_; }
  bool started_by_memsoak() const { return owned_; }

  // How it ended, once it has (without waiting); for an attached process only that it is gone.
  std::optional<ProcessExit> poll();
  // A started command: SIGTERM to its group, SIGKILL after `grace`, then reaped; returns how it
  // ended (maybe on its own meanwhile). An attached process is left alone.
  std::optional<ProcessExit> stop(std::chrono::duration<double> grace);

 private:
  WatchedProcess(pid_t pid, bool owned) : pid_(pid), owned_(owned) {}
  void join_readers();

  pid_t pid_;
  bool owned_;
  std::optional<ProcessExit> exit_;
  std::vector<std::thread> readers_;
};

}  // namespace memsoak

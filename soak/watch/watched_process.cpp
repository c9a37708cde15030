#include "soak/watch/watched_process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <system_error>
#include <utility>

#include "harness/proc_memory.h"
#include "harness/subprocess.h"

namespace memsoak {
namespace {

using Clock = std::chrono::steady_clock;

void write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t written = ::write(fd, data, size);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return;  // our own output is gone: keep draining the child's
    data += written;
    size -= static_cast<std::size_t>(written);
  }
}

// Lines longer than this are handed on in pieces: a child printing without newlines must not
// grow memsoak's memory.
constexpr std::size_t kMaxLineBytes = std::size_t{64} << 10;

// Passes `from` through to `to` and hands each line to `on_line`, until end of file. Lines are
// handed on before they are written through: a reader of `to` that falls behind (a busy CI
// runner) must not hold back the work counters read from them.
void pass_through(FileDescriptor from, int to, OutputStream stream, const LineCallback& on_line) {
  std::array<char, 8192> buffer{};
  std::string line;
  for (;;) {
    const ssize_t count = ::read(from.get(), buffer.data(), buffer.size());
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) break;
    for (ssize_t i = 0; i < count; ++i) {
      if (buffer[i] == '\n' || line.size() == kMaxLineBytes) {
        on_line(stream, line);
        line.clear();
      }
      if (buffer[i] != '\n') line += buffer[i];
    }
    write_all(to, buffer.data(), static_cast<std::size_t>(count));
  }
  if (!line.empty()) on_line(stream, line);
}

ProcessExit exit_from_status(int status) {
  ProcessExit exit;
  if (WIFEXITED(status)) exit.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) exit.signal = WTERMSIG(status);
  return exit;
}

bool process_exists(pid_t pid) { return ::kill(pid, 0) == 0 || errno == EPERM; }

}  // namespace

bool ProcessExit::failed() const {
  if (stopped_by_memsoak) return false;
  return signal.has_value() || exit_code.value_or(0) != 0;
}

std::string ProcessExit::describe() const {
  std::string text;
  if (signal) {
    const char* name = ::sigabbrev_np(*signal);
    text =
        name ? fmt::format("killed by SIG{}", name) : fmt::format("killed by signal {}", *signal);
  } else if (exit_code) {
    text = fmt::format("exited with status {}", *exit_code);
  } else {
    text = "exited (its status is for its parent to read)";
  }
  return stopped_by_memsoak ? text + " when memsoak stopped it" : text;
}

nlohmann::json ProcessExit::to_json() const {
  return {{"exit_code", exit_code ? nlohmann::json(*exit_code) : nlohmann::json()},
          {"signal", signal ? nlohmann::json(*signal) : nlohmann::json()},
          {"stopped_by_memsoak", stopped_by_memsoak},
          {"failed", failed()}};
}

WatchedProcess WatchedProcess::start(const std::vector<std::string>& argv,
                                     const std::vector<std::string>& environment,
                                     TappedStreams tapped, LineCallback on_line) {
  std::optional<Pipe> out = tapped.stdout_lines ? std::optional(make_pipe()) : std::nullopt;
  std::optional<Pipe> err = tapped.stderr_lines ? std::optional(make_pipe()) : std::nullopt;
  const SpawnStreams streams{out ? out->write_end.get() : -1, err ? err->write_end.get() : -1,
                             true};
  WatchedProcess process(spawn_process(argv, environment, streams), true);
  if (out) {
    out->write_end = FileDescriptor();
    process.readers_.emplace_back(pass_through, std::move(out->read_end), STDOUT_FILENO,
                                  OutputStream::kStdout, on_line);
  }
  if (err) {
    err->write_end = FileDescriptor();
    process.readers_.emplace_back(pass_through, std::move(err->read_end), STDERR_FILENO,
                                  OutputStream::kStderr, on_line);
  }
  return process;
}

WatchedProcess WatchedProcess::attach(pid_t pid) {
  if (pid <= 0 || !process_exists(pid)) throw ProcessGone(pid, "no such process");
  return WatchedProcess(pid, false);
}

WatchedProcess::WatchedProcess(WatchedProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      owned_(std::exchange(other.owned_, false)),
      exit_(other.exit_),
      readers_(std::move(other.readers_)) {}

WatchedProcess::~WatchedProcess() {
  if (owned_ && pid_ > 0) stop(std::chrono::seconds(10));
  join_readers();
}

void WatchedProcess::join_readers() {
  for (std::thread& reader : readers_) {
    if (reader.joinable()) reader.join();
  }
  readers_.clear();
}

std::optional<ProcessExit> WatchedProcess::poll() {
  if (exit_) return exit_;
  if (!owned_) {
    if (!process_exists(pid_)) exit_ = ProcessExit{};
    return exit_;
  }
  int status = 0;
  pid_t reaped = 0;
  while ((reaped = ::waitpid(pid_, &status, WNOHANG)) < 0 && errno == EINTR) {
  }
  if (reaped == pid_) exit_ = exit_from_status(status);
  return exit_;
}

std::optional<ProcessExit> WatchedProcess::stop(std::chrono::duration<double> grace) {
  if (!owned_) return poll();
  if (!poll()) {
    ::kill(-pid_, SIGTERM);
    const Clock::time_point deadline =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(grace);
    while (!poll() && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!exit_) {
      ::kill(-pid_, SIGKILL);
      int status = 0;
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      exit_ = exit_from_status(status);
    }
    exit_->stopped_by_memsoak = true;
  }
  // What the group left behind would hold the tapped pipes open, and the readers with them.
  ::kill(-pid_, SIGKILL);
  join_readers();
  return exit_;
}

}  // namespace memsoak

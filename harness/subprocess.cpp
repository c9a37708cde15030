#include "harness/subprocess.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <system_error>
#include <vector>

#include "harness/file_descriptor.h"

namespace memsoak {
namespace {

std::vector<char*> as_c_strings(std::span<const std::string> strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (const std::string& text : strings) pointers.push_back(const_cast<char*>(text.c_str()));
  pointers.push_back(nullptr);
  return pointers;
}

using Clock = std::chrono::steady_clock;

constexpr Clock::time_point kNoDeadline = Clock::time_point::max();

// poll()'s timeout until `deadline`: -1 (none) without one.
int poll_timeout_ms(Clock::time_point deadline) {
  if (deadline == kNoDeadline) return -1;
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<std::chrono::milliseconds::rep>(0, left.count()));
}

// Drains both pipes together: reading one to its end first could deadlock on the other. At the
// deadline the child's process group is killed, which closes the pipes it holds.
void read_until_closed(Pipe& out, Pipe& err, pid_t group, Clock::time_point deadline,
                       CapturedRun& run) {
  std::array<pollfd, 2> polls{pollfd{out.read_end.get(), POLLIN, 0},
                              pollfd{err.read_end.get(), POLLIN, 0}};
  std::array<std::string*, 2> sinks{&run.stdout_text, &run.stderr_text};
  std::array<char, 4096> buffer{};
  int open_count = 2;
  while (open_count > 0) {
    const int ready = ::poll(polls.data(), polls.size(), poll_timeout_ms(deadline));
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw SpawnError(fmt::format("poll: {}", std::system_category().message(errno)));
    }
    if (ready == 0) {  // the deadline passed
      ::kill(-group, SIGKILL);
      run.timed_out = true;
      deadline = kNoDeadline;
      continue;
    }
    for (std::size_t i = 0; i < polls.size(); ++i) {
      if (polls[i].fd < 0 || polls[i].revents == 0) continue;
      const ssize_t count = ::read(polls[i].fd, buffer.data(), buffer.size());
      if (count > 0) {
        sinks[i]->append(buffer.data(), static_cast<std::size_t>(count));
      } else if (count == 0 || errno != EINTR) {
        polls[i].fd = -1;  // poll ignores negative fds
        --open_count;
      }
    }
  }
}

}  // namespace

Pipe make_pipe() {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
    throw SpawnError(fmt::format("pipe: {}", std::system_category().message(errno)));
  }
  return Pipe{FileDescriptor(fds[0]), FileDescriptor(fds[1])};
}

pid_t spawn_process(std::span<const std::string> argv, std::span<const std::string> environment,
                    const SpawnStreams& streams) {
  if (argv.empty()) throw SpawnError("spawn_process: empty argv");
  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  if (streams.stdout_fd >= 0) {
    ::posix_spawn_file_actions_adddup2(&actions, streams.stdout_fd, STDOUT_FILENO);
  }
  if (streams.stderr_fd >= 0) {
    ::posix_spawn_file_actions_adddup2(&actions, streams.stderr_fd, STDERR_FILENO);
  }
  posix_spawnattr_t attributes;
  ::posix_spawnattr_init(&attributes);
  // A group of its own, to stop or kill as a whole; and the signals memsoak blocks (its stop
  // signals) unblocked again, or the program could not be stopped by them.
  ::posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
  ::posix_spawnattr_setpgroup(&attributes, 0);
  sigset_t no_signals;
  ::sigemptyset(&no_signals);
  ::posix_spawnattr_setsigmask(&attributes, &no_signals);
  std::vector<char*> child_argv = as_c_strings(argv);
  std::vector<char*> child_environment = as_c_strings(environment);
  pid_t pid = 0;
  const auto spawn = streams.search_path ? ::posix_spawnp : ::posix_spawn;
  const int spawn_error = spawn(&pid, argv[0].c_str(), &actions, &attributes, child_argv.data(),
                                child_environment.data());
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attributes);
  if (spawn_error != 0) {
    throw SpawnError(
        fmt::format("cannot run {}: {}", argv[0], std::system_category().message(spawn_error)));
  }
  return pid;
}

CapturedRun run_capturing(std::span<const std::string> argv,
                          std::span<const std::string> environment,
                          std::optional<std::chrono::milliseconds> timeout) {
  if (argv.empty()) throw SpawnError("run_capturing: empty argv");
  const Clock::time_point deadline = timeout ? Clock::now() + *timeout : kNoDeadline;
  Pipe out = make_pipe();
  Pipe err = make_pipe();
  const pid_t pid = spawn_process(argv, environment,
                                  SpawnStreams{out.write_end.get(), err.write_end.get(), false});
  // Our copies of the write ends must close, or the reads below never see end of file.
  out.write_end = FileDescriptor();
  err.write_end = FileDescriptor();
  CapturedRun run;
  read_until_closed(out, err, pid, deadline, run);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) run.signal = WTERMSIG(status);
  return run;
}

}  // namespace memsoak

#include "harness/proc_memory.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <system_error>

namespace memsoak {
namespace {

const std::uint64_t kPageBytes = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));

std::string proc_path(pid_t pid, std::string_view name) {
  return fmt::format("/proc/{}/{}", pid, name);
}

// ENOENT: no such pid directory; ESRCH: the task behind a kept fd is gone.
bool means_process_gone(int error) { return error == ENOENT || error == ESRCH; }

[[noreturn]] void throw_read_error(pid_t pid, std::string_view name, int error) {
  if (means_process_gone(error)) throw ProcessGone(pid, fmt::format("reading {}", name));
  throw std::runtime_error(fmt::format("cannot read {}: {}{}", proc_path(pid, name),
                                       std::system_category().message(error),
                                       error == EACCES ? " (needs ptrace access to the process: "
                                                         "same user or CAP_SYS_PTRACE)"
                                                       : ""));
}

FileDescriptor open_proc_file(pid_t pid, std::string_view name) {
  FileDescriptor fd(::open(proc_path(pid, name).c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.is_open()) throw_read_error(pid, name, errno);
  return fd;
}

// /proc files are generated on read: pread at offset 0 regenerates them without a reopen.
std::string read_whole(const FileDescriptor& fd, pid_t pid, std::string_view name) {
  std::string text;
  std::array<char, 4096> buffer{};
  for (;;) {
    const ssize_t count =
        ::pread(fd.get(), buffer.data(), buffer.size(), static_cast<off_t>(text.size()));
    if (count < 0) {
      if (errno == EINTR) continue;
      throw_read_error(pid, name, errno);
    }
    if (count == 0) return text;
    text.append(buffer.data(), static_cast<std::size_t>(count));
  }
}

std::uint64_t parse_number(std::string_view text, std::string_view what) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end == text.data()) {
    throw std::runtime_error(fmt::format("expected a number for {}, found '{}'", what, text));
  }
  return value;
}

// The whitespace-separated field `index` (0-based) of `text`.
std::string_view field(std::string_view text, std::size_t index, std::string_view what) {
  constexpr std::string_view kBlank = " \t";
  std::size_t start = text.find_first_not_of(kBlank);
  for (std::size_t i = 0; i < index && start != std::string_view::npos; ++i) {
    start = text.find_first_not_of(kBlank, text.find_first_of(kBlank, start));
  }
  if (start == std::string_view::npos) {
    throw std::runtime_error(fmt::format("{}: too few fields in '{}'", what, text));
  }
  const std::size_t end = text.find_first_of(" \t\n", start);
  return text.substr(start, end == std::string_view::npos ? text.size() - start : end - start);
}

// Value of a "Key:   1234 kB" line (smaps_rollup, status) in bytes.
std::uint64_t kib_line_bytes(std::string_view text, std::string_view key) {
  const std::string prefix = fmt::format("\n{}:", key);
  const std::size_t at = text.find(prefix);
  if (at == std::string_view::npos) {
    throw std::runtime_error(fmt::format("no '{}' line in '{}'", key, text.substr(0, 200)));
  }
  return parse_number(field(text.substr(at + prefix.size()), 0, key), key) * 1024;
}

// State letter of /proc/<pid>/status ("State:\tZ (zombie)").
char status_state(std::string_view text) {
  const std::size_t at = text.find("State:");
  return at == std::string_view::npos ? '?' : field(text.substr(at + 6), 0, "State")[0];
}

bool has_exited(char state) { return state == 'Z' || state == 'X'; }

}  // namespace

ProcessGone::ProcessGone(pid_t gone_pid, std::string_view detail)
    : std::runtime_error(fmt::format("process {} is gone ({})", gone_pid, detail)), pid(gone_pid) {}

std::uint64_t parse_statm_rss_bytes(std::string_view text, pid_t pid) {
  // A zero VmSize means the process has no address space left: it exited and is a zombie.
  if (parse_number(field(text, 0, "statm size"), "statm size") == 0) {
    throw ProcessGone(pid, "exited, not yet reaped");
  }
  return parse_number(field(text, 1, "statm resident"), "statm resident") * kPageBytes;
}

RssBreakdown parse_status_rss(std::string_view text, pid_t pid) {
  if (has_exited(status_state(text))) throw ProcessGone(pid, "exited, not yet reaped");
  return RssBreakdown{.rss_bytes = kib_line_bytes(text, "VmRSS"),
                      .anon_bytes = kib_line_bytes(text, "RssAnon"),
                      .file_bytes = kib_line_bytes(text, "RssFile"),
                      .shmem_bytes = kib_line_bytes(text, "RssShmem")};
}

SmapsRollup parse_smaps_rollup(std::string_view text) {
  // The first line is the address range header; every key starts a later line.
  return SmapsRollup{.rss_bytes = kib_line_bytes(text, "Rss"),
                     .pss_bytes = kib_line_bytes(text, "Pss"),
                     .anonymous_bytes = kib_line_bytes(text, "Anonymous"),
                     .swap_bytes = kib_line_bytes(text, "Swap")};
}

PageFaults parse_stat_faults(std::string_view text, pid_t pid) {
  // The command name in parentheses may hold spaces and ')': fields start after the last ')'.
  const std::size_t name_end = text.rfind(')');
  if (name_end == std::string_view::npos) {
    throw std::runtime_error(fmt::format("no ')' after the command name in '{}'", text));
  }
  const std::string_view fields = text.substr(name_end + 1);
  if (has_exited(field(fields, 0, "stat state")[0])) {
    throw ProcessGone(pid, "exited, not yet reaped");
  }
  return PageFaults{.minor = parse_number(field(fields, 7, "stat minflt"), "minflt"),
                    .major = parse_number(field(fields, 9, "stat majflt"), "majflt")};
}

ProcessMemory::ProcessMemory(pid_t pid)
    : pid_(pid),
      statm_(open_proc_file(pid, "statm")),
      status_(open_proc_file(pid, "status")),
      stat_(open_proc_file(pid, "stat")) {
  // Kept open from the start, like the others, so that it cannot name a reused pid later.
  smaps_rollup_ =
      FileDescriptor(::open(proc_path(pid, "smaps_rollup").c_str(), O_RDONLY | O_CLOEXEC));
  if (!smaps_rollup_.is_open()) smaps_rollup_open_errno_ = errno;
}

ProcessMemory ProcessMemory::self() { return ProcessMemory(::getpid()); }

std::string ProcessMemory::read(const FileDescriptor& fd, std::string_view name) const {
  return read_whole(fd, pid_, name);
}

std::uint64_t ProcessMemory::rss_bytes() const {
  return parse_statm_rss_bytes(read(statm_, "statm"), pid_);
}

RssBreakdown ProcessMemory::rss_breakdown() const {
  return parse_status_rss(read(status_, "status"), pid_);
}

SmapsRollup ProcessMemory::smaps_rollup() const {
  if (!smaps_rollup_.is_open()) throw_read_error(pid_, "smaps_rollup", smaps_rollup_open_errno_);
  return parse_smaps_rollup(read(smaps_rollup_, "smaps_rollup"));
}

PageFaults ProcessMemory::page_faults() const {
  return parse_stat_faults(read(stat_, "stat"), pid_);
}

}  // namespace memsoak

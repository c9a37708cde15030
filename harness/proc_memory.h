// Memory of one process (this one or any pid) as the kernel reports it under /proc/<pid>.
// - rss_bytes(): /proc/<pid>/statm read with pread on a kept fd; cheap enough for every sample.
// - rss_breakdown(): RssAnon/RssFile/RssShmem from /proc/<pid>/status (the same kernel
//   counters as statm; smaps_rollup has no such split).
// - smaps_rollup(): Rss, Pss, Anonymous, Swap summed over the mappings; exact, but it walks the
//   page tables (milliseconds on a big heap): sample it less often.
// - page_faults(): minor/major fault counters from /proc/<pid>/stat.
// Every file is opened once, at construction, and re-read with pread: a pid reused after the
// process exits cannot be read by mistake. A process that has exited (reaped or zombie) raises
// ProcessGone naming the pid.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "harness/file_descriptor.h"

namespace memsoak {

struct ProcessGone : std::runtime_error {
  ProcessGone(pid_t gone_pid, std::string_view detail);
  pid_t pid;
};

// Resident memory split by kind, from /proc/<pid>/status.
struct RssBreakdown {
  std::uint64_t rss_bytes = 0;    // VmRSS
  std::uint64_t anon_bytes = 0;   // RssAnon: the heap, stacks, anonymous mmaps
  std::uint64_t file_bytes = 0;   // RssFile: mapped executables, libraries, files
  std::uint64_t shmem_bytes = 0;  // RssShmem: shared memory, tmpfs
};

// Totals of /proc/<pid>/smaps_rollup.
struct SmapsRollup {
  std::uint64_t rss_bytes = 0;
  std::uint64_t pss_bytes = 0;        // shared pages divided among the processes mapping them
  std::uint64_t anonymous_bytes = 0;  // anonymous pages (RssAnon, counted page by page)
  std::uint64_t swap_bytes = 0;
};

struct PageFaults {
  std::uint64_t minor = 0;
  std::uint64_t major = 0;
};

class ProcessMemory {
 public:
  // Opens the /proc files of `pid`; throws ProcessGone if there is no such process.
  explicit ProcessMemory(pid_t pid);
  static ProcessMemory self();

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] std::uint64_t rss_bytes() const;
  [[nodiscard]] RssBreakdown rss_breakdown() const;
  [[nodiscard]] SmapsRollup smaps_rollup() const;  // throws if not permitted (ptrace access)
  [[nodiscard]] PageFaults page_faults() const;

 private:
  [[nodiscard]] std::string read(const FileDescriptor& fd, std::string_view name) const;

  pid_t pid_;
  FileDescriptor statm_;
  FileDescriptor status_;
  FileDescriptor stat_;
  FileDescriptor smaps_rollup_;
  int smaps_rollup_open_errno_ = 0;  // another user's process: readable statm, no smaps_rollup
};

// Parsers of the /proc text formats, exposed for tests. A process that has exited gives
// ProcessGone(pid); text without the expected shape gives std::runtime_error.
std::uint64_t parse_statm_rss_bytes(std::string_view text, pid_t pid);
RssBreakdown parse_status_rss(std::string_view text, pid_t pid);
SmapsRollup parse_smaps_rollup(std::string_view text);
PageFaults parse_stat_faults(std::string_view text, pid_t pid);

}  // namespace memsoak

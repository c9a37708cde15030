// The memory limit and usage of the cgroup a process runs in, cgroup v1 or v2.
// The limit is the effective one: the smallest limit of the cgroup and its ancestors up to the
// root of the mounted hierarchy, since a container limit usually sits on a parent. "No limit"
// is a value (limit_bytes empty), not an error. The parsers are separate, pure functions so
// both formats are tested on text whatever the machine runs.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace memsoak {

struct CgroupMemory {
  int version = 0;                           // 1 or 2
  std::string directory;                     // e.g. /sys/fs/cgroup/memory/system.slice/x
  std::optional<std::uint64_t> limit_bytes;  // empty: no limit
  std::uint64_t usage_bytes = 0;             // memory.usage_in_bytes (v1), memory.current (v2)
};

// Throws std::runtime_error naming the file when no memory cgroup can be found or read.
CgroupMemory read_cgroup_memory(pid_t pid);

// Where a process sits: the line of /proc/<pid>/cgroup with the memory controller (v1) or
// the unified "0::" line (v2). v1 wins when both exist (hybrid mode, as on this machine).
struct CgroupMembership {
  int version = 0;
  std::string path;  // inside the hierarchy, e.g. "/system.slice/x"
};
std::optional<CgroupMembership> parse_proc_cgroup(std::string_view text);

// The mount of that hierarchy in /proc/<pid>/mountinfo: where it is mounted and which cgroup
// is its root (not "/" when a container bind-mounts only its own subtree).
struct CgroupMount {
  std::string mount_point;
  std::string root;
};
std::optional<CgroupMount> parse_cgroup_mount(std::string_view mountinfo, int version);

// memory.limit_in_bytes (v1: a huge page-aligned number means none) or memory.max (v2:
// "max" means none). Throws std::invalid_argument on anything else.
std::optional<std::uint64_t> parse_memory_limit(std::string_view text);

}  // namespace memsoak

#include "harness/cgroup.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace memsoak {
namespace {

// v1 reports "no limit" as LONG_MAX rounded down to a page (9223372036854771712 with 4 KiB
// pages, a different number with 64 KiB pages): anything from 4 EiB up cannot be a real limit.
constexpr std::uint64_t kNoLimitFrom = std::uint64_t{1} << 62;

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t end = text.find(separator); end != std::string_view::npos;
       end = text.find(separator, start)) {
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  parts.push_back(text.substr(start));
  return parts;
}

std::string_view trim(std::string_view text) {
  const std::size_t first = text.find_first_not_of(" \t\n");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\n") - first + 1);
}

bool contains(const std::vector<std::string_view>& items, std::string_view wanted) {
  return std::find(items.begin(), items.end(), wanted) != items.end();
}

// mountinfo escapes blanks and backslashes in paths as \ooo octal.
std::string unescape_octal(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 4 <= text.size()) {
      int code = 0;
      std::from_chars(text.data() + i + 1, text.data() + i + 4, code, 8);
      out.push_back(static_cast<char>(code));
      i += 3;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(fmt::format("cannot read {}", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::uint64_t parse_usage(const std::filesystem::path& path) {
  const std::string text = read_file(path);
  std::uint64_t value = 0;
  const std::string_view digits = trim(text);
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc{} || end != digits.data() + digits.size()) {
    throw std::runtime_error(
        fmt::format("{}: expected a byte count, found '{}'", path.string(), digits));
  }
  return value;
}

// The smallest limit from `directory` up to `top`; a level without the file has no limit of its
// own (the v2 root has no memory.max).
std::optional<std::uint64_t> effective_limit(std::filesystem::path directory,
                                             const std::filesystem::path& top,
                                             std::string_view limit_file) {
  std::optional<std::uint64_t> smallest;
  for (;;) {
    const std::filesystem::path file = directory / limit_file;
    if (std::filesystem::exists(file)) {
      const std::optional<std::uint64_t> limit = parse_memory_limit(read_file(file));
      if (limit && (!smallest || *limit < *smallest)) smallest = limit;
    }
    if (directory == top || !directory.has_relative_path()) return smallest;
    directory = directory.parent_path();
  }
}

}  // namespace

std::optional<CgroupMembership> parse_proc_cgroup(std::string_view text) {
  std::optional<CgroupMembership> unified;
  for (const std::string_view line : split(text, '\n')) {
    // "hierarchy-id:controller,list:path"; the path itself may contain ':'.
    const std::size_t first = line.find(':');
    const std::size_t second = line.find(':', first + 1);
    if (first == std::string_view::npos || second == std::string_view::npos) continue;
    const std::string_view controllers = line.substr(first + 1, second - first - 1);
    const std::string path(line.substr(second + 1));
    if (contains(split(controllers, ','), "memory")) return CgroupMembership{1, path};
    if (line.substr(0, first) == "0" && controllers.empty()) unified = CgroupMembership{2, path};
  }
  return unified;
}

std::optional<CgroupMount> parse_cgroup_mount(std::string_view mountinfo, int version) {
  for (const std::string_view line : split(mountinfo, '\n')) {
    // "id parent dev root mount-point options [optional...] - fstype source super-options"
    const std::size_t dash = line.find(" - ");
    if (dash == std::string_view::npos) continue;
    const std::vector<std::string_view> mount_fields = split(line.substr(0, dash), ' ');
    const std::vector<std::string_view> fs_fields = split(line.substr(dash + 3), ' ');
    if (mount_fields.size() < 5 || fs_fields.size() < 3) continue;
    const bool wanted =
        version == 2 ? fs_fields[0] == "cgroup2"
                     : fs_fields[0] == "cgroup" && contains(split(fs_fields[2], ','), "memory");
    if (wanted) {
      return CgroupMount{unescape_octal(mount_fields[4]), unescape_octal(mount_fields[3])};
    }
  }
  return std::nullopt;
}

std::optional<std::uint64_t> parse_memory_limit(std::string_view text) {
  const std::string_view value_text = trim(text);
  if (value_text == "max") return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, error] =
      std::from_chars(value_text.data(), value_text.data() + value_text.size(), value);
  if (error != std::errc{} || end != value_text.data() + value_text.size() || value_text.empty()) {
    throw std::invalid_argument(
        fmt::format("memory limit '{}': expected a byte count or 'max'", value_text));
  }
  if (value >= kNoLimitFrom) return std::nullopt;
  return value;
}

CgroupMemory read_cgroup_memory(pid_t pid) {
  const std::string cgroup_file = fmt::format("/proc/{}/cgroup", pid);
  const std::optional<CgroupMembership> membership = parse_proc_cgroup(read_file(cgroup_file));
  if (!membership) {
    throw std::runtime_error(
        fmt::format("{} names no memory cgroup (v1) nor a unified one (v2)", cgroup_file));
  }
  const std::string mountinfo_file = fmt::format("/proc/{}/mountinfo", pid);
  const std::optional<CgroupMount> mount =
      parse_cgroup_mount(read_file(mountinfo_file), membership->version);
  if (!mount) {
    throw std::runtime_error(fmt::format("{}: no cgroup v{} memory hierarchy is mounted",
                                         mountinfo_file, membership->version));
  }
  // A mount of a subtree shows paths below its root; paths outside it cannot be reached.
  std::string_view relative = membership->path;
  if (mount->root != "/" && relative.starts_with(mount->root)) {
    relative.remove_prefix(mount->root.size());
  }
  const std::filesystem::path top(mount->mount_point);
  const std::filesystem::path below = std::filesystem::path(relative).relative_path();
  const std::filesystem::path directory = below.empty() ? top : top / below;
  const bool v1 = membership->version == 1;
  return CgroupMemory{
      .version = membership->version,
      .directory = directory.string(),
      .limit_bytes = effective_limit(directory, top, v1 ? "memory.limit_in_bytes" : "memory.max"),
      .usage_bytes = parse_usage(directory / (v1 ? "memory.usage_in_bytes" : "memory.current"))};
}

}  // namespace memsoak

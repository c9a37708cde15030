#include "harness/machine_header.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <string_view>

#include "harness/cgroup.h"

namespace memsoak {
namespace {

// jemalloc reads MALLOC_CONF, glibc MALLOC_ARENA_MAX, MALLOC_TRIM_THRESHOLD_ and friends.
constexpr std::array<std::string_view, 5> kTunablePrefixes{
    "MALLOC_", "MIMALLOC_", "GLIBC_TUNABLES=", "TCMALLOC_", "LD_PRELOAD="};

std::string kernel_release() {
  utsname name{};
  return uname(&name) == 0 ? std::string(name.release) : std::string();
}

std::string utc_now() {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));
}

nlohmann::json cgroup_limit() {
  try {
    const CgroupMemory cgroup = read_cgroup_memory(getpid());
    return cgroup.limit_bytes ? nlohmann::json(*cgroup.limit_bytes) : nlohmann::json(nullptr);
  } catch (const std::runtime_error&) {
    return nullptr;  // no memory cgroup to read: nothing to record
  }
}

}  // namespace

nlohmann::json allocator_tunables(std::span<const std::string> environment) {
  nlohmann::json tunables = nlohmann::json::object();
  for (const std::string& entry : environment) {
    const bool tunable =
        std::any_of(kTunablePrefixes.begin(), kTunablePrefixes.end(),
                    [&](std::string_view prefix) { return entry.starts_with(prefix); });
    const std::size_t equals = entry.find('=');
    if (tunable && equals != std::string::npos) {
      tunables[entry.substr(0, equals)] = entry.substr(equals + 1);
    }
  }
  return tunables;
}

SeriesHeader machine_header(std::span<const std::string> environment) {
  SeriesHeader header;
  header.kernel = kernel_release();
  header.tunables = allocator_tunables(environment);
  header.start_time = utc_now();
  header.extra["cgroup_limit_bytes"] = cgroup_limit();
  return header;
}

}  // namespace memsoak

#include "soak/run/header.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <string_view>

#include "harness/allocator_registry.h"
#include "harness/allocator_stats.h"
#include "harness/cgroup.h"
#include "harness/detector_settings.h"

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

SeriesHeader run_header(const RunOptions& options, const WorkloadSettings& workload,
                        const LoopSchedule& schedule, const DetectorOptions& detector) {
  const MallocProvider& serving = malloc_provider();
  const std::optional<std::string> version = allocator_version();
  SeriesHeader header = machine_header(current_environment());
  header.scenario = options.scenario;
  header.allocator = options.allocator;
  header.command = options.command;
  header.seed = options.seed;
  header.extra.update({
      {"serving_allocator",
       {{"name", serving.allocator},
        {"library", serving.library_path},
        {"version", version ? nlohmann::json(*version) : nlohmann::json()}}},
      {"duration_s", options.duration_s},
      {"sample_interval_s", schedule.interval_s},
      {"purge_every_s", schedule.purge_every_s},
      {"threads", options.threads},
      {"window_documents",
       options.window_documents ? nlohmann::json(*options.window_documents) : nlohmann::json()},
      {"huge_batch_rate",
       workload.huge_batch_rate ? nlohmann::json(*workload.huge_batch_rate) : nlohmann::json()},
      {"huge_batch_at_s",
       workload.huge_batch_at_s ? nlohmann::json(*workload.huge_batch_at_s) : nlohmann::json()},
      {"detector", detector_settings_json(detector)},
  });
  return header;
}

}  // namespace memsoak

#include "soak/run_header.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <string_view>

#include "harness/allocator_registry.h"
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

// Every setting of the detector, so that `memsoak report` judges the series as the run did
// (read back by recorded_detector_options, soak/report_detector.h).
nlohmann::json detector_settings(const DetectorOptions& detector) {
  nlohmann::json settings{
      {"work_unit", detector.work_unit},
      {"max_bytes_per_work", detector.max_bytes_per_work},
      {"max_bytes_per_second", detector.max_bytes_per_second},
      {"confidence", detector.confidence},
      {"half_confidence", detector.half_confidence},
      {"noise_margin", detector.noise_margin},
      {"deceleration_z", detector.deceleration_z},
      {"slowdown", detector.slowdown},
      {"step_share", detector.step_share},
      {"confirmations", detector.confirmations},
      {"confirmation_span", detector.confirmation_span},
      {"warmup_s", detector.warmup_s},
      {"warmup_fraction", detector.warmup_fraction},
      {"capacity", detector.capacity},
      {"min_points", detector.min_points},
      {"overhead_min_fraction", detector.overhead_min_fraction},
      {"purge_return_fraction", detector.purge_return_fraction},
      {"rss_only_segments", detector.rss_only_segments},
      {"rss_only_min_rise", detector.rss_only_min_rise},
      {"rss_bound", nullptr},
      {"fail_on", nlohmann::json::array()},
  };
  if (const auto& bound = detector.rss_bound) {
    settings["rss_bound"] = bound->live_multiple ? fmt::format("{}x", bound->value)
                                                 : fmt::format("{:.0f}B", bound->value);
  }
  for (const Shape shape : detector.fail_on) settings["fail_on"].push_back(shape_name(shape));
  return settings;
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

SeriesHeader run_header(const RunOptions& options, const WorkloadSettings& workload,
                        const std::string& command, const ServingAllocator& serving,
                        const DetectorOptions& detector) {
  SeriesHeader header;
  header.scenario = options.scenario;
  header.allocator = options.allocator;
  header.command = command;
  header.seed = options.seed;
  header.kernel = kernel_release();
  header.tunables = allocator_tunables(current_environment());
  header.start_time = utc_now();
  header.extra = {
      {"serving_allocator",
       {{"name", serving.name},
        {"library", serving.library_path},
        {"version", serving.version ? nlohmann::json(*serving.version) : nlohmann::json()}}},
      {"duration_s", options.duration_s},
      {"sample_interval_s", sample_interval_s(options)},
      {"purge_every_s", purge_every_s(options)},
      {"threads", options.threads},
      {"window_documents",
       options.window_documents ? nlohmann::json(*options.window_documents) : nlohmann::json()},
      {"huge_batch_rate",
       workload.huge_batch_rate ? nlohmann::json(*workload.huge_batch_rate) : nlohmann::json()},
      {"huge_batch_at_s",
       workload.huge_batch_at_s ? nlohmann::json(*workload.huge_batch_at_s) : nlohmann::json()},
      {"cgroup_limit_bytes", cgroup_limit()},
      {"detector", detector_settings(detector)},
  };
  return header;
}

}  // namespace memsoak

#include "soak/run/header.h"

#include "harness/allocator_registry.h"
#include "harness/allocator_stats.h"
#include "harness/detector_settings.h"
#include "harness/machine_header.h"

namespace memsoak {

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

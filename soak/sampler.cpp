#include "soak/sampler.h"

#include <array>
#include <stdexcept>

#include "soak/serving_allocator.h"

namespace memsoak {
namespace {

constexpr std::array kAllocatorFields{
    std::pair{"live_bytes", &AllocatorStats::live_bytes},
    std::pair{"active_bytes", &AllocatorStats::active_bytes},
    std::pair{"resident_bytes", &AllocatorStats::resident_bytes},
    std::pair{"mapped_bytes", &AllocatorStats::mapped_bytes},
    std::pair{"retained_bytes", &AllocatorStats::retained_bytes},
};

AllocatorStats allocator_stats() {
  const nlohmann::json stats = serving_allocator_stats();
  AllocatorStats result;
  for (const auto& [key, field] : kAllocatorFields) {
    if (const auto found = stats.find(key); found != stats.end() && found->is_number()) {
      result.*field = found->get<double>();
    }
  }
  return result;
}

}  // namespace

Sampler::Sampler(WorkSource& work, unsigned rss_anon_every)
    : work_(work), rss_anon_every_(rss_anon_every) {
  if (rss_anon_every == 0) throw std::invalid_argument("Sampler: rss_anon_every must be >= 1");
}

MemoryReading Sampler::read_memory(bool with_rss_anon) const {
  MemoryReading reading;
  reading.rss_bytes = static_cast<double>(self_.rss_bytes());
  if (with_rss_anon) {
    reading.rss_anon_bytes = static_cast<double>(self_.smaps_rollup().anonymous_bytes);
  }
  reading.allocator = allocator_stats();
  return reading;
}

WorkCounters Sampler::work_counters() const {
  const WorkDone done = work_.work();
  return WorkCounters{{"queries", static_cast<double>(done.queries)},
                      {"docs", static_cast<double>(done.docs)}};
}

SeriesSample Sampler::sample(double t_s) {
  SeriesSample sample;
  sample.t_s = t_s;
  sample.work = work_counters();
  sample.memory = read_memory(samples_ % rss_anon_every_ == 0);
  sample.extra = work_.take_interval_extra();
  ++samples_;
  return sample;
}

PurgeCheckpoint Sampler::purge(double t_s) {
  PurgeCheckpoint checkpoint;
  checkpoint.t_s = t_s;
  checkpoint.work = work_counters();
  checkpoint.before = read_memory(true);
  purge_serving_allocator();
  checkpoint.after = read_memory(true);
  return checkpoint;
}

}  // namespace memsoak

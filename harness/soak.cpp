// memsoak::soak (include/memsoak/soak.h): the units on the calling thread, the sampler on its
// own, both around one SampleRecorder as `memsoak run` uses it.
#include "memsoak/soak.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "harness/allocator_registry.h"
#include "harness/allocator_stats.h"
#include "harness/detector.h"
#include "harness/detector_settings.h"
#include "harness/machine_header.h"
#include "harness/memory_source.h"
#include "harness/sample_recorder.h"
#include "harness/sampler.h"
#include "harness/series.h"

namespace memsoak {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kUnitsCounter = "units";

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void check(const SoakOptions& options) {
  const auto refuse = [](const std::string& problem) {
    throw std::invalid_argument("memsoak::soak: " + problem);
  };
  if (!(options.duration_s > 0) || !std::isfinite(options.duration_s)) {
    refuse(
        fmt::format("duration_s must be a positive number of seconds, not {}", options.duration_s));
  }
  if (!(options.sample_interval_s > 0) || options.sample_interval_s > options.duration_s) {
    refuse(fmt::format("sample_interval_s must be positive and at most duration_s, not {}",
                       options.sample_interval_s));
  }
  if (options.name.empty() || options.name.find('/') != std::string::npos) {
    refuse("name must be a non-empty name without '/' (it names the series directory)");
  }
}

DetectorOptions detector_options(const SoakOptions& options, double duration_s) {
  DetectorOptions detector;
  detector.work_unit = options.work_unit;
  detector.max_bytes_per_work = options.max_bytes_per_unit;
  detector.min_growth_bytes = options.min_growth_bytes;
  detector.warmup_fraction = options.warmup_fraction;
  detector.warmup_s = options.warmup_fraction * duration_s;
  // In a test process the live set is small, so a cache filling on first use soon doubles it:
  // the warm-up is the promise here, and nothing is proven during it.
  detector.early_growth = 0;
  check_detector_options(detector);
  return detector;
}

std::string series_dir(const SoakOptions& options) {
  if (!options.out_dir.empty()) return options.out_dir;
  const char* root = std::getenv("MEMSOAK_SOAK_OUT");  // NOLINT(concurrency-mt-unsafe)
  if (root == nullptr || *root == '\0') return "";
  return (std::filesystem::path(root) / options.name).string();
}

}  // namespace

// One soak: the work counters the units advance and the sampler reads, and the sampler thread.
class SoakRun final : public WorkSource {
 public:
  SoakRun(const SoakOptions& options, double duration_s)
      : options_(options),
        duration_s_(duration_s),
        detector_options_(detector_options(options, duration_s)),
        detector_(detector_options_),
        sampler_(*this, memory_, kRssAnonEverySamples) {
    const std::string dir = series_dir(options);
    if (!dir.empty()) {
      std::filesystem::create_directories(dir);
      series_.emplace((std::filesystem::path(dir) / "series.jsonl").string());
      series_->write(header());
    }
    recorder_.emplace(sampler_, series_ ? &*series_ : nullptr, detector_, 0);
  }

  SoakResult run(const std::function<void(SoakUnit&)>& unit) {
    SoakUnit handle(*this);
    for (; handle.index_ < options_.warmup_units; ++handle.index_) unit(handle);
    {
      const std::lock_guard lock(counters_mutex_);
      for (auto& [name, count] : counters_) count = 0;  // the warm-up's work is not judged
    }
    // Pages freed before the soak (by earlier tests) would hide growth from RSS, which the
    // allocator keeps: mimalloc, which counts no live bytes, is judged on RSS alone.
    memory_.purge();
    steady_ = true;
    start_ = Clock::now();
    std::thread sampler([this] {
      try {
        sample_until_stopped();
      } catch (...) {  // a series that cannot be written on: the soak stops and says why
        sampler_error_ = std::current_exception();
        stop_ = true;
      }
    });
    try {
      while (!stop_.load(std::memory_order_relaxed) && seconds_since(start_) < duration_s_ &&
             (options_.max_units == 0 || units_.load() < options_.max_units)) {
        unit(handle);
        ++handle.index_;
        units_.fetch_add(1, std::memory_order_relaxed);
      }
    } catch (...) {
      stop_sampler(sampler);
      throw;
    }
    stop_sampler(sampler);
    if (sampler_error_) std::rethrow_exception(sampler_error_);
    return result();
  }

  void count(const std::string& counter, double amount) {
    const std::lock_guard lock(counters_mutex_);
    counters_[counter] += amount;
  }

  WorkCounters work() override {
    WorkCounters work;
    {
      const std::lock_guard lock(counters_mutex_);
      work = counters_;
    }
    work[kUnitsCounter] = static_cast<double>(units_.load(std::memory_order_relaxed));
    return work;
  }
  bool steady() const override { return steady_.load(); }
  nlohmann::json take_interval_extra() override { return nlohmann::json::object(); }

 private:
  SeriesHeader header() const {
    SeriesHeader header = machine_header(current_environment());
    header.scenario = options_.name;
    header.allocator = malloc_provider().allocator;
    header.command = "memsoak::soak";
    header.extra["duration_s"] = duration_s_;
    header.extra["sample_interval_s"] = options_.sample_interval_s;
    header.extra["detector"] = detector_settings_json(detector_options_);
    return header;
  }

  void sample_until_stopped() {
    std::unique_lock lock(stop_mutex_);
    for (;;) {
      const double t_s = seconds_since(start_);
      recorder_->record(t_s);
      if (failure_to_stop_on(detector_.check())) stop_ = true;
      if (stop_ || t_s >= duration_s_) return;
      stop_wakeup_.wait_for(lock, std::chrono::duration<double>(options_.sample_interval_s),
                            [this] { return stop_.load(); });
      if (stop_) {
        recorder_->record(seconds_since(start_));  // the last units' memory
        return;
      }
    }
  }

  void stop_sampler(std::thread& sampler) {
    {
      const std::lock_guard lock(stop_mutex_);
      stop_ = true;
    }
    stop_wakeup_.notify_all();
    sampler.join();
    if (series_ && !sampler_error_) {
      series_->write(SeriesEnd{seconds_since(start_), end_reason(), {}});
    }
  }

  std::string end_reason() const {
    return failure_to_stop_on(detector_.check()).value_or("duration");
  }

  SoakResult result() {
    SoakResult result;
    result.units = units_.load();
    result.elapsed_s = seconds_since(start_);
    result.allocator = malloc_provider().allocator;
    if (series_) result.series_path = series_->path();
    try {
      const Verdict verdict = detector_.finish();
      result.passed = !verdict.fail;
      result.shape = std::string(shape_name(verdict.shape));
      result.explanation = verdict.explanation;
      result.signal = verdict.signal;
      result.bytes_per_unit = verdict.bytes_per_work.estimate;
      result.bytes_per_unit_lower = verdict.bytes_per_work.lower;
      result.bytes_per_unit_upper = verdict.bytes_per_work.upper;
      if (verdict.proven_at) result.proven_at_units = verdict.proven_at->work;
    } catch (const DetectorInputError& error) {
      result.shape = "insufficient-data";
      result.explanation = fmt::format(
          "{} ({} units in {:.1f} s; lengthen duration_s, shorten sample_interval_s or set "
          "MEMSOAK_SOAK_SCALE)",
          error.what(), result.units, result.elapsed_s);
    }
    return result;
  }

  const SoakOptions& options_;
  double duration_s_;
  DetectorOptions detector_options_;
  Detector detector_;
  ThisProcessMemory memory_;
  Sampler sampler_;
  std::optional<SeriesWriter> series_;
  std::optional<SampleRecorder> recorder_;
  std::mutex counters_mutex_;
  WorkCounters counters_;
  std::atomic<std::uint64_t> units_{0};
  std::atomic<bool> steady_{false};
  std::atomic<bool> stop_{false};
  std::mutex stop_mutex_;
  std::condition_variable stop_wakeup_;
  std::exception_ptr sampler_error_;
  Clock::time_point start_;
};

void SoakUnit::count(const std::string& counter, double amount) { run_.count(counter, amount); }

double soak_scale() {
  const char* text = std::getenv("MEMSOAK_SOAK_SCALE");  // NOLINT(concurrency-mt-unsafe)
  if (text == nullptr || *text == '\0') return 1;
  char* end = nullptr;
  const double scale = std::strtod(text, &end);
  if (*end != '\0' || !(scale > 0) || !std::isfinite(scale)) {
    throw std::invalid_argument(fmt::format(
        "MEMSOAK_SOAK_SCALE='{}' is not a positive number (e.g. 60 for nightly runs)", text));
  }
  return scale;
}

SoakResult soak(const SoakOptions& options, const std::function<void(SoakUnit&)>& unit) {
  check(options);
  SoakRun run(options, options.duration_s * soak_scale());
  return run.run(unit);
}

}  // namespace memsoak

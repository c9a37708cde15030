#include "soak/run/loop.h"

#include <algorithm>
#include <chrono>

#include "harness/thread_cpu.h"
#include "soak/run/source_ended.h"

namespace memsoak {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

SoakLoop::SoakLoop(Sampler& sampler, SeriesWriter& series, Detector& detector,
                   LoopSchedule schedule)
    : recorder_(sampler, &series, detector, schedule.purge_every_s),
      series_(series),
      detector_(detector),
      schedule_(schedule) {
  progress_.duration_s = schedule.duration_s;
}

std::optional<std::string> SoakLoop::step(double t_s) {
  const double cpu_before_s = thread_cpu_seconds();
  const SeriesSample sample = record(t_s);
  if (observer_ != nullptr) observer_->observe(sample, detector_.check(), sampler_cpu_s_);
  sampler_cpu_s_ += thread_cpu_seconds() - cpu_before_s;
  return failure_to_stop_on(detector_.check());
}

SeriesSample SoakLoop::record(double t_s) {
  SeriesSample sample = recorder_.record(t_s);
  progress_.elapsed_s = t_s;
  progress_.ops = total_work(sample.work);
  progress_.rss_bytes = sample.memory.rss_bytes;
  progress_.live_bytes = sample.memory.allocator.live_bytes;
  peak_rss_bytes_ = std::max(peak_rss_bytes_, sample.memory.rss_bytes);
  return sample;
}

LoopEnd SoakLoop::run(StopSignals& signals, StatusLine& status) {
  const Clock::time_point start = Clock::now();
  const auto seconds_since_start = [&] {
    return std::chrono::duration<double>(Clock::now() - start).count();
  };
  const auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(schedule_.interval_s));
  const auto end = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(schedule_.duration_s));
  LoopEnd result;
  result.reason = "duration";
  for (Clock::time_point next = start;;) {
    try {
      if (const std::optional<std::string> reason = step(seconds_since_start())) {
        result.reason = *reason;
        break;
      }
    } catch (const SeriesWriteError& error) {
      result.reason = "write-error";
      result.write_error = error.what();
      break;
    } catch (const SourceEnded& ended) {
      result.reason = ended.reason;
      result.source_message = ended.what();
      result.details = ended.details;
      break;
    }
    status.update(progress_, detector_.check());
    if (next >= end) break;  // that was the sample at the end of the duration
    // A stalled sampler skips the slots it missed rather than bursting to catch up.
    next = std::min(std::max(next + interval, Clock::now()), end);
    if (signals.wait_until(next)) {
      result.reason = "signal";
      break;
    }
  }
  status.close();
  result.t_s = seconds_since_start();
  result.sampler_cpu_s = sampler_cpu_s_;
  return result;
}

void SoakLoop::write_end(LoopEnd& end) {
  if (end.source_message) end.details["message"] = *end.source_message;
  try {
    series_.write(SeriesEnd{end.t_s, end.reason, end.details});
  } catch (const SeriesWriteError& error) {
    if (!end.write_error) end.write_error = error.what();
  }
}

}  // namespace memsoak

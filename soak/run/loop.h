// The sampling loop of a soak run, on the thread that calls run(): every interval one sample
// is written to the series (flushed line by line) and fed to the detector: judged once the
// work is steady (see WorkSource::steady), checked against the RSS bound before; every
// purge_every_s a purge checkpoint is taken first. The loop ends at the duration, at a stop
// signal, as soon as the detector proves a failure (a leak confirmed, the RSS bound crossed),
// when a source ends the soak (source_ended.h: the watched process exited), or when the series
// can no longer be written (a full disk), and then writes the series' "end" record if it can.
// Memory is bounded however long the run: each sample is written and dropped, and the detector
// stores a fixed number of points.
#pragma once

#include <optional>
#include <string>

#include "harness/detector.h"
#include "harness/sample_recorder.h"
#include "harness/sampler.h"
#include "harness/series.h"
#include "soak/run/status_line.h"
#include "soak/run/stop_signals.h"

namespace memsoak {

struct LoopSchedule {
  double duration_s = 60;
  double interval_s = 0.1;
  double purge_every_s = 0;  // 0: never
};

struct LoopEnd {
  // "duration", "signal", "bound", "write-error", a source's reason ("exit", ...), or the
  // failing shape ("leak", ...)
  std::string reason;
  double t_s = 0;
  // CPU time of the loop's thread recording samples and purges (sampling, writing the series,
  // feeding the detector): the runner's overhead. Nothing where no loop ran (a verdict
  // re-computed from a series).
  std::optional<double> sampler_cpu_s;
  std::optional<std::string> write_error;             // why the series could not be written on
  std::optional<std::string> source_message;          // why a source ended the soak
  nlohmann::json details = nlohmann::json::object();  // written into the end record
};

// Sees every sample once the detector has taken it, on the loop's thread (live metrics).
class LoopObserver {
 public:
  virtual ~LoopObserver() = default;
  virtual void observe(const SeriesSample& sample, const Verdict& verdict,
                       double sampler_cpu_s) = 0;
};

class SoakLoop {
 public:
  SoakLoop(Sampler& sampler, SeriesWriter& series, Detector& detector, LoopSchedule schedule);

  // Records what is due at t_s (seconds since the start): a purge checkpoint when one is due,
  // then a sample, and counts the CPU time that took. Returns the reason to stop early, if the
  // verdict now fails the run.
  std::optional<std::string> step(double t_s);

  // Shows every later sample to `observer` too, which must outlive the loop's steps.
  void observe_with(LoopObserver& observer) { observer_ = &observer; }

  // Steps on schedule from now until an end.
  LoopEnd run(StopSignals& signals, StatusLine& status);

  // Writes the series' "end" record: after run(), once whatever the end adds to
  // end.details is known (how a watched process exited).
  void write_end(LoopEnd& end);

  const Progress& progress() const { return progress_; }   // as of the latest sample
  double sampler_cpu_s() const { return sampler_cpu_s_; }  // spent recording so far
  double peak_rss_bytes() const { return peak_rss_bytes_; }
  std::optional<double> steady_t_s() const { return recorder_.steady_t_s(); }  // judged from

 private:
  SeriesSample record(double t_s);

  SampleRecorder recorder_;
  SeriesWriter& series_;
  Detector& detector_;
  LoopSchedule schedule_;
  LoopObserver* observer_ = nullptr;
  double sampler_cpu_s_ = 0;
  Progress progress_;
  double peak_rss_bytes_ = 0;
};

}  // namespace memsoak

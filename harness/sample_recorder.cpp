#include "harness/sample_recorder.h"

namespace memsoak {

SampleRecorder::SampleRecorder(Sampler& sampler, SeriesWriter* series, Detector& detector,
                               double purge_every_s)
    : sampler_(sampler), series_(series), detector_(detector), purge_every_s_(purge_every_s) {}

bool SampleRecorder::purge_due(double t_s) const {
  if (purge_every_s_ <= 0) return false;
  return t_s >= last_purge_t_s_.value_or(0) + purge_every_s_;
}

SeriesSample SampleRecorder::record(double t_s) {
  if (!steady_t_s_ && sampler_.steady()) steady_t_s_ = t_s;
  if (purge_due(t_s)) {
    const PurgeCheckpoint checkpoint = sampler_.purge(t_s);
    if (series_ != nullptr) series_->write(checkpoint);
    if (steady_t_s_) detector_.add(checkpoint);
    last_purge_t_s_ = t_s;
  }
  SeriesSample sample = sampler_.sample(t_s);
  if (!steady_t_s_) sample.extra[kBeforeSteadyKey] = true;
  if (series_ != nullptr) series_->write(sample);
  if (steady_t_s_) {
    detector_.add(sample);
  } else {
    detector_.observe(sample);
  }
  return sample;
}

std::optional<std::string> failure_to_stop_on(const Verdict& verdict) {
  if (!verdict.fail) return std::nullopt;
  if (verdict.bound && verdict.bound->exceeded) return "bound";
  if (verdict.proven_at) return std::string(shape_name(verdict.shape));
  return std::nullopt;
}

}  // namespace memsoak

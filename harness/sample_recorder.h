// One soak's recording, whatever drives it (memsoak run's loop, the in-process soak): at each
// sampling time a purge checkpoint first when one is due, then a sample, each written to the
// series (when there is one) and given to the detector. Samples taken before the work is
// steady (WorkSource::steady) are marked before_steady and only observed (the RSS bound); from
// the first steady one on, every sample and checkpoint is judged.
#pragma once

#include <optional>
#include <string>

#include "harness/detector.h"
#include "harness/sampler.h"
#include "harness/series.h"

namespace memsoak {

class SampleRecorder {
 public:
  // `series` may be null: nothing is written. purge_every_s 0: never purge.
  SampleRecorder(Sampler& sampler, SeriesWriter* series, Detector& detector, double purge_every_s);

  // Throws SeriesWriteError when the series cannot be written on.
  SeriesSample record(double t_s);

  std::optional<double> steady_t_s() const { return steady_t_s_; }  // when judging began

 private:
  bool purge_due(double t_s) const;

  Sampler& sampler_;
  SeriesWriter* series_;
  Detector& detector_;
  double purge_every_s_;
  std::optional<double> last_purge_t_s_;
  std::optional<double> steady_t_s_;
};

// A live soak stops on a failure that can no longer go away, named as the end reason: a proven
// growth shape ("leak", ...) or a crossed bound ("bound"). Any other failing shape is judged at
// the end.
std::optional<std::string> failure_to_stop_on(const Verdict& verdict);

}  // namespace memsoak

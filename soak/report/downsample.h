// The plot data of a run of any length in bounded memory. Samples go into at most `capacity`
// points, each aggregating the same number of consecutive samples; when the points are full,
// neighbours merge pairwise and each then covers twice as many samples (as harness/sample_store.h
// does for the detector). Each point keeps, per named channel, the minimum, mean and maximum of
// the values it received, so a spike one sample long still shows in a week-long plot. Channels
// are created at first use and may be absent from some samples (RSS anon, latency).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/sample_store.h"

namespace memsoak {

struct Band {
  Channel values;  // sum, min, max
  std::size_t count = 0;

  void add(double value);
  void merge(const Band& other);
  bool empty() const { return count == 0; }
  double mean() const { return values.sum / static_cast<double>(count); }
};

struct PlotPoint {
  std::size_t samples = 0;
  double t_sum = 0;
  double work_sum = 0;
  std::vector<Band> bands;  // by channel index; shorter when later channels were not seen yet

  double t_s() const { return t_sum / static_cast<double>(samples); }
  double work() const { return work_sum / static_cast<double>(samples); }
  const Band* band(std::size_t channel) const;  // nullptr when the channel has no value here
  void merge(const PlotPoint& later);
};

class Downsampler {
 public:
  explicit Downsampler(std::size_t capacity);  // even, at least 2

  // The channel named `name`, created on first use.
  std::size_t channel(std::string_view name);
  std::optional<std::size_t> find_channel(std::string_view name) const;
  const std::vector<std::string>& channel_names() const { return names_; }

  // Starts a sample at time `t_s` after `work` operations; add_value() then records its
  // readings. Readings between samples (a purge checkpoint) join the sample before them.
  void add_sample(double t_s, double work);
  void add_value(std::size_t channel, double value);

  // The complete points, then the one still filling; in time order.
  std::vector<PlotPoint> points() const;

 private:
  void halve();

  std::size_t capacity_;
  std::size_t samples_per_point_ = 1;
  std::vector<std::string> names_;
  std::vector<PlotPoint> points_;
  PlotPoint filling_;
};

}  // namespace memsoak

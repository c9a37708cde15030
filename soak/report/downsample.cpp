#include "soak/report/downsample.h"

#include <algorithm>
#include <stdexcept>

namespace memsoak {

void Band::add(double value) {
  values.add(value);
  ++count;
}

void Band::merge(const Band& other) {
  values.merge(other.values);
  count += other.count;
}

const Band* PlotPoint::band(std::size_t channel) const {
  if (channel >= bands.size() || bands[channel].empty()) return nullptr;
  return &bands[channel];
}

void PlotPoint::merge(const PlotPoint& later) {
  samples += later.samples;
  t_sum += later.t_sum;
  work_sum += later.work_sum;
  if (bands.size() < later.bands.size()) bands.resize(later.bands.size());
  for (std::size_t channel = 0; channel < later.bands.size(); ++channel) {
    bands[channel].merge(later.bands[channel]);
  }
}

Downsampler::Downsampler(std::size_t capacity) : capacity_(capacity) {
  if (capacity_ < 2 || capacity_ % 2 != 0) {
    throw std::invalid_argument("Downsampler: the capacity must be even and at least 2");
  }
  points_.reserve(capacity_);
}

std::size_t Downsampler::channel(std::string_view name) {
  if (const auto found = find_channel(name)) return *found;
  names_.emplace_back(name);
  return names_.size() - 1;
}

std::optional<std::size_t> Downsampler::find_channel(std::string_view name) const {
  const auto found = std::find(names_.begin(), names_.end(), name);
  if (found == names_.end()) return std::nullopt;
  return static_cast<std::size_t>(found - names_.begin());
}

void Downsampler::add_sample(double t_s, double work) {
  if (filling_.samples == samples_per_point_) {
    if (points_.size() == capacity_) {
      halve();  // the filling point now holds half of the new count: it goes on filling
    } else {
      points_.push_back(std::move(filling_));
      filling_ = PlotPoint{};
    }
  }
  ++filling_.samples;
  filling_.t_sum += t_s;
  filling_.work_sum += work;
}

void Downsampler::add_value(std::size_t channel, double value) {
  if (filling_.bands.size() <= channel) filling_.bands.resize(channel + 1);
  filling_.bands[channel].add(value);
}

std::vector<PlotPoint> Downsampler::points() const {
  std::vector<PlotPoint> all = points_;
  if (filling_.samples > 0) all.push_back(filling_);
  return all;
}

void Downsampler::halve() {
  for (std::size_t i = 0; i < points_.size() / 2; ++i) {
    PlotPoint merged = std::move(points_[2 * i]);
    merged.merge(points_[2 * i + 1]);
    points_[i] = std::move(merged);
  }
  points_.resize(points_.size() / 2);
  samples_per_point_ *= 2;
}

}  // namespace memsoak

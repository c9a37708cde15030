#include "harness/sample_store.h"

#include <algorithm>
#include <stdexcept>

namespace memsoak {

void Channel::add(double value) {
  sum += value;
  min = std::min(min, value);
  max = std::max(max, value);
}

void Channel::merge(const Channel& other) {
  sum += other.sum;
  min = std::min(min, other.min);
  max = std::max(max, other.max);
}

void StoredPoint::add(const StoreInput& input) {
  if (samples == 0) {
    work_first = input.work;
    t_first = input.t_s;
    work_part_sums.assign(input.work_parts.size(), 0);
  }
  if (input.work_parts.size() != work_part_sums.size()) {
    throw std::invalid_argument("StoreInput: every input must carry the same work parts");
  }
  for (std::size_t part = 0; part < work_part_sums.size(); ++part) {
    work_part_sums[part] += input.work_parts[part];
  }
  ++samples;
  work_sum += input.work;
  t_sum += input.t_s;
  work_last = input.work;
  t_last = input.t_s;
  rss.add(input.rss_bytes);
  if (input.live_bytes) {
    live.add(*input.live_bytes);
    gap.add(input.rss_bytes - *input.live_bytes);
  }
}

void StoredPoint::merge(const StoredPoint& later) {
  if (later.work_part_sums.size() != work_part_sums.size()) {
    throw std::invalid_argument("StoredPoint: merged points must carry the same work parts");
  }
  samples += later.samples;
  work_sum += later.work_sum;
  for (std::size_t part = 0; part < work_part_sums.size(); ++part) {
    work_part_sums[part] += later.work_part_sums[part];
  }
  t_sum += later.t_sum;
  work_last = later.work_last;
  t_last = later.t_last;
  rss.merge(later.rss);
  live.merge(later.live);
  gap.merge(later.gap);
}

SampleStore::SampleStore(std::size_t capacity) : capacity_(capacity) {
  if (capacity < 8 || capacity % 2 != 0) {
    throw std::invalid_argument("SampleStore capacity must be even and at least 8");
  }
  points_.reserve(capacity);
}

void SampleStore::add(const StoreInput& input) {
  filling_.add(input);
  if (filling_.samples < samples_per_point_) return;
  points_.push_back(filling_);
  filling_ = StoredPoint{};
  if (points_.size() == capacity_) halve();
}

std::optional<StoredPoint> SampleStore::partial() const {
  if (filling_.samples == 0) return std::nullopt;
  return filling_;
}

void SampleStore::halve() {
  for (std::size_t i = 0; i < points_.size() / 2; ++i) {
    StoredPoint merged = points_[2 * i];
    merged.merge(points_[2 * i + 1]);
    points_[i] = merged;
  }
  points_.resize(points_.size() / 2);
  samples_per_point_ *= 2;
}

}  // namespace memsoak

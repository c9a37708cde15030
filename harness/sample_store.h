// Bounded storage for a series of any length. It keeps at most `capacity` points, each the
// aggregate (sum, min, max) of the same number of consecutive samples; when it is full,
// neighbouring points merge pairwise and every point then covers twice as many samples. Memory
// stays O(capacity) however long the run, and a trend over the stored points loses little:
// averaging a bucket keeps the mean and the slope a fit needs, and the min and max keep peaks.
#pragma once

#include <cstddef>
#include <limits>
#include <optional>
#include <span>
#include <vector>

namespace memsoak {

// The aggregate of one quantity over the samples of a point.
struct Channel {
  double sum = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();

  void add(double value);
  void merge(const Channel& other);
};

// What the store needs of one sample: the axes and the memory signals.
struct StoreInput {
  double t_s = 0;
  double work = 0;  // the chosen work counter (or their sum)
  double rss_bytes = 0;
  std::optional<double> live_bytes;
  // The counters that make up `work`, each kind of work on its own: the same number, in the
  // same order, in every input.
  std::vector<double> work_parts;
};

struct StoredPoint {
  std::size_t samples = 0;
  double work_sum = 0;
  double t_sum = 0;
  double work_first = 0;
  double t_first = 0;
  double work_last = 0;
  double t_last = 0;
  Channel rss;
  Channel live;  // empty unless the samples carried live bytes
  Channel gap;   // rss - live, likewise
  std::vector<double> work_part_sums;

  double work() const { return work_sum / static_cast<double>(samples); }
  double work_part(std::size_t part) const {
    return work_part_sums[part] / static_cast<double>(samples);
  }
  double t_s() const { return t_sum / static_cast<double>(samples); }
  static double mean(const Channel& channel, std::size_t samples) {
    return channel.sum / static_cast<double>(samples);
  }
  void add(const StoreInput& input);
  void merge(const StoredPoint& later);
};

class SampleStore {
 public:
  explicit SampleStore(std::size_t capacity);  // even, at least 8

  void add(const StoreInput& input);

  std::span<const StoredPoint> points() const { return points_; }  // complete points
  // The point still collecting samples (fewer than samples_per_point()), if any.
  std::optional<StoredPoint> partial() const;
  std::size_t samples_per_point() const { return samples_per_point_; }
  std::size_t capacity() const { return capacity_; }

 private:
  void halve();

  std::size_t capacity_;
  std::size_t samples_per_point_ = 1;
  std::vector<StoredPoint> points_;
  StoredPoint filling_;
};

}  // namespace memsoak

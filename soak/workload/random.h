// Deterministic pseudo-random numbers for the workload: one seed gives the same documents and
// queries on every platform and standard library. std::*_distribution does not promise that
// (their algorithms are unspecified), so the few distributions the workload needs are here.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

namespace memsoak::workload {

// xoshiro256** seeded through splitmix64 (the seeding its authors recommend).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    for (auto& word : state_) word = splitmix64(seed);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  // Uniform in [0, bound); bound > 0. The modulo bias is below 2^-40 for the bounds used here.
  std::uint64_t below(std::uint64_t bound) { return next() % bound; }

  bool chance(double probability) { return uniform() < probability; }

  // Standard normal (Box-Muller; one of the pair is dropped to keep the state simple).
  double normal() {
    const double radius = std::sqrt(-2.0 * std::log1p(-uniform()));
    return radius * std::cos(2.0 * std::numbers::pi * uniform());
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
  }

  std::array<std::uint64_t, 4> state_{};
};

// Draws ranks 0..n-1 with P(rank) proportional to 1 / (rank + 1)^exponent: word frequencies
// in natural text follow this law, which is what makes posting lists long-tailed.
class ZipfSampler {
 public:
  ZipfSampler(std::size_t n, double exponent) : cumulative_(n) {
    double total = 0;
    for (std::size_t rank = 0; rank < n; ++rank) {
      total += 1.0 / std::pow(static_cast<double>(rank + 1), exponent);
      cumulative_[rank] = total;
    }
    for (double& value : cumulative_) value /= total;
  }

  std::size_t operator()(Rng& rng) const {
    const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), rng.uniform());
    return it == cumulative_.end() ? cumulative_.size() - 1
                                   : static_cast<std::size_t>(it - cumulative_.begin());
  }

  std::size_t size() const { return cumulative_.size(); }

 private:
  std::vector<double> cumulative_;
};

}  // namespace memsoak::workload

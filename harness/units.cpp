#include "harness/units.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <utility>

namespace memsoak {
namespace {

struct Suffix {
  std::string_view name;
  double factor;
};

// Splits "1.5GiB" into 1.5 and "GiB"; throws when no number leads the text.
std::pair<double, std::string_view> split_number(std::string_view text, std::string_view what) {
  double value = 0;
  const auto* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error == std::errc::result_out_of_range || (error == std::errc{} && !std::isfinite(value))) {
    throw UnitError(fmt::format("'{}' is not a {}: its number is out of range", text, what));
  }
  if (error != std::errc{}) {
    throw UnitError(fmt::format("'{}' is not a {}: it must start with a number", text, what));
  }
  return {value, text.substr(static_cast<std::size_t>(stop - text.data()))};
}

template <std::size_t N>
double scale(std::string_view text, std::string_view what, const std::array<Suffix, N>& suffixes,
             std::string_view accepted) {
  const auto [value, suffix] = split_number(text, what);
  for (const auto& candidate : suffixes) {
    if (suffix == candidate.name) return value * candidate.factor;
  }
  throw UnitError(
      fmt::format("'{}' is not a {}: unknown unit '{}' (use {})", text, what, suffix, accepted));
}

constexpr double kKi = 1024.0;
constexpr std::array kByteSuffixes{
    Suffix{"", 1},
    Suffix{"B", 1},
    Suffix{"KiB", kKi},
    Suffix{"MiB", kKi* kKi},
    Suffix{"GiB", kKi* kKi* kKi},
    Suffix{"TiB", kKi* kKi* kKi* kKi},
    Suffix{"kB", 1e3},
    Suffix{"KB", 1e3},
    Suffix{"MB", 1e6},
    Suffix{"GB", 1e9},
    Suffix{"TB", 1e12},
};
constexpr std::array kDurationSuffixes{
    Suffix{"", 1},   Suffix{"ms", 1e-3}, Suffix{"s", 1},
    Suffix{"m", 60}, Suffix{"h", 3600},  Suffix{"d", 86400},
};

}  // namespace

double parse_bytes(std::string_view text) {
  const double bytes = scale(text, "byte size", kByteSuffixes, "B, KiB, MiB, GiB, TiB, kB, MB, GB");
  if (bytes < 0) throw UnitError(fmt::format("'{}' is not a byte size: it is negative", text));
  return bytes;
}

std::chrono::duration<double> parse_duration(std::string_view text) {
  const double seconds = scale(text, "duration", kDurationSuffixes, "ms, s, m, h, d");
  if (seconds < 0) throw UnitError(fmt::format("'{}' is not a duration: it is negative", text));
  if (seconds > kMaxDurationSeconds) {
    throw UnitError(fmt::format("'{}' is too long a duration: at most {:g}d (100 years)", text,
                                kMaxDurationSeconds / 86400));
  }
  return std::chrono::duration<double>(seconds);
}

GrowthRate parse_growth_rate(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos || slash + 1 == text.size()) {
    throw UnitError(fmt::format(
        "'{}' is not a growth rate: write bytes per unit, as in 0.5B/query or 1MiB/h", text));
  }
  GrowthRate rate;
  rate.bytes =
      scale(text.substr(0, slash), "growth rate", kByteSuffixes, "B, KiB, MiB, GiB before the '/'");
  rate.per = std::string(text.substr(slash + 1));
  return rate;
}

std::string plural_unit(std::string_view unit) {
  if (unit.empty() || unit.ends_with('s')) return std::string(unit);
  const bool consonant_y =
      unit.size() >= 2 && unit.back() == 'y' &&
      std::string_view("aeiou").find(unit[unit.size() - 2]) == std::string_view::npos;
  if (consonant_y) return std::string(unit.substr(0, unit.size() - 1)) + "ies";
  return std::string(unit) + "s";
}

std::string format_bytes(double bytes) {
  constexpr std::array<std::string_view, 5> kUnits{"B", "KiB", "MiB", "GiB", "TiB"};
  std::size_t unit = 0;
  double magnitude = bytes;
  while (std::fabs(magnitude) >= kKi && unit + 1 < kUnits.size()) {
    magnitude /= kKi;
    ++unit;
  }
  if (unit == 0) return fmt::format("{:.0f} B", magnitude);
  return fmt::format("{:.2f} {}", magnitude, kUnits[unit]);
}

std::string format_duration(std::chrono::duration<double> duration) {
  const double seconds = duration.count();
  if (seconds < 60) return fmt::format("{:.1f}s", seconds);
  const auto whole = static_cast<long long>(seconds);
  if (whole < 3600) return fmt::format("{}m{:02}s", whole / 60, whole % 60);
  return fmt::format("{}h{:02}m", whole / 3600, (whole % 3600) / 60);
}

}  // namespace memsoak

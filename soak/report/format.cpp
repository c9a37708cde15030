#include "soak/report/format.h"

#include <fmt/format.h>

#include <cmath>

#include "harness/units.h"

namespace memsoak {

std::string format_count(double count) {
  const double magnitude = std::fabs(count);
  if (magnitude >= 1e9) return fmt::format("{:.1f}G", count / 1e9);
  if (magnitude >= 1e6) return fmt::format("{:.1f}M", count / 1e6);
  if (magnitude >= 1e3) return fmt::format("{:.1f}k", count / 1e3);
  return fmt::format("{:.0f}", count);
}

std::string format_rate_bytes(double bytes) {
  if (!std::isfinite(bytes)) return bytes > 0 ? "+inf B" : "-inf B";
  return std::fabs(bytes) < 1024 ? fmt::format("{:.3g} B", bytes) : format_bytes(bytes);
}

namespace {

// Three significant digits, trailing zeros kept: "2.00", "50.0", "104".
std::string three_digits(double value) {
  const int decimals = value < 10 ? 2 : value < 100 ? 1 : 0;
  return fmt::format("{:.{}f}", value, decimals);
}

}  // namespace

std::string format_latency_us(double microseconds) {
  if (microseconds < 1e3) return three_digits(microseconds) + " µs";
  if (microseconds < 1e6) return three_digits(microseconds / 1e3) + " ms";
  return three_digits(microseconds / 1e6) + " s";
}

}  // namespace memsoak

// Parsing and printing of the quantities users type and read: byte sizes ("512MiB"),
// durations ("90s", "10m", "72h") and growth rates ("0.5B/query", "1MiB/h").
// Parsers throw UnitError with a message that names the bad text and the accepted forms.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>

namespace memsoak {

struct UnitError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// "4096", "64KiB", "1.5GiB", "512MB" (SI, powers of 1000) -> bytes.
double parse_bytes(std::string_view text);

// The longest duration accepted: 100 years, well inside what a clock's nanoseconds hold.
inline constexpr double kMaxDurationSeconds = 100 * 365 * 86400.0;

// "250ms", "30s", "10m", "72h", "2d"; a bare number is seconds, at most kMaxDurationSeconds.
std::chrono::duration<double> parse_duration(std::string_view text);

// A rate of bytes per unit of work or time: "0.5B/query", "64B/op", "1MiB/h".
struct GrowthRate {
  double bytes = 0;  // bytes per one `per`
  std::string per;   // the unit of work ("op", "query", "doc") or of time ("s", "m", "h")
};
GrowthRate parse_growth_rate(std::string_view text);

// The plural of a unit of work for messages: "query" -> "queries", "op" -> "ops", "docs" stays.
std::string plural_unit(std::string_view unit);

// Human-readable forms for reports: "1.50 MiB", "-12.0 KiB", "2m30s".
std::string format_bytes(double bytes);
std::string format_duration(std::chrono::duration<double> duration);

}  // namespace memsoak

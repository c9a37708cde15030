// The detector's settings by name: one table of the DetectorOptions fields with the name each
// goes by, the range it must lie in and what it means. The command-line flags (soak/cli), the
// "detector" object a run records in its series header and the reading of that object back all
// go through it, so a setting is spelled and checked the same way wherever it comes from.
// Names are the JSON keys ("noise_margin"); a flag is the name with dashes ("--noise-margin").
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>

#include "harness/detector.h"

namespace memsoak {

// A setting out of its range, or of the wrong type; what() names the setting, the value and
// the range, e.g. "confidence is 7: it must be in [0.5, 0.999999]".
struct DetectorSettingError : std::invalid_argument {
  DetectorSettingError(std::string_view setting_name, const std::string& message);
  std::string setting;
};

// A number-valued setting. Settings without a flag of their own are set through another flag
// (--max-growth sets max_bytes_per_work and max_bytes_per_second, --warmup sets warmup_s).
struct NumericSetting {
  using Field = std::variant<double DetectorOptions::*, int DetectorOptions::*,
                             std::size_t DetectorOptions::*>;
  std::string_view name;
  Field field;
  double min = 0;
  double max = 0;
  bool min_exclusive = false;
  bool even = false;      // a count that must be even
  bool has_flag = true;   // its own flag, named after it
  std::string_view help;  // for --help

  bool is_count() const { return !std::holds_alternative<double DetectorOptions::*>(field); }
  double get(const DetectorOptions& options) const;
  void set(DetectorOptions& options, double value) const;  // value already checked
  // Empty when `value` is acceptable, otherwise why not ("it must be in [1, 1000]").
  std::string problem_with(double value) const;
};

std::span<const NumericSetting> numeric_detector_settings();

// Throws DetectorSettingError for the first setting out of range (or min_points > capacity).
void check_detector_options(const DetectorOptions& options);

// Every setting as a JSON object keyed by name; rss_bound as text ("512MiB", "3x") or null.
nlohmann::json detector_settings_json(const DetectorOptions& options);

// `base` with the settings present in `settings` (an object as detector_settings_json writes)
// applied and checked; null or absent keys keep base's value, unknown keys are ignored (a later
// memsoak may record more). Throws DetectorSettingError.
DetectorOptions read_detector_settings(const nlohmann::json& settings, DetectorOptions base);

// The settings a run recorded in its series header ("detector"), over the defaults; a header
// without them gets the defaults. Runs recorded before rss_only_min_rise existed judged RSS
// without a minimum rise, and those before rss_only_settle_s with it in full at any length;
// each is replayed so. Throws DetectorSettingError.
DetectorOptions recorded_detector_options(const SeriesHeader& header);

}  // namespace memsoak

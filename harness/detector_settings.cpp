#include "harness/detector_settings.h"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <limits>

#include "harness/units.h"

namespace memsoak {
namespace {

using nlohmann::json;
using Options = DetectorOptions;

constexpr double kUnbounded = std::numeric_limits<double>::max();
constexpr double kMaxPoints = 1 << 16;

// In the order --help lists them.
const std::array kNumericSettings{
    NumericSetting{"max_bytes_per_work", &Options::max_bytes_per_work, 0, kUnbounded, false, false,
                   false, "leak threshold in bytes per unit of work (set by --max-growth)"},
    NumericSetting{"max_bytes_per_second", &Options::max_bytes_per_second, 0, kUnbounded, false,
                   false, false, "time-growth threshold in bytes per second (set by --max-growth)"},
    NumericSetting{"warmup_s", &Options::warmup_s, 0, kUnbounded, false, false, false,
                   "seconds ignored at the start (set by --warmup)"},
    NumericSetting{"warmup_fraction", &Options::warmup_fraction, 0, 0.99, false, false, true,
                   "Share of the work ignored at the start of the run"},
    NumericSetting{"early_growth", &Options::early_growth, 0, 1e6, false, false, true,
                   "Prove a leak during the warm-up once memory grew steadily by this multiple of "
                   "the level judging began at (0: never)"},
    NumericSetting{"confidence", &Options::confidence, 0.5, 0.999999, false, false, true,
                   "One-sided confidence of the slope"},
    NumericSetting{"half_confidence", &Options::half_confidence, 0.5, 0.999999, false, false, true,
                   "One-sided confidence required of each half of the window"},
    NumericSetting{"noise_margin", &Options::noise_margin, 0, 1e6, true, false, true,
                   "Growth over the window must reach this many residual MADs"},
    NumericSetting{"min_growth_bytes", &Options::min_growth_bytes, 0, kUnbounded, false, false,
                   true,
                   "Growth over the window must reach this many bytes as well (0: no floor; "
                   "memsoak::soak sets 1 MiB for the allocator's thread caches)"},
    NumericSetting{"deceleration_z", &Options::deceleration_z, 0, 1e6, true, false, true,
                   "Slowing by this many standard errors counts as a warm-up, not a leak"},
    NumericSetting{"slowdown", &Options::slowdown, 0, 1, false, false, true,
                   "A second half slower than this share of the first counts as a warm-up"},
    NumericSetting{"step_share", &Options::step_share, 0, 1, false, false, true,
                   "Growth this much carried by one jump must still pass without that jump"},
    NumericSetting{"confirmation_span", &Options::confirmation_span, 0, 10, false, false, true,
                   "The confirmations must span this much more work (fraction of the work done)"},
    NumericSetting{"confirmations", &Options::confirmations, 1, 1000, false, false, true,
                   "Consecutive evaluations a growth shape must hold"},
    NumericSetting{"min_points", &Options::min_points, 8, kMaxPoints, false, false, true,
                   "Points after the warm-up before anything is decided (at most --capacity)"},
    NumericSetting{"capacity", &Options::capacity, 8, kMaxPoints, false, true, true,
                   "Points the detector stores (even)"},
    NumericSetting{"overhead_min_fraction", &Options::overhead_min_fraction, 0, 100, false, false,
                   true, "High-water/fragmentation: the rise over the live level that counts"},
    NumericSetting{"purge_return_fraction", &Options::purge_return_fraction, 0, 1, false, false,
                   true,
                   "A purge returning this share of the rise means retention, not fragmentation"},
    NumericSetting{"rss_only_segments", &Options::rss_only_segments, 2, 64, false, false, true,
                   "Without live bytes, window segments whose median RSS must each top the last"},
    NumericSetting{"rss_only_min_rise", &Options::rss_only_min_rise, 0, 100, false, false, true,
                   "Without live bytes, the share of itself RSS must rise by over the window (the "
                   "allocator's caching creeps by a few percent)"},
    NumericSetting{
        "rss_only_settle_s", &Options::rss_only_settle_s, 0, kUnbounded, false, false, true,
        "Without live bytes, the minimum rise holds in full over windows up to this many "
        "seconds and shrinks in proportion over longer ones, whose caches have settled "
        "(0: in full at any length)"},
};

[[noreturn]] void refuse(std::string_view name, const json& value, std::string_view problem) {
  throw DetectorSettingError(name, fmt::format("\"{}\" is {}: {}", name, value.dump(), problem));
}

void read_numeric(const json& settings, const NumericSetting& setting, Options& options) {
  const auto found = settings.find(setting.name);
  if (found == settings.end() || found->is_null()) return;
  if (!found->is_number()) refuse(setting.name, *found, "it must be a number");
  if (setting.is_count() && !found->is_number_integer()) {
    refuse(setting.name, *found, "it must be a whole number");
  }
  const double value = found->get<double>();
  if (const std::string problem = setting.problem_with(value); !problem.empty()) {
    refuse(setting.name, *found, problem);
  }
  setting.set(options, value);
}

void read_work_unit(const json& settings, Options& options) {
  const auto found = settings.find("work_unit");
  if (found == settings.end() || found->is_null()) return;
  if (!found->is_string() || found->get<std::string>().empty()) {
    refuse("work_unit", *found, "it must be a unit of work such as \"query\" or \"op\"");
  }
  options.work_unit = found->get<std::string>();
}

void read_rss_bound(const json& settings, Options& options) {
  const auto found = settings.find("rss_bound");
  if (found == settings.end() || found->is_null()) return;
  if (!found->is_string())
    refuse("rss_bound", *found, "it must be a bound such as \"512MiB\" or \"3x\"");
  try {
    options.rss_bound = parse_rss_bound(found->get<std::string>());
  } catch (const UnitError& error) {
    refuse("rss_bound", *found, error.what());
  }
}

void read_fail_on(const json& settings, Options& options) {
  const auto found = settings.find("fail_on");
  if (found == settings.end() || found->is_null()) return;
  if (!found->is_array()) refuse("fail_on", *found, "it must be an array of verdict names");
  options.fail_on.clear();
  for (const json& name : *found) {
    const auto shape = name.is_string() ? parse_shape(name.get<std::string>()) : std::nullopt;
    if (!shape || *shape == Shape::kInsufficientData) {
      refuse("fail_on", *found, "it must be an array of verdict names such as \"leak\"");
    }
    options.fail_on.insert(*shape);
  }
}

}  // namespace

DetectorSettingError::DetectorSettingError(std::string_view setting_name,
                                           const std::string& message)
    : std::invalid_argument(message), setting(setting_name) {}

double NumericSetting::get(const DetectorOptions& options) const {
  return std::visit([&](auto member) { return static_cast<double>(options.*member); }, field);
}

void NumericSetting::set(DetectorOptions& options, double value) const {
  std::visit(
      [&](auto member) {
        using Value = std::remove_reference_t<decltype(options.*member)>;
        options.*member = static_cast<Value>(value);
      },
      field);
}

std::string NumericSetting::problem_with(double value) const {
  const bool below = min_exclusive ? !(value > min) : !(value >= min);
  if (!std::isfinite(value) || below || value > max) {
    if (max == kUnbounded) {
      return fmt::format("it must be a finite number {} {:g}", min_exclusive ? ">" : ">=", min);
    }
    return fmt::format("it must be in {}{:g}, {:g}]", min_exclusive ? "(" : "[", min, max);
  }
  if (is_count() && value != std::floor(value)) return "it must be a whole number";
  if (even && std::fmod(value, 2) != 0) return "it must be even";
  return {};
}

std::span<const NumericSetting> numeric_detector_settings() { return kNumericSettings; }

void check_detector_options(const DetectorOptions& options) {
  for (const NumericSetting& setting : kNumericSettings) {
    const double value = setting.get(options);
    if (const std::string problem = setting.problem_with(value); !problem.empty()) {
      throw DetectorSettingError(setting.name,
                                 fmt::format("{} is {:g}: {}", setting.name, value, problem));
    }
  }
  if (options.min_points > options.capacity) {
    throw DetectorSettingError("min_points",
                               fmt::format("min_points is {}: it must not exceed capacity ({})",
                                           options.min_points, options.capacity));
  }
  if (options.work_unit.empty()) {
    throw DetectorSettingError("work_unit", "work_unit is empty: name a unit of work such as op");
  }
}

nlohmann::json detector_settings_json(const DetectorOptions& options) {
  json settings = json::object();
  settings["work_unit"] = options.work_unit;
  for (const NumericSetting& setting : kNumericSettings) {
    settings[std::string(setting.name)] =
        setting.is_count() ? json(static_cast<std::int64_t>(setting.get(options)))
                           : json(setting.get(options));
  }
  settings["rss_bound"] = nullptr;
  if (const auto& bound = options.rss_bound) {
    settings["rss_bound"] = bound->live_multiple ? fmt::format("{:g}x", bound->value)
                                                 : fmt::format("{:.0f}B", bound->value);
  }
  settings["fail_on"] = json::array();
  for (const Shape shape : options.fail_on) settings["fail_on"].push_back(shape_name(shape));
  return settings;
}

DetectorOptions read_detector_settings(const nlohmann::json& settings, DetectorOptions base) {
  if (!settings.is_object()) refuse("detector", settings, "it must be an object of settings");
  read_work_unit(settings, base);
  for (const NumericSetting& setting : kNumericSettings) read_numeric(settings, setting, base);
  read_rss_bound(settings, base);
  read_fail_on(settings, base);
  check_detector_options(base);
  return base;
}

DetectorOptions recorded_detector_options(const SeriesHeader& header) {
  DetectorOptions options;
  const auto settings = header.extra.find("detector");
  if (settings == header.extra.end() || settings->is_null()) return options;
  options.rss_only_min_rise = 0;
  options.rss_only_settle_s = 0;
  return read_detector_settings(*settings, options);
}

}  // namespace memsoak

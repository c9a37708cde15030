#include "soak/report_detector.h"

#include <fmt/format.h>

#include "harness/units.h"

namespace memsoak {
namespace {

using nlohmann::json;

[[noreturn]] void bad_setting(std::string_view key, const json& value, std::string_view wanted) {
  throw SeriesError(
      fmt::format("header: \"detector\".\"{}\" is {}: it must be {}", key, value.dump(), wanted));
}

void read_number(const json& settings, const char* key, double& field) {
  const auto found = settings.find(key);
  if (found == settings.end() || found->is_null()) return;
  if (!found->is_number()) bad_setting(key, *found, "a number");
  field = found->get<double>();
}

template <typename Integer>
void read_count(const json& settings, const char* key, Integer& field) {
  const auto found = settings.find(key);
  if (found == settings.end() || found->is_null()) return;
  if (!found->is_number_unsigned()) bad_setting(key, *found, "a non-negative integer");
  field = found->get<Integer>();
}

void read_fail_on(const json& settings, std::set<Shape>& fail_on) {
  const auto found = settings.find("fail_on");
  if (found == settings.end() || found->is_null()) return;
  if (!found->is_array()) bad_setting("fail_on", *found, "an array of verdict names");
  fail_on.clear();
  for (const json& name : *found) {
    const auto shape = name.is_string() ? parse_shape(name.get<std::string>()) : std::nullopt;
    if (!shape) bad_setting("fail_on", *found, "an array of verdict names such as \"leak\"");
    fail_on.insert(*shape);
  }
}

void read_rss_bound(const json& settings, std::optional<RssBound>& bound) {
  const auto found = settings.find("rss_bound");
  if (found == settings.end() || found->is_null()) return;
  if (!found->is_string()) bad_setting("rss_bound", *found, "a bound such as \"512MiB\" or \"3x\"");
  try {
    bound = parse_rss_bound(found->get<std::string>());
  } catch (const UnitError& error) {
    bad_setting("rss_bound", *found, error.what());
  }
}

}  // namespace

DetectorOptions recorded_detector_options(const SeriesHeader& header) {
  DetectorOptions options;
  const auto settings = header.extra.find("detector");
  if (settings == header.extra.end() || !settings->is_object()) return options;
  if (const auto unit = settings->find("work_unit"); unit != settings->end()) {
    if (!unit->is_string()) bad_setting("work_unit", *unit, "a string such as \"query\"");
    options.work_unit = unit->get<std::string>();
  }
  read_number(*settings, "max_bytes_per_work", options.max_bytes_per_work);
  read_number(*settings, "max_bytes_per_second", options.max_bytes_per_second);
  read_number(*settings, "confidence", options.confidence);
  read_number(*settings, "half_confidence", options.half_confidence);
  read_number(*settings, "noise_margin", options.noise_margin);
  read_number(*settings, "deceleration_z", options.deceleration_z);
  read_number(*settings, "slowdown", options.slowdown);
  read_number(*settings, "step_share", options.step_share);
  read_number(*settings, "confirmation_span", options.confirmation_span);
  read_number(*settings, "overhead_min_fraction", options.overhead_min_fraction);
  read_number(*settings, "purge_return_fraction", options.purge_return_fraction);
  // Runs recorded before the setting existed judged RSS with no minimum rise.
  options.rss_only_min_rise = 0;
  read_number(*settings, "rss_only_min_rise", options.rss_only_min_rise);
  read_number(*settings, "warmup_s", options.warmup_s);
  read_number(*settings, "warmup_fraction", options.warmup_fraction);
  read_count(*settings, "confirmations", options.confirmations);
  read_count(*settings, "min_points", options.min_points);
  read_count(*settings, "capacity", options.capacity);
  read_count(*settings, "rss_only_segments", options.rss_only_segments);
  read_rss_bound(*settings, options.rss_bound);
  read_fail_on(*settings, options.fail_on);
  return options;
}

}  // namespace memsoak

#include "soak/cli/detector_flags.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "harness/detector_settings.h"
#include "harness/units.h"

namespace memsoak {
namespace {

// Runs parse(text), turning a unit error into the usage error CLI11 reports for `flag`.
template <typename Parse>
auto parse_flag(std::string_view flag, const std::string& text, Parse parse) {
  try {
    return parse(text);
  } catch (const std::invalid_argument& error) {
    throw CLI::ValidationError(std::string(flag), error.what());
  }
}

// Seconds in one `unit` ("h" -> 3600), or nothing when `unit` is not a unit of time.
std::optional<double> seconds_per(const std::string& unit) {
  try {
    return parse_duration("1" + unit).count();
  } catch (const UnitError&) {
    return std::nullopt;
  }
}

void apply_growth_rate(const std::string& text, DetectorOptions& options) {
  const GrowthRate rate = parse_flag("--max-growth", text, parse_growth_rate);
  if (const std::optional<double> seconds = seconds_per(rate.per)) {
    options.max_bytes_per_second = rate.bytes / *seconds;
  } else {
    options.work_unit = rate.per;
    options.max_bytes_per_work = rate.bytes;
  }
}

std::set<Shape> parse_shapes(const std::vector<std::string>& names) {
  std::set<Shape> shapes;
  for (const std::string& name : names) {
    const std::optional<Shape> shape = parse_shape(name);
    if (!shape || *shape == Shape::kInsufficientData) {
      throw CLI::ValidationError(
          "--fail-on", fmt::format("'{}' is not a shape: use leak, time-growth, high-water, "
                                   "fragmentation or bounded",
                                   name));
    }
    shapes.insert(*shape);
  }
  return shapes;
}

void add_growth_flags(CLI::App& command, DetectorFlags& flags) {
  command
      .add_option_function<std::vector<std::string>>(
          "--max-growth",
          [&flags](const std::vector<std::string>& rates) {
            for (const std::string& rate : rates) apply_growth_rate(rate, flags.options);
          },
          "Growth allowed before failing: bytes per unit of work (0B/query, 64B/op; also sets the "
          "work unit) or per unit of time (1MiB/h); repeatable. Default 0B/op and 0B/s")
      ->allow_extra_args(false);  // one value per flag: `watch ... -- CMD` ends the flags
  command.add_option_function<std::string>(
      "--rss-bound",
      [&flags](const std::string& text) {
        flags.options.rss_bound = parse_flag("--rss-bound", text, parse_rss_bound);
      },
      "Fail when RSS exceeds this: bytes (512MiB) or a multiple of the peak live bytes (3x)");
  command
      .add_option_function<std::vector<std::string>>(
          "--fail-on",
          [&flags](const std::vector<std::string>& names) {
            flags.options.fail_on = parse_shapes(names);
          },
          "Shapes that fail the run, comma-separated (default: leak)")
      ->delimiter(',')
      ->allow_extra_args(false);
}

void add_warmup_flag(CLI::App& command, DetectorFlags& flags) {
  command.add_option_function<std::string>(
      "--warmup",
      [&flags](const std::string& text) {
        flags.options.warmup_s = parse_flag("--warmup", text, parse_duration).count();
        flags.warmup_given = true;
      },
      fmt::format("Time ignored at the start of the run (default {:g}s)",
                  DetectorOptions{}.warmup_s));
}

// "noise_margin" -> "--noise-margin".
std::string flag_name(std::string_view setting) {
  std::string flag = "--" + std::string(setting);
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

// One flag per numeric setting that has its own, checked by the setting's own rule.
void add_numeric_flags(CLI::App& command, DetectorOptions& options) {
  for (const NumericSetting& setting : numeric_detector_settings()) {
    if (!setting.has_flag) continue;
    const CLI::Validator in_range(
        [&setting](const std::string& text) {
          double value = 0;
          try {
            value = std::stod(text);
          } catch (const std::exception&) {
            return std::string("must be a number");
          }
          return setting.problem_with(value);
        },
        "");
    command
        .add_option_function<double>(
            flag_name(setting.name),
            [&setting, &options](double value) { setting.set(options, value); },
            std::string(setting.help))
        ->check(in_range)
        ->default_str(fmt::format("{:g}", setting.get(options)));
  }
}

}  // namespace

void add_detector_flags(CLI::App& command, DetectorFlags& flags) {
  add_growth_flags(command, flags);
  add_warmup_flag(command, flags);
  add_numeric_flags(command, flags.options);
}

DetectorOptions given_flags_over(const DetectorOptions& base, const CLI::App& command) {
  DetectorFlags replay{base};
  CLI::App scratch;
  add_detector_flags(scratch, replay);
  std::vector<std::string> args;
  for (const CLI::Option* option : command.get_options()) {
    if (option->count() == 0 || option->get_lnames().empty()) continue;
    const std::string flag = "--" + option->get_single_name();
    if (scratch.get_option_no_throw(flag) == nullptr) continue;
    for (const std::string& value : option->results()) {
      args.push_back(flag);
      args.push_back(value);
    }
  }
  std::reverse(args.begin(), args.end());  // CLI11 takes the arguments last first
  scratch.parse(args);
  return replay.options;
}

}  // namespace memsoak

#include "soak/detector_flags.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

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
  command.add_option_function<std::vector<std::string>>(
      "--max-growth",
      [&flags](const std::vector<std::string>& rates) {
        for (const std::string& rate : rates) apply_growth_rate(rate, flags.options);
      },
      "Growth allowed before failing: bytes per unit of work (0B/query, 64B/op; also sets the "
      "work unit) or per unit of time (1MiB/h); repeatable. Default 0B/op and 0B/s");
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
      ->delimiter(',');
}

void add_warmup_flags(CLI::App& command, DetectorFlags& flags) {
  command.add_option_function<std::string>(
      "--warmup",
      [&flags](const std::string& text) {
        flags.options.warmup_s = parse_flag("--warmup", text, parse_duration).count();
        flags.warmup_given = true;
      },
      fmt::format("Time ignored at the start of the run (default {} s)",
                  DetectorOptions{}.warmup_s));
  command
      .add_option("--warmup-fraction", flags.options.warmup_fraction,
                  "Share of the work ignored at the start of the run")
      ->check(CLI::Range(0.0, 0.99))
      ->capture_default_str();
}

void add_statistics_flags(CLI::App& command, DetectorOptions& options) {
  const auto probability = CLI::Range(0.5, 0.999999);
  command.add_option("--confidence", options.confidence, "One-sided confidence of the slope")
      ->check(probability)
      ->capture_default_str();
  command
      .add_option("--half-confidence", options.half_confidence,
                  "One-sided confidence required of each half of the window")
      ->check(probability)
      ->capture_default_str();
  command
      .add_option("--noise-margin", options.noise_margin,
                  "Growth over the window must reach this many residual MADs")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command
      .add_option("--deceleration-z", options.deceleration_z,
                  "Slowing by this many standard errors counts as a warm-up, not a leak")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command
      .add_option("--slowdown", options.slowdown,
                  "A second half slower than this share of the first counts as a warm-up")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  command
      .add_option("--step-share", options.step_share,
                  "Growth this much carried by one jump must still pass without that jump")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  command
      .add_option("--confirmation-span", options.confirmation_span,
                  "The confirmations must span this much more work (fraction of the work done)")
      ->check(CLI::Range(0.0, 10.0))
      ->capture_default_str();
  command
      .add_option("--confirmations", options.confirmations,
                  "Consecutive evaluations a growth shape must hold")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  command
      .add_option("--min-points", options.min_points,
                  "Points after the warm-up before anything is decided")
      ->check(CLI::Range(8, 1 << 16))
      ->capture_default_str();
  const CLI::Validator even(
      [](const std::string& text) {
        return text.empty() || (text.back() - '0') % 2 != 0 ? std::string("must be even")
                                                            : std::string();
      },
      "EVEN");
  command.add_option("--capacity", options.capacity, "Points the detector stores")
      ->check(CLI::Range(8, 1 << 16) & even)
      ->capture_default_str();
}

void add_overhead_flags(CLI::App& command, DetectorOptions& options) {
  command
      .add_option("--overhead-min-fraction", options.overhead_min_fraction,
                  "High-water/fragmentation: the rise over the live level that counts")
      ->check(CLI::Range(0.0, 100.0))
      ->capture_default_str();
  command
      .add_option("--purge-return-fraction", options.purge_return_fraction,
                  "A purge returning this share of the rise means retention, not fragmentation")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  command
      .add_option("--rss-only-segments", options.rss_only_segments,
                  "Without live bytes, window segments whose median RSS must each top the last")
      ->check(CLI::Range(2, 64))
      ->capture_default_str();
  command
      .add_option("--rss-only-min-rise", options.rss_only_min_rise,
                  "Without live bytes, the share of itself RSS must rise by over the window (the "
                  "allocator's caching creeps by a few percent)")
      ->check(CLI::Range(0.0, 100.0))
      ->capture_default_str();
}

}  // namespace

void add_detector_flags(CLI::App& command, DetectorFlags& flags) {
  add_growth_flags(command, flags);
  add_warmup_flags(command, flags);
  add_statistics_flags(command, flags.options);
  add_overhead_flags(command, flags.options);
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

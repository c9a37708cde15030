#include "soak/report/verdict.h"

#include <fmt/format.h>

#include <cerrno>
#include <fstream>
#include <limits>
#include <system_error>

namespace memsoak {
namespace {

using nlohmann::json;

const json& field(const json& object, const char* key) {
  const auto found = object.find(key);
  if (found == object.end()) throw VerdictFileError(fmt::format("no \"{}\" field", key));
  return *found;
}

// to_json writes an unbounded interval end as null.
double number_or(const json& object, const char* key, double if_null) {
  const json& value = field(object, key);
  if (value.is_null()) return if_null;
  if (!value.is_number()) throw VerdictFileError(fmt::format("\"{}\" is not a number", key));
  return value.get<double>();
}

Interval interval(const json& object, const char* key) {
  const json& value = field(object, key);
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  return Interval{number_or(value, "estimate", 0), number_or(value, "lower", -kInfinity),
                  number_or(value, "upper", kInfinity)};
}

RunPoint run_point(const json& value) {
  return RunPoint{number_or(value, "t_s", 0), number_or(value, "work", 0)};
}

std::string text(const json& object, const char* key) {
  const json& value = field(object, key);
  if (!value.is_string()) throw VerdictFileError(fmt::format("\"{}\" is not a string", key));
  return value.get<std::string>();
}

}  // namespace

VerdictSummary summarize_verdict(const json& verdict) {
  if (!verdict.is_object()) throw VerdictFileError("not a JSON object");
  VerdictSummary summary;
  summary.shape = text(verdict, "verdict");
  if (!parse_shape(summary.shape)) {
    throw VerdictFileError(
        fmt::format("\"verdict\" is \"{}\", not a shape memsoak knows", summary.shape));
  }
  const json& fail = field(verdict, "fail");
  if (!fail.is_boolean()) throw VerdictFileError("\"fail\" is not true or false");
  summary.fail = fail.get<bool>();
  summary.signal = text(verdict, "signal");
  summary.work_unit = text(verdict, "work_unit");
  summary.bytes_per_work = interval(verdict, "bytes_per_work");
  summary.bytes_per_second = interval(verdict, "bytes_per_second");
  if (const json& began = field(verdict, "growth_began"); began.is_object()) {
    summary.growth_began = run_point(began);
  }
  summary.window_start = run_point(field(verdict, "window_start"));
  summary.window_end = run_point(field(verdict, "window_end"));
  summary.explanation = text(verdict, "explanation");
  if (const auto run = verdict.find("run"); run != verdict.end() && run->is_object()) {
    if (const auto by = run->find("written_by"); by != run->end() && by->is_string()) {
      summary.written_by = by->get<std::string>();
    }
  }
  return summary;
}

std::optional<VerdictSummary> load_verdict_file(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) return std::nullopt;
  std::ifstream in(path);
  if (!in) {
    throw VerdictFileError(fmt::format("{}: cannot read it: {}", path.string(),
                                       std::generic_category().message(errno)));
  }
  try {
    return summarize_verdict(json::parse(in));
  } catch (const json::exception& error) {
    throw VerdictFileError(
        fmt::format("{}: not valid JSON ({}); delete it and the report "
                    "re-computes the verdict from the series",
                    path.string(), error.what()));
  } catch (const VerdictFileError& error) {
    throw VerdictFileError(
        fmt::format("{}: not a memsoak verdict: {}; delete it and the report "
                    "re-computes the verdict from the series",
                    path.string(), error.what()));
  }
}

}  // namespace memsoak

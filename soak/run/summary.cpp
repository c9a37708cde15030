#include "soak/run/summary.h"

#include <fmt/format.h>

#include "harness/units.h"
#include "harness/whole_file.h"

namespace memsoak {
namespace {

nlohmann::json optional_text(const std::optional<std::string>& text) {
  return text ? nlohmann::json(*text) : nlohmann::json(nullptr);
}

std::string outcome(const Verdict& verdict, const RunFacts& facts) {
  if (facts.undecided) return "UNDECIDED";
  return verdict.fail ? "FAIL" : "PASS";
}

std::string point_text(const RunPoint& point, std::string_view unit) {
  return fmt::format("{} ({:.0f} {})", format_duration(std::chrono::duration<double>(point.t_s)),
                     point.work, plural_unit(unit));
}

// What failed: the shape, or the bound alone when it was crossed before growth could be judged.
std::string_view failure_name(const Verdict& verdict) {
  const bool bound_crossed = verdict.bound && verdict.bound->exceeded;
  if (verdict.shape == Shape::kInsufficientData && bound_crossed) return "rss-bound crossed";
  return shape_name(verdict.shape);
}

void print_failure_details(std::FILE* out, const Verdict& verdict) {
  if (verdict.shape == Shape::kInsufficientData) return;  // no slope was measured
  const Interval& slope = verdict.bytes_per_work;
  fmt::print(out, "  slope: {:.4g} B/{} (interval {:.4g} to {:.4g}); {:.4g} B/s over time\n",
             slope.estimate, verdict.work_unit, slope.lower, slope.upper,
             verdict.bytes_per_second.estimate);
  if (verdict.growth_began) {
    fmt::print(out, "  began: at {}\n", point_text(*verdict.growth_began, verdict.work_unit));
  }
  if (verdict.proven_at) {
    fmt::print(out, "  proven: at {}\n", point_text(*verdict.proven_at, verdict.work_unit));
  }
}

}  // namespace

nlohmann::json verdict_document(const Verdict& verdict, const RunFacts& facts) {
  nlohmann::json document = to_json(verdict);
  document["run"] = {
      {"scenario", facts.scenario},
      {"allocator", facts.allocator},
      {"seed", facts.seed},
      {"command", facts.command},
      {"end_reason", facts.end.reason},
      {"elapsed_s", facts.end.t_s},
      {"ops", facts.ops},
      {"ops_per_s", facts.end.t_s > 0 ? facts.ops / facts.end.t_s : 0.0},
      {"peak_rss_bytes", facts.peak_rss_bytes},
      {"steady_t_s", facts.steady_t_s ? nlohmann::json(*facts.steady_t_s) : nlohmann::json()},
      {"expected_verdict", optional_text(facts.expected_verdict)},
      {"undecided", optional_text(facts.undecided)},
      {"written_by", facts.written_by},
  };
  if (!facts.watched.is_null()) document["run"]["watched"] = facts.watched;
  if (facts.end.sampler_cpu_s && facts.end.t_s > 0) {
    document["run"]["sampler_cpu_s"] = *facts.end.sampler_cpu_s;
    document["run"]["sampler_core_share"] = *facts.end.sampler_cpu_s / facts.end.t_s;
  }
  return document;
}

void write_verdict_file(const std::filesystem::path& path, const nlohmann::json& document) {
  write_whole_file(path, document.dump(2) + "\n");
}

void print_summary(std::FILE* out, const Verdict& verdict, const RunFacts& facts) {
  const std::string sampler = facts.end.sampler_cpu_s && facts.end.t_s > 0
                                  ? fmt::format(", sampler {:.2f}% of a core",
                                                100 * *facts.end.sampler_cpu_s / facts.end.t_s)
                                  : "";
  const std::string subject =
      facts.subject.empty()
          ? fmt::format("{} on {} (seed {})", facts.scenario, facts.allocator, facts.seed)
          : facts.subject;
  const std::string throughput =
      facts.work_is_time
          ? ""
          : fmt::format("{:.0f} ops/s, ", facts.end.t_s > 0 ? facts.ops / facts.end.t_s : 0.0);
  fmt::print(out, "{}: {}: {}, ended by {} at {}; {}peak RSS {}{}\n", outcome(verdict, facts),
             subject, failure_name(verdict), facts.end.reason,
             format_duration(std::chrono::duration<double>(facts.end.t_s)), throughput,
             format_bytes(facts.peak_rss_bytes), sampler);
  fmt::print(out, "  {}\n", facts.undecided ? *facts.undecided : verdict.explanation);
  if (verdict.fail) print_failure_details(out, verdict);
  fmt::print(out, "  files: {}/series.jsonl, {}/verdict.json\n", facts.out_dir.string(),
             facts.out_dir.string());
  if (verdict.fail || facts.undecided) fmt::print(out, "  reproduce: {}\n", facts.command);
}

}  // namespace memsoak

#include "soak/run/status_line.h"

#include <fmt/format.h>
#include <unistd.h>

#include "harness/units.h"

namespace memsoak {
namespace {

constexpr double kTerminalRefresh_s = 0.25;
constexpr double kLogEvery_s = 60;

std::string slope_text(const Verdict& verdict) {
  if (verdict.shape == Shape::kInsufficientData) return "warming up";
  const Interval& slope = verdict.bytes_per_work;
  return fmt::format("slope {:.3g} B/{} [{:.3g}, {:.3g}]", slope.estimate, verdict.work_unit,
                     slope.lower, slope.upper);
}

}  // namespace

StatusLine::StatusLine(std::FILE* out)
    : StatusLine(out, isatty(fileno(out)) != 0,
                 isatty(fileno(out)) != 0 ? kTerminalRefresh_s : kLogEvery_s) {}

StatusLine::StatusLine(std::FILE* out, bool in_place, double every_s)
    : out_(out), in_place_(in_place), every_s_(every_s) {}

std::string StatusLine::format(const Progress& progress, double ops_per_s, const Verdict& verdict) {
  const std::string live =
      progress.live_bytes ? fmt::format("  live {}", format_bytes(*progress.live_bytes)) : "";
  return fmt::format("[{} / {}] {:.0f} ops/s  RSS {}{}  {}  {}",
                     format_duration(std::chrono::duration<double>(progress.elapsed_s)),
                     format_duration(std::chrono::duration<double>(progress.duration_s)), ops_per_s,
                     format_bytes(progress.rss_bytes), live, slope_text(verdict),
                     shape_name(verdict.shape));
}

void StatusLine::update(const Progress& progress, const Verdict& verdict) {
  if (!shown_) {
    shown_ = progress;  // the origin of the first throughput figure
    return;
  }
  const double since_s = progress.elapsed_s - shown_->elapsed_s;
  if (since_s < every_s_) return;
  const double ops_per_s = (progress.ops - shown_->ops) / since_s;
  const std::string text = format(progress, ops_per_s, verdict);
  if (in_place_) {
    fmt::print(out_, "\r\033[K{}", text);
    line_open_ = true;
  } else {
    fmt::print(out_, "{}\n", text);
  }
  std::fflush(out_);
  shown_ = progress;
}

void StatusLine::close() {
  if (!line_open_) return;
  fmt::print(out_, "\n");
  std::fflush(out_);
  line_open_ = false;
}

}  // namespace memsoak

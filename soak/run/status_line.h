// The progress of a live soak run for a person watching: elapsed time, throughput, RSS,
// allocator live bytes, the slope so far with its interval, and the current verdict. On a
// terminal one line is redrawn in place (at most every 250 ms); otherwise, for CI logs, a
// line is printed once a minute. Throughput is measured between two printed lines.
#pragma once

#include <cstdio>
#include <optional>
#include <string>

#include "harness/verdict.h"

namespace memsoak {

struct Progress {
  double elapsed_s = 0;
  double duration_s = 0;
  double ops = 0;  // all work counters together
  double rss_bytes = 0;
  std::optional<double> live_bytes;
};

class StatusLine {
 public:
  // Redraws in place when `out` is a terminal.
  explicit StatusLine(std::FILE* out);
  StatusLine(std::FILE* out, bool in_place, double every_s);

  void update(const Progress& progress, const Verdict& verdict);
  void close();  // ends an in-place line so later output starts on its own line

  // The text of one status line (no newline), given the throughput.
  static std::string format(const Progress& progress, double ops_per_s, const Verdict& verdict);

 private:
  std::FILE* out_;
  bool in_place_;
  double every_s_;
  std::optional<Progress> shown_;  // the last printed progress
  bool line_open_ = false;
};

}  // namespace memsoak

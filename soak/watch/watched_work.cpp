#include "soak/watch/watched_work.h"

#include <fmt/format.h>

#include <algorithm>

#include "soak/run/source_ended.h"

namespace memsoak {

WatchedWork::WatchedWork(const std::vector<WorkCounterSpec>& specs,
                         std::chrono::duration<double> startup)
    : startup_(startup), steady_(specs.empty()) {
  for (const WorkCounterSpec& spec : specs) {
    counters_.push_back(Counter{spec, make_counter_reader(spec), std::nullopt});
  }
}

double WatchedWork::read(Counter& counter, double since_start_s) const {
  double value = 0;
  try {
    value = counter.reader->read();
  } catch (const CounterReadError& error) {
    if (steady_ || since_start_s > startup_.count()) {
      const std::string when =
          steady_ ? std::string()
                  : fmt::format(" (not once in the {:g} s startup timeout: --startup-timeout)",
                                startup_.count());
      throw SourceEnded("work-source-error", error.what() + when);
    }
    return counter.last.value_or(0);  // still starting up: recorded, not judged
  }
  if (counter.last && value < *counter.last) {
    throw SourceEnded("work-source-error",
                      fmt::format("{}: the counter went backwards from {:g} to {:g} (a restart "
                                  "or a reset); growth per unit of work cannot be judged across it",
                                  counter.spec.text, *counter.last, value));
  }
  counter.last = value;
  return value;
}

WorkCounters WatchedWork::work() {
  const double since_start_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (counters_.empty()) return WorkCounters{{kSecondsCounter, since_start_s}};
  WorkCounters work;
  for (Counter& counter : counters_) work[counter.spec.name] = read(counter, since_start_s);
  steady_ = std::all_of(counters_.begin(), counters_.end(),
                        [](const Counter& counter) { return counter.last.has_value(); });
  return work;
}

void WatchedWork::on_line(OutputStream stream, std::string_view line) {
  for (Counter& counter : counters_) counter.reader->on_line(stream, line);
}

bool WatchedWork::reads(OutputStream stream) const {
  return std::any_of(counters_.begin(), counters_.end(),
                     [&](const Counter& counter) { return counter.reader->reads(stream); });
}

}  // namespace memsoak

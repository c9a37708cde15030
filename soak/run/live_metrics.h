// Live metrics of a soak (`run` or `watch`) for Prometheus, in its text exposition format:
// served at http://ADDR:PORT/metrics (--metrics) and/or rewritten atomically into a file for
// node_exporter's textfile collector (--metrics-textfile). Updated with every sample:
//
//   process_resident_memory_bytes                       RSS of the process soaked
//   memsoak_allocator_{live,active,...}_bytes{allocator} what its allocator's statistics say
//   memsoak_work_total{counter}                         each work counter
//   memsoak_slope_bytes_per_op                          the detector's growth per unit of work
//   memsoak_verdict{verdict}                            1 for the current shape, 0 for the others
//   memsoak_failing                                     1 while the verdict fails the run
//   memsoak_sampler_cpu_seconds_total                   memsoak's own recording cost
//   memsoak_run_info{scenario,allocator}                always 1: which run this is
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "soak/run/loop.h"

namespace memsoak {

struct MetricsOptions {
  std::optional<std::string> listen;              // "ADDR:PORT" or "PORT" (then 127.0.0.1)
  std::optional<std::filesystem::path> textfile;  // rewritten as a whole after every sample
};

// "127.0.0.1:9464" from "9464", "0.0.0.0:9464" as given; throws std::invalid_argument giving
// the accepted forms for anything else.
std::string metrics_bind_address(std::string_view given);

class LiveMetrics final : public LoopObserver {
 public:
  // Binds the port and writes the textfile once, so that a busy port or an unwritable file
  // fails before the soak starts: std::invalid_argument saying which and how to fix it.
  LiveMetrics(const MetricsOptions& options, const std::string& scenario,
              const std::string& allocator);
  ~LiveMetrics() override;

  // The allocator label of the memsoak_allocator_* gauges, when it is known only once the soak
  // has started (the agent of `watch` says which allocator serves malloc): before any sample.
  void label_allocator(std::string serving) { serving_allocator_ = std::move(serving); }

  void observe(const SeriesSample& sample, const Verdict& verdict, double sampler_cpu_s) override;
  // The final verdict, once the soak has ended (the textfile keeps it).
  void conclude(const Verdict& verdict);

  // "http://127.0.0.1:40245/metrics" with the port bound; empty without --metrics.
  std::optional<std::string> url() const;
  std::string text() const;  // the exposition as a scrape would see it now

 private:
  struct Families;
  void show_verdict(const Verdict& verdict);
  void write_textfile();  // reports a failure once, then stops writing
  std::optional<std::string> write_textfile_now() const;  // why it could not be written

  std::unique_ptr<Families> families_;
  std::optional<std::filesystem::path> textfile_;
  std::string serving_allocator_;
  std::string listen_address_;    // as bound, the port possibly 0
  bool textfile_failed_ = false;  // reported once; the soak goes on without it
};

// The metrics the options ask for, announced on stderr as `command: metrics at URL`; none when
// neither flag was given.
std::unique_ptr<LiveMetrics> start_live_metrics(const MetricsOptions& options,
                                                std::string_view command,
                                                const std::string& scenario,
                                                const std::string& allocator);

}  // namespace memsoak

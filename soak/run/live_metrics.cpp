#include "soak/run/live_metrics.h"

#include <fmt/format.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <array>
#include <charconv>
#include <map>
#include <stdexcept>
#include <system_error>

#include "harness/whole_file.h"

namespace memsoak {
namespace {

constexpr std::string_view kForms =
    "give PORT (on 127.0.0.1), ADDR:PORT or [IPv6]:PORT, with PORT 0 for any free port";

bool is_port(std::string_view text) {
  unsigned port = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
  return error == std::errc() && end == text.data() + text.size() && port <= 65535;
}

// A counter that follows a total read elsewhere: Prometheus counters only move up by steps.
struct FollowedCounter {
  prometheus::Counter* counter = nullptr;
  double total = 0;

  void follow(double now) {
    if (now > total) counter->Increment(now - total);
    total = std::max(total, now);
  }
};

}  // namespace

std::string metrics_bind_address(std::string_view given) {
  if (is_port(given)) return fmt::format("127.0.0.1:{}", given);
  const std::size_t colon = given.rfind(':');
  const bool bracketed = given.starts_with('[') && colon != std::string_view::npos && colon > 0 &&
                         given[colon - 1] == ']';
  const bool plain = colon != std::string_view::npos && given.find(':') == colon;
  if (colon == std::string_view::npos || colon == 0 || !(bracketed || plain) ||
      !is_port(given.substr(colon + 1))) {
    throw std::invalid_argument(
        fmt::format("'{}' is not an address to listen on; {}", given, kForms));
  }
  return std::string(given);
}

struct LiveMetrics::Families {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::unique_ptr<prometheus::Exposer> exposer;
  prometheus::Gauge& rss = prometheus::BuildGauge()
                               .Name("process_resident_memory_bytes")
                               .Help("Resident memory of the process soaked, in bytes.")
                               .Register(*registry)
                               .Add({});
  std::array<prometheus::Family<prometheus::Gauge>*, kAllocatorStatKeys.size()> allocator_stats{};
  std::array<prometheus::Gauge*, kAllocatorStatKeys.size()> allocator_gauges{};
  prometheus::Family<prometheus::Counter>& work =
      prometheus::BuildCounter()
          .Name("memsoak_work_total")
          .Help("Work done by the process soaked, per work counter.")
          .Register(*registry);
  std::map<std::string, FollowedCounter, std::less<>> work_counters;
  prometheus::Family<prometheus::Gauge>& slope =
      prometheus::BuildGauge()
          .Name("memsoak_slope_bytes_per_op")
          .Help("Memory growth per unit of work, as the detector estimates it now.")
          .Register(*registry);
  prometheus::Gauge* slope_gauge = nullptr;  // added once the detector has judged
  prometheus::Family<prometheus::Gauge>& verdict =
      prometheus::BuildGauge()
          .Name("memsoak_verdict")
          .Help("1 for the detector's current verdict, 0 for the others.")
          .Register(*registry);
  prometheus::Gauge& failing = prometheus::BuildGauge()
                                   .Name("memsoak_failing")
                                   .Help("1 while the verdict fails the soak.")
                                   .Register(*registry)
                                   .Add({});
  FollowedCounter sampler_cpu{&prometheus::BuildCounter()
                                   .Name("memsoak_sampler_cpu_seconds_total")
                                   .Help("CPU time memsoak spent recording samples.")
                                   .Register(*registry)
                                   .Add({})};
  prometheus::Family<prometheus::Gauge>& info =
      prometheus::BuildGauge()
          .Name("memsoak_run_info")
          .Help("Always 1; its labels say which soak this is.")
          .Register(*registry);

  Families() {
    for (std::size_t i = 0; i < kAllocatorStatKeys.size(); ++i) {
      allocator_stats[i] =
          &prometheus::BuildGauge()
               .Name(fmt::format("memsoak_allocator_{}", kAllocatorStatKeys[i].name))
               .Help("What the serving allocator's statistics say, in bytes.")
               .Register(*registry);
    }
    for (const Shape shape : kShapes) verdict.Add({{"verdict", std::string(shape_name(shape))}});
  }

  void show_allocator(const AllocatorStats& stats, const std::string& allocator) {
    for (std::size_t i = 0; i < kAllocatorStatKeys.size(); ++i) {
      const std::optional<double>& value = stats.*kAllocatorStatKeys[i].field;
      if (!value) continue;
      if (allocator_gauges[i] == nullptr) {
        allocator_gauges[i] = &allocator_stats[i]->Add({{"allocator", allocator}});
      }
      allocator_gauges[i]->Set(*value);
    }
  }

  void show_work(const WorkCounters& counters) {
    for (const auto& [name, total] : counters) {
      auto found = work_counters.find(name);
      if (found == work_counters.end()) {
        found = work_counters.emplace(name, FollowedCounter{&work.Add({{"counter", name}})}).first;
      }
      found->second.follow(total);
    }
  }
};

LiveMetrics::LiveMetrics(const MetricsOptions& options, const std::string& scenario,
                         const std::string& allocator)
    : families_(std::make_unique<Families>()),
      textfile_(options.textfile),
      serving_allocator_(allocator) {
  families_->info.Add({{"scenario", scenario}, {"allocator", allocator}}).Set(1);
  show_verdict(Verdict{});
  if (options.listen) {
    const std::string address = metrics_bind_address(*options.listen);
    try {
      families_->exposer = std::make_unique<prometheus::Exposer>(address, 1);
    } catch (const std::exception&) {
      throw std::invalid_argument(fmt::format(
          "--metrics {}: cannot listen there (the port is taken, or the address is not one of "
          "this machine's); pick another port, or 0 for any free one",
          *options.listen));
    }
    families_->exposer->RegisterCollectable(families_->registry);
    listen_address_ = address;
  }
  if (textfile_) {
    if (const std::optional<std::string> error = write_textfile_now()) {
      throw std::invalid_argument(fmt::format(
          "--metrics-textfile {}: cannot be written ({}); give a path in a writable directory",
          textfile_->string(), *error));
    }
  }
}

LiveMetrics::~LiveMetrics() = default;

void LiveMetrics::observe(const SeriesSample& sample, const Verdict& verdict,
                          double sampler_cpu_s) {
  families_->rss.Set(sample.memory.rss_bytes);
  families_->show_allocator(sample.memory.allocator, serving_allocator_);
  families_->show_work(sample.work);
  families_->sampler_cpu.follow(sampler_cpu_s);
  show_verdict(verdict);
  write_textfile();
}

void LiveMetrics::conclude(const Verdict& verdict) {
  show_verdict(verdict);
  write_textfile();
}

void LiveMetrics::show_verdict(const Verdict& verdict) {
  for (const Shape shape : kShapes) {
    families_->verdict.Add({{"verdict", std::string(shape_name(shape))}})
        .Set(shape == verdict.shape ? 1 : 0);
  }
  families_->failing.Set(verdict.fail ? 1 : 0);
  if (verdict.shape == Shape::kInsufficientData) return;
  if (families_->slope_gauge == nullptr) families_->slope_gauge = &families_->slope.Add({});
  families_->slope_gauge->Set(verdict.bytes_per_work.estimate);
}

std::optional<std::string> LiveMetrics::url() const {
  if (!families_->exposer) return std::nullopt;
  const std::vector<int> ports = families_->exposer->GetListeningPorts();
  if (ports.empty()) return std::nullopt;
  const std::string_view address = listen_address_;
  return fmt::format("http://{}:{}/metrics", address.substr(0, address.rfind(':')), ports.front());
}

std::string LiveMetrics::text() const {
  return prometheus::TextSerializer().Serialize(families_->registry->Collect());
}

void LiveMetrics::write_textfile() {
  if (!textfile_ || textfile_failed_) return;
  if (const std::optional<std::string> error = write_textfile_now()) {
    textfile_failed_ = true;
    fmt::print(stderr,
               "memsoak: --metrics-textfile {}: cannot be written ({}); no longer updated\n",
               textfile_->string(), *error);
  }
}

// Written whole: a collector never reads half a file.
std::optional<std::string> LiveMetrics::write_textfile_now() const {
  try {
    write_whole_file(*textfile_, text());
    return std::nullopt;
  } catch (const std::system_error& error) {
    return error.code().message();
  }
}

std::unique_ptr<LiveMetrics> start_live_metrics(const MetricsOptions& options,
                                                std::string_view command,
                                                const std::string& scenario,
                                                const std::string& allocator) {
  if (!options.listen && !options.textfile) return nullptr;
  auto metrics = std::make_unique<LiveMetrics>(options, scenario, allocator);
  if (const std::optional<std::string> url = metrics->url()) {
    fmt::print(stderr, "{}: metrics at {}\n", command, *url);
  }
  return metrics;
}

}  // namespace memsoak

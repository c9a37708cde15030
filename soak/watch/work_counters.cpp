#include "soak/watch/work_counters.h"

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "harness/allocator_registry.h"
#include "harness/subprocess.h"
#include "soak/watch/http_get.h"
#include "soak/watch/prometheus_text.h"

namespace memsoak {
namespace {

constexpr std::array<std::string_view, 5> kKinds{"prom", "file", "stdout", "stderr", "cmd"};
constexpr std::string_view kForms =
    "NAME=prom:URL#METRIC{label=\"value\"}, NAME=file:PATH, NAME=stdout:REGEX, "
    "NAME=stderr:REGEX or NAME=cmd:SHELLCMD";
constexpr std::chrono::milliseconds kReadTimeout{2000};
constexpr std::chrono::milliseconds kCommandTimeout{10000};

// The whole of `text`, blanks around it aside, as a number.
std::optional<double> whole_number(std::string_view text) {
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return std::nullopt;
  const std::string trimmed(text.substr(first, text.find_last_not_of(" \t\r\n") + 1 - first));
  char* end = nullptr;
  const double value = std::strtod(trimmed.c_str(), &end);
  if (end != trimmed.c_str() + trimmed.size()) return std::nullopt;
  return value;
}

class FileCounter final : public WorkCounterReader {
 public:
  explicit FileCounter(const WorkCounterSpec& spec) : spec_(spec) {}

  double read() override {
    std::ifstream file(spec_.argument);
    std::array<char, 4096> buffer{};
    file.read(buffer.data(), buffer.size());
    if (file.bad() || (!file && file.gcount() == 0 && !file.eof())) {
      throw CounterReadError(fmt::format("{}: cannot read {}", spec_.text, spec_.argument));
    }
    const std::string_view text(buffer.data(), static_cast<std::size_t>(file.gcount()));
    if (const std::optional<double> value = whole_number(text)) return *value;
    throw CounterReadError(fmt::format("{}: {} does not hold a number (it holds '{}')", spec_.text,
                                       spec_.argument, text.substr(0, 80)));
  }

 private:
  WorkCounterSpec spec_;
};

class CommandCounter final : public WorkCounterReader {
 public:
  explicit CommandCounter(const WorkCounterSpec& spec) : spec_(spec) {}

  double read() override {
    const std::array<std::string, 3> argv{"/bin/sh", "-c", spec_.argument};
    const CapturedRun run = run_capturing(argv, current_environment(), kCommandTimeout);
    if (run.timed_out) {
      throw CounterReadError(
          fmt::format("{}: the command ran over {} s", spec_.text, kCommandTimeout.count() / 1000));
    }
    if (run.exit_code != 0) {
      throw CounterReadError(fmt::format("{}: the command failed (status {}): {}", spec_.text,
                                         run.exit_code, run.stderr_text.substr(0, 200)));
    }
    if (const std::optional<double> value = last_number(run.stdout_text)) return *value;
    throw CounterReadError(fmt::format("{}: the command printed no number", spec_.text));
  }

 private:
  WorkCounterSpec spec_;
};

class OutputCounter final : public WorkCounterReader {
 public:
  OutputCounter(const WorkCounterSpec& spec, OutputStream stream)
      : spec_(spec), stream_(stream), pattern_(make_regex(spec)) {}

  double read() override {
    if (!seen_.load()) {
      throw CounterReadError(
          fmt::format("{}: no line of {} has matched yet", spec_.text, spec_.kind));
    }
    return value_.load();
  }
  bool reads(OutputStream stream) const override { return stream == stream_; }
  void on_line(OutputStream stream, std::string_view line) override {
    if (stream != stream_) return;
    std::match_results<std::string_view::const_iterator> match;
    if (!std::regex_search(line.begin(), line.end(), match, pattern_)) return;
    const bool grouped = match.size() > 1 && match[1].matched;
    const std::optional<double> value =
        grouped ? whole_number(std::string_view(match[1].first, match[1].second))
                : last_number(line);
    if (!value) return;
    value_.store(*value);
    seen_.store(true);
  }

 private:
  static std::regex make_regex(const WorkCounterSpec& spec) {
    try {
      return std::regex(spec.argument);
    } catch (const std::regex_error& error) {
      throw std::invalid_argument(
          fmt::format("{}: not a regular expression ({})", spec.text, error.what()));
    }
  }

  WorkCounterSpec spec_;
  OutputStream stream_;
  std::regex pattern_;
  std::atomic<double> value_{0};
  std::atomic<bool> seen_{false};
};

class PrometheusCounter final : public WorkCounterReader {
 public:
  explicit PrometheusCounter(const WorkCounterSpec& spec) : spec_(spec) {
    const std::size_t hash = spec.argument.find('#');
    if (hash == std::string::npos) {
      throw std::invalid_argument(fmt::format(
          "{}: name the series after the URL: prom:URL#METRIC{{label=\"value\"}}", spec.text));
    }
    try {
      url_ = parse_http_url(spec.argument.substr(0, hash));
      selector_ = parse_metric_selector(spec.argument.substr(hash + 1));
    } catch (const std::invalid_argument& error) {
      throw std::invalid_argument(fmt::format("{}: {}", spec.text, error.what()));
    }
  }

  double read() override {
    try {
      return select_metric_value(http_get(url_, kReadTimeout), selector_);
    } catch (const std::runtime_error& error) {
      throw CounterReadError(fmt::format("{}: {}", spec_.text, error.what()));
    }
  }

 private:
  WorkCounterSpec spec_;
  HttpUrl url_;
  MetricSelector selector_;
};

}  // namespace

WorkCounterSpec parse_work_counter_spec(std::string_view text) {
  const std::size_t equals = text.find('=');
  const std::size_t colon = text.find(':', equals == std::string_view::npos ? 0 : equals);
  if (equals == std::string_view::npos || equals == 0 || colon == std::string_view::npos) {
    throw std::invalid_argument(fmt::format("--work '{}': expected {}", text, kForms));
  }
  WorkCounterSpec spec{std::string(text.substr(0, equals)),
                       std::string(text.substr(equals + 1, colon - equals - 1)),
                       std::string(text.substr(colon + 1)), std::string(text)};
  if (spec.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos) {
    throw std::invalid_argument(fmt::format(
        "--work '{}': the name '{}' must be lower-case letters, digits and _", text, spec.name));
  }
  if (std::find(kKinds.begin(), kKinds.end(), spec.kind) == kKinds.end()) {
    throw std::invalid_argument(
        fmt::format("--work '{}': unknown source '{}'; expected {}", text, spec.kind, kForms));
  }
  if (spec.argument.empty()) {
    throw std::invalid_argument(fmt::format("--work '{}': nothing after '{}:'", text, spec.kind));
  }
  return spec;
}

std::unique_ptr<WorkCounterReader> make_counter_reader(const WorkCounterSpec& spec) {
  if (spec.kind == "prom") return std::make_unique<PrometheusCounter>(spec);
  if (spec.kind == "file") return std::make_unique<FileCounter>(spec);
  if (spec.kind == "cmd") return std::make_unique<CommandCounter>(spec);
  if (spec.kind == "stdout") return std::make_unique<OutputCounter>(spec, OutputStream::kStdout);
  if (spec.kind == "stderr") return std::make_unique<OutputCounter>(spec, OutputStream::kStderr);
  throw std::invalid_argument(fmt::format("--work '{}': unknown source", spec.text));
}

std::optional<double> last_number(std::string_view text) {
  static const std::regex kNumber(R"([-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)");
  std::optional<double> last;
  for (auto match = std::cregex_iterator(text.data(), text.data() + text.size(), kNumber);
       match != std::cregex_iterator(); ++match) {
    last = std::strtod(match->str().c_str(), nullptr);
  }
  return last;
}

}  // namespace memsoak

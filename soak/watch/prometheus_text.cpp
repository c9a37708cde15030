#include "soak/watch/prometheus_text.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cctype>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <vector>

namespace memsoak {
namespace {

bool name_char(char c, bool first) {
  const bool letter = std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_' || c == ':';
  return letter || (!first && std::isdigit(static_cast<unsigned char>(c)) != 0);
}

// A cursor over one line or selector; errors say where it stopped.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool done() const { return at_ >= text_.size(); }
  char peek() const { return done() ? '\0' : text_[at_]; }
  void skip_spaces() {
    while (!done() && (text_[at_] == ' ' || text_[at_] == '\t')) ++at_;
  }
  bool take(char c) {
    if (peek() != c) return false;
    ++at_;
    return true;
  }
  void expect(char c) {
    if (!take(c)) fail(fmt::format("'{}' expected", c));
  }
  std::string name() {
    const std::size_t start = at_;
    while (!done() && name_char(text_[at_], at_ == start)) ++at_;
    if (at_ == start) fail("a name expected");
    return std::string(text_.substr(start, at_ - start));
  }
  std::string quoted() {
    expect('"');
    std::string value;
    for (;;) {
      if (done()) fail("unterminated label value");
      const char c = text_[at_++];
      if (c == '"') return value;
      if (c != '\\') {
        value += c;
        continue;
      }
      const char escaped = peek();
      ++at_;
      value += escaped == 'n' ? '\n' : escaped;
    }
  }
  std::map<std::string, std::string> labels() {
    std::map<std::string, std::string> found;
    if (!take('{')) return found;
    skip_spaces();
    while (!take('}')) {
      std::string label = name();
      skip_spaces();
      expect('=');
      skip_spaces();
      found[std::move(label)] = quoted();
      skip_spaces();
      if (!take(',')) {
        skip_spaces();
        expect('}');
        break;
      }
      skip_spaces();
    }
    return found;
  }
  std::string_view rest() const { return text_.substr(std::min(at_, text_.size())); }
  [[noreturn]] void fail(std::string_view what) const {
    throw std::invalid_argument(fmt::format("{} at column {} of '{}'", what, at_ + 1, text_));
  }

 private:
  std::string_view text_;
  std::size_t at_ = 0;
};

double parse_sample_value(std::string_view text) {
  if (text == "+Inf" || text == "Inf") return std::numeric_limits<double>::infinity();
  if (text == "-Inf") return -std::numeric_limits<double>::infinity();
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  const std::string copy(text);
  char* end = nullptr;
  const double value = std::strtod(copy.c_str(), &end);
  if (copy.empty() || end != copy.c_str() + copy.size()) {
    throw std::invalid_argument(fmt::format("'{}' is not a sample value", text));
  }
  return value;
}

bool matches(const MetricSelector& selector, const std::string& name,
             const std::map<std::string, std::string>& labels) {
  if (name != selector.name) return false;
  for (const auto& [label, value] : selector.labels) {
    const auto found = labels.find(label);
    if (found == labels.end() || found->second != value) return false;
  }
  return true;
}

}  // namespace

MetricSelector parse_metric_selector(std::string_view text) {
  Scanner scanner(text);
  MetricSelector selector;
  selector.name = scanner.name();
  selector.labels = scanner.labels();
  if (!scanner.done()) scanner.fail("unexpected text");
  return selector;
}

std::string to_string(const MetricSelector& selector) {
  if (selector.labels.empty()) return selector.name;
  std::string text = selector.name + "{";
  for (const auto& [label, value] : selector.labels) {
    text += fmt::format("{}{}=\"{}\"", text.back() == '{' ? "" : ",", label, value);
  }
  return text + "}";
}

double select_metric_value(std::string_view exposition, const MetricSelector& selector) {
  std::vector<std::string> matched;
  double value = 0;
  std::size_t line_number = 0;
  for (std::size_t start = 0; start < exposition.size();) {
    const std::size_t end = std::min(exposition.find('\n', start), exposition.size());
    const std::string_view line = exposition.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (line.empty() || line.starts_with('#')) continue;
    try {
      Scanner scanner(line);
      const std::string name = scanner.name();
      const std::map<std::string, std::string> labels = scanner.labels();
      if (!matches(selector, name, labels)) continue;
      scanner.skip_spaces();
      const std::string_view rest = scanner.rest();
      value = parse_sample_value(rest.substr(0, rest.find_first_of(" \t")));
      matched.push_back(std::string(line.substr(0, line.size() - rest.size())));
    } catch (const std::invalid_argument& error) {
      throw std::runtime_error(fmt::format("line {}: {}", line_number, error.what()));
    }
  }
  if (matched.empty()) {
    throw std::runtime_error(
        fmt::format("no series {} among {} lines", to_string(selector), line_number));
  }
  if (matched.size() > 1) {
    throw std::runtime_error(fmt::format("{} series match {} (add labels to choose one): {}",
                                         matched.size(), to_string(selector),
                                         fmt::join(matched, ", ")));
  }
  return value;
}

}  // namespace memsoak

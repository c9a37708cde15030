// The work counters `memsoak watch` judges growth against, each read from somewhere outside
// memsoak, named on the command line as NAME=KIND:ARGUMENT:
//   prom:URL#SELECTOR  a series of a Prometheus/OpenMetrics text endpoint (plain HTTP)
//   file:PATH          the number a file holds
//   stdout:REGEX       the last number the watched command printed on a line matching REGEX
//   stderr:REGEX       (group 1 if the regex has one, else the last number on the line)
//   cmd:SHELLCMD       the last number a shell command prints
// A read that fails throws CounterReadError saying which counter and why; nothing is ever
// read as a silent zero. Output counters are fed by the process's reader threads.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "soak/watch/watched_process.h"

namespace memsoak {

struct WorkCounterSpec {
  std::string name;      // the counter's name in the series: "requests"
  std::string kind;      // "prom", "file", "stdout", "stderr", "cmd"
  std::string argument;  // what follows "KIND:"
  std::string text;      // as given
};

// Throws std::invalid_argument naming what is wrong and the accepted forms.
WorkCounterSpec parse_work_counter_spec(std::string_view text);

struct CounterReadError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class WorkCounterReader {
 public:
  virtual ~WorkCounterReader() = default;
  // The counter now; throws CounterReadError.
  virtual double read() = 0;
  // Output counters read the watched command's lines; others ignore them.
  virtual void on_line(OutputStream /*stream*/, std::string_view /*line*/) {}
  virtual bool reads(OutputStream /*stream*/) const { return false; }
};

// Throws std::invalid_argument for an argument its kind cannot use (a bad regex or URL).
std::unique_ptr<WorkCounterReader> make_counter_reader(const WorkCounterSpec& spec);

// The last number in `text` ("requests: 1200 ok" gives 1200), if any.
std::optional<double> last_number(std::string_view text);

}  // namespace memsoak

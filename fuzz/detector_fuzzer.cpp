// Fuzz target `detector`: the series reader and the growth detector, on any text. A program
// writes lines of a series file (whole lines, and a partial last line as a killed run leaves),
// parses single records, and analyzes the file: SeriesReader reads it, every sample and purge
// goes to a Detector with small options from the input, and finish() decides. Any input must
// give a verdict or a clear error: SeriesError or DetectorInputError with a message; any other
// exception, a crash or a sanitizer report is a failure. Beyond that: a record that parses
// formats back to a line that parses to the same record, and a verdict always serializes.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <typeinfo>

#include "fuzz/run.h"
#include "harness/detector.h"
#include "harness/series.h"
#include "harness/units.h"
#include "harness/verdict.h"

namespace memsoak::fuzz {
namespace {

enum Opcode : std::uint8_t { kLine, kPartialLine, kParseRecord, kAnalyze };

constexpr OpSpec kOps[] = {
    {"line", {{{"text", ArgKind::kText}}}, 1},
    {"partial_line", {{{"text", ArgKind::kText}}}, 1},
    {"parse_record", {{{"text", ArgKind::kText}}}, 1},
    {"analyze", {{{"options", ArgKind::kByte}}}, 1},
};
constexpr OpTable kTable{"detector", kOps};

// Small detector options, so that a few dozen samples reach every decision. `choice` bits:
// 0-1 capacity (8 << n), 2-3 warm-up fraction (n / 10), 4-5 confirmations (1 + n), 6 an RSS
// bound of 3x the live peak, 7 a leak threshold of 1 byte per op.
DetectorOptions options_from(std::uint64_t choice) {
  DetectorOptions options;
  options.capacity = std::size_t{8} << (choice & 3);
  options.min_points = 8;
  options.warmup_s = 0;
  options.warmup_fraction = static_cast<double>(choice >> 2 & 3) / 10;
  options.confirmations = 1 + static_cast<int>(choice >> 4 & 3);
  if ((choice & 0x40) != 0) options.rss_bound = parse_rss_bound("3x");
  if ((choice & 0x80) != 0) options.max_bytes_per_work = 1;
  return options;
}

[[noreturn]] void unexpected_exception(const char* where, const std::exception& error) {
  fail("%s threw %s (not a SeriesError or DetectorInputError): %s", where, typeid(error).name(),
       error.what());
}

// A file the SeriesReader can open by name, in memory.
class MemoryFile {
 public:
  explicit MemoryFile(std::string_view contents) : fd_(memfd_create("series", MFD_CLOEXEC)) {
    expect(fd_ >= 0, "memfd_create failed");
    expect(write(fd_, contents.data(), contents.size()) == static_cast<ssize_t>(contents.size()),
           "writing the series to memory failed");
  }
  ~MemoryFile() { close(fd_); }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;

  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
};

class DetectorMachine {
 public:
  void execute(const Op& op) {
    switch (op.code) {
      case kLine:
        series_.append(op.text).push_back('\n');
        break;
      case kPartialLine:
        series_.append(op.text);
        break;
      case kParseRecord:
        round_trip(op.text);
        break;
      default:
        analyze(op.args[0]);
        break;
    }
  }

  void teardown() {}

 private:
  // A record that parses formats to a line that parses to the same record.
  static void round_trip(std::string_view line) {
    try {
      const std::optional<SeriesRecord> record = parse_series_record(line);
      if (!record) return;
      const std::string formatted = format_series_record(*record);
      const std::optional<SeriesRecord> again = parse_series_record(formatted);
      expect(again.has_value() && format_series_record(*again) == formatted,
             "a record does not survive format and parse: %s", formatted.c_str());
    } catch (const SeriesError& error) {
      expect(*error.what() != '\0', "SeriesError without a message");
    } catch (const std::exception& error) {
      unexpected_exception("parse_series_record", error);
    }
  }

  void analyze(std::uint64_t choice) {
    const MemoryFile file(series_);
    try {
      SeriesReader reader(file.path());
      Detector detector(options_from(choice));
      while (const std::optional<SeriesRecord> record = reader.next()) {
        if (const auto* sample = std::get_if<SeriesSample>(&*record)) detector.add(*sample);
        if (const auto* purge = std::get_if<PurgeCheckpoint>(&*record)) detector.add(*purge);
        check_verdict(detector.check());
      }
      check_verdict(detector.finish());
    } catch (const SeriesError& error) {
      expect(*error.what() != '\0', "SeriesError without a message");
    } catch (const DetectorInputError& error) {
      expect(*error.what() != '\0', "DetectorInputError without a message");
    } catch (const std::exception& error) {
      unexpected_exception("reading or analyzing the series", error);
    }
  }

  // Every verdict names its shape and serializes (no invalid UTF-8 from the input, no throw).
  static void check_verdict(const Verdict& verdict) {
    expect(!shape_name(verdict.shape).empty(), "a verdict without a shape name");
    try {
      const std::string json = to_json(verdict).dump();
      expect(!json.empty(), "an empty verdict");
    } catch (const std::exception& error) {
      unexpected_exception("serializing the verdict", error);
    }
  }

  std::string series_;
};

}  // namespace
}  // namespace memsoak::fuzz

MEMSOAK_FUZZ_TARGET(memsoak::fuzz::kTable, memsoak::fuzz::DetectorMachine)

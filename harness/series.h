// The series file: what a soak run records, one JSON object per line (JSON Lines), version 1.
//
//   {"type":"header","format":"memsoak-series","version":1,"scenario":"healthy",
//    "allocator":"jemalloc","command":"memsoak run ...","seed":7,"kernel":"6.1.0",
//    "tunables":{"MALLOC_CONF":"..."},"start_time":"2025-01-01T00:00:00Z", ...}
//   {"type":"sample","t_s":1.0,"work":{"queries":1200,"docs":300},"rss_bytes":150000000,
//    "rss_anon_bytes":140000000,"allocator":{"live_bytes":135000000,"active_bytes":...}, ...}
//   {"type":"purge","t_s":60.0,"work":{...},"before":{"rss_bytes":...,"allocator":{...}},
//    "after":{"rss_bytes":...,"allocator":{...}}}
//   {"type":"end","t_s":600.0,"reason":"duration"}
//
// The header comes first and once; samples and purge checkpoints follow in time order; "end" is
// optional and last. Work counters are named, monotone, non-negative integers. Memory values are
// non-negative byte counts below 2^53. Fields a record does not define (arena statistics,
// latency percentiles) are kept verbatim in `extra`. Records whose type starts with "x-" are
// extensions and are skipped. A run that is killed may leave a partial last line without its
// newline: the reader ignores it and reports it through truncated_tail(); any other malformed
// line is an error naming the file and line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>

#include "harness/allocator_stats.h"
#include "harness/file_descriptor.h"

namespace memsoak {

inline constexpr int kSeriesVersion = 1;
inline constexpr std::string_view kSeriesFormatName = "memsoak-series";
// Longer lines are refused: a record is a few hundred bytes, a header a few kilobytes.
inline constexpr std::size_t kMaxSeriesLineBytes = std::size_t{1} << 20;

// A malformed record or file. what() reads "FILE:LINE: problem (how to fix)" when the location
// is known, so a CI log points at the offending line.
struct SeriesError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A series file that cannot be written on (a full disk); what() names the file and the cause.
struct SeriesWriteError : SeriesError {
  using SeriesError::SeriesError;
};

// One reading of the process's memory.
struct MemoryReading {
  double rss_bytes = 0;
  std::optional<double> rss_anon_bytes;
  AllocatorStats allocator;
};

// Named monotone work counters ("queries", "docs"): the x-axis growth is measured against.
using WorkCounters = std::map<std::string, double>;

// All the work done: the sum of the counters (the detector's "op" unit).
double total_work(const WorkCounters& work);

struct SeriesHeader {
  int version = kSeriesVersion;
  std::string scenario;
  std::string allocator;
  std::string command;  // the command line that reproduces the run
  std::uint64_t seed = 0;
  std::string kernel;
  nlohmann::json tunables = nlohmann::json::object();  // MALLOC_CONF and friends, verbatim
  std::string start_time;                              // ISO 8601, UTC
  nlohmann::json extra = nlohmann::json::object();
};

struct SeriesSample {
  double t_s = 0;  // seconds since the start of the run
  WorkCounters work;
  MemoryReading memory;
  nlohmann::json extra = nlohmann::json::object();
};

// A soak run judges only what follows its workload's steady state (the index filled); the
// samples before carry this extra key, true, so that a re-analysis skips what the run skipped.
inline constexpr const char* kBeforeSteadyKey = "before_steady";

// The allocator was asked to give memory back (the backend's purge hook) between two readings.
struct PurgeCheckpoint {
  double t_s = 0;
  WorkCounters work;
  MemoryReading before;
  MemoryReading after;
};

struct SeriesEnd {
  double t_s = 0;
  std::string reason;  // "duration", "bound", "leak", "signal", "exit", ...
  nlohmann::json extra = nlohmann::json::object();  // e.g. a watched child's exit status
};

using SeriesRecord = std::variant<SeriesHeader, SeriesSample, PurgeCheckpoint, SeriesEnd>;

// One line of JSON to a record; throws SeriesError (without location) when it is not one.
// Returns nothing for an extension record ("x-..." type).
std::optional<SeriesRecord> parse_series_record(std::string_view line);

// A record as one line of JSON, without the trailing newline.
std::string format_series_record(const SeriesRecord& record);

// Reads a series file record by record, in bounded memory (lines of at most
// kMaxSeriesLineBytes), checking the order of records.
class SeriesReader {
 public:
  explicit SeriesReader(std::string path);  // throws SeriesError if the file cannot be opened

  // The next record, or nothing at the end of the file. The first record is the header.
  std::optional<SeriesRecord> next();

  std::size_t line() const { return line_; }  // of the record last returned
  const std::string& path() const { return path_; }
  bool truncated_tail() const { return truncated_tail_; }  // a partial last line was ignored
  std::string location() const;                            // "PATH:LINE", or PATH before any line

 private:
  enum class Line { kComplete, kUnterminated, kTooLong, kEnd };
  Line read_line(std::string& text);
  [[noreturn]] void fail(std::string_view problem) const;
  void check_order(const SeriesRecord& record);

  std::string path_;
  std::ifstream in_;
  std::size_t line_ = 0;
  bool truncated_tail_ = false;
  bool seen_header_ = false;
  bool seen_end_ = false;
};

// Appends records to a series file, one write(2) per line, so a killed run loses at most the
// line in flight and a reader never sees half of an earlier one.
class SeriesWriter {
 public:
  explicit SeriesWriter(const std::string& path);     // truncates; throws SeriesError on failure
  SeriesWriter(FileDescriptor fd, std::string path);  // an open file, written from its start

  // Throws SeriesWriteError (a full disk, a file size limit); a line that fails is not counted,
  // and what was written of it is cut off again where the file allows.
  void write(const SeriesRecord& record);

  const std::string& path() const { return path_; }
  std::size_t records_written() const { return records_; }
  std::size_t bytes_written() const { return bytes_; }

 private:
  std::string path_;
  FileDescriptor fd_;
  std::size_t records_ = 0;
  std::size_t bytes_ = 0;
};

}  // namespace memsoak

#include "harness/series.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cmath>
#include <system_error>

namespace memsoak {
namespace {

using nlohmann::json;

// Byte counts and counters are kept as doubles; above 2^53 they would silently lose units.
constexpr double kLargestExactValue = 9007199254740992.0;  // 2^53

double number_field(const json& object, const char* key, std::string_view record) {
  const auto found = object.find(key);
  if (found == object.end()) {
    throw SeriesError(fmt::format("{} record has no \"{}\" (it is required)", record, key));
  }
  if (!found->is_number()) {
    throw SeriesError(
        fmt::format("{} record: \"{}\" is {}, not a number", record, key, found->dump()));
  }
  const double value = found->get<double>();
  if (!std::isfinite(value) || value < 0 || value >= kLargestExactValue) {
    throw SeriesError(
        fmt::format("{} record: \"{}\" is {}: it must be a non-negative number below "
                    "2^53 (bytes, counts or seconds)",
                    record, key, found->dump()));
  }
  return value;
}

std::optional<double> optional_number(const json& object, const char* key,
                                      std::string_view record) {
  if (!object.contains(key) || object.at(key).is_null()) return std::nullopt;
  return number_field(object, key, record);
}

std::string optional_string(const json& object, const char* key, std::string_view record) {
  const auto found = object.find(key);
  if (found == object.end() || found->is_null()) return {};
  if (!found->is_string()) {
    throw SeriesError(fmt::format("{} record: \"{}\" must be a string", record, key));
  }
  return found->get<std::string>();
}

const json& object_field(const json& object, const char* key, std::string_view record) {
  const auto found = object.find(key);
  if (found == object.end() || !found->is_object()) {
    throw SeriesError(
        fmt::format("{} record: \"{}\" is missing or not a JSON object", record, key));
  }
  return *found;
}

WorkCounters parse_work(const json& object, std::string_view record) {
  const json& counters = object_field(object, "work", record);
  WorkCounters work;
  for (const auto& [name, value] : counters.items()) {
    const double count = number_field(counters, name.c_str(), record);
    if (count != std::floor(count)) {
      throw SeriesError(
          fmt::format("{} record: work counter \"{}\" is {}: counters count whole "
                      "operations",
                      record, name, value.dump()));
    }
    work.emplace(name, count);
  }
  if (work.empty()) {
    throw SeriesError(
        fmt::format("{} record: \"work\" names no counter (write at least one, "
                    "as in {{\"queries\": 0}})",
                    record));
  }
  return work;
}

AllocatorStats parse_allocator(const json& object, std::string_view record) {
  AllocatorStats stats;
  const auto found = object.find("allocator");
  if (found == object.end() || found->is_null()) return stats;
  if (!found->is_object()) {
    throw SeriesError(fmt::format("{} record: \"allocator\" must be a JSON object", record));
  }
  for (const auto& [key, field] : kAllocatorStatKeys) {
    stats.*field = optional_number(*found, key, record);
  }
  return stats;
}

MemoryReading parse_memory(const json& object, std::string_view record) {
  MemoryReading reading;
  reading.rss_bytes = number_field(object, "rss_bytes", record);
  reading.rss_anon_bytes = optional_number(object, "rss_anon_bytes", record);
  reading.allocator = parse_allocator(object, record);
  return reading;
}

json without(const json& object, std::initializer_list<const char*> keys) {
  json rest = object;
  for (const char* key : keys) rest.erase(key);
  return rest;
}

SeriesHeader parse_header(const json& object) {
  const auto format = object.find("format");
  if (format == object.end() || *format != kSeriesFormatName) {
    throw SeriesError(fmt::format("header: \"format\" must be \"{}\"", kSeriesFormatName));
  }
  const auto version = object.find("version");
  if (version == object.end() || !version->is_number_integer() || version->get<int>() < 1 ||
      version->get<int>() > kSeriesVersion) {
    throw SeriesError(
        fmt::format("header: \"version\" must be an integer from 1 to {} (this "
                    "memsoak reads versions up to {}; upgrade memsoak for newer)",
                    kSeriesVersion, kSeriesVersion));
  }
  SeriesHeader header;
  header.version = version->get<int>();
  header.scenario = optional_string(object, "scenario", "header");
  header.allocator = optional_string(object, "allocator", "header");
  header.command = optional_string(object, "command", "header");
  header.kernel = optional_string(object, "kernel", "header");
  header.start_time = optional_string(object, "start_time", "header");
  if (const auto seed = object.find("seed"); seed != object.end()) {
    if (!seed->is_number_unsigned()) {
      throw SeriesError("header: \"seed\" must be a non-negative integer");
    }
    header.seed = seed->get<std::uint64_t>();
  }
  if (const auto tunables = object.find("tunables"); tunables != object.end()) {
    header.tunables = *tunables;
  }
  header.extra = without(object, {"type", "format", "version", "scenario", "allocator", "command",
                                  "seed", "kernel", "tunables", "start_time"});
  return header;
}

SeriesSample parse_sample(const json& object) {
  SeriesSample sample;
  sample.t_s = number_field(object, "t_s", "sample");
  sample.work = parse_work(object, "sample");
  sample.memory = parse_memory(object, "sample");
  sample.extra =
      without(object, {"type", "t_s", "work", "rss_bytes", "rss_anon_bytes", "allocator"});
  return sample;
}

PurgeCheckpoint parse_purge(const json& object) {
  PurgeCheckpoint purge;
  purge.t_s = number_field(object, "t_s", "purge");
  purge.work = parse_work(object, "purge");
  purge.before = parse_memory(object_field(object, "before", "purge"), "purge \"before\"");
  purge.after = parse_memory(object_field(object, "after", "purge"), "purge \"after\"");
  return purge;
}

SeriesEnd parse_end(const json& object) {
  return SeriesEnd{number_field(object, "t_s", "end"), optional_string(object, "reason", "end"),
                   without(object, {"type", "t_s", "reason"})};
}

// Integral values are written as integers so byte counts read naturally ("150000000").
json number(double value) {
  if (value == std::floor(value) && value >= 0 && value < kLargestExactValue) {
    return static_cast<std::uint64_t>(value);
  }
  return value;
}

json work_json(const WorkCounters& work) {
  json counters = json::object();
  for (const auto& [name, count] : work) counters[name] = number(count);
  return counters;
}

json memory_json(const MemoryReading& reading) {
  json object = json::object();
  object["rss_bytes"] = number(reading.rss_bytes);
  if (reading.rss_anon_bytes) object["rss_anon_bytes"] = number(*reading.rss_anon_bytes);
  json allocator = json::object();
  for (const auto& [key, field] : kAllocatorStatKeys) {
    if (const std::optional<double>& value = reading.allocator.*field) {
      allocator[key] = number(*value);
    }
  }
  if (!allocator.empty()) object["allocator"] = allocator;
  return object;
}

json to_json(const SeriesHeader& header) {
  json object = header.extra;
  object.update(json{{"type", "header"},
                     {"format", kSeriesFormatName},
                     {"version", header.version},
                     {"scenario", header.scenario},
                     {"allocator", header.allocator},
                     {"command", header.command},
                     {"seed", header.seed},
                     {"kernel", header.kernel},
                     {"tunables", header.tunables},
                     {"start_time", header.start_time}});
  return object;
}

json to_json(const SeriesSample& sample) {
  json object = sample.extra;
  object.update(memory_json(sample.memory));
  object["type"] = "sample";
  object["t_s"] = sample.t_s;
  object["work"] = work_json(sample.work);
  return object;
}

json to_json(const PurgeCheckpoint& purge) {
  return json{{"type", "purge"},
              {"t_s", purge.t_s},
              {"work", work_json(purge.work)},
              {"before", memory_json(purge.before)},
              {"after", memory_json(purge.after)}};
}

json to_json(const SeriesEnd& end) {
  json object = end.extra;
  object.update(json{{"type", "end"}, {"t_s", end.t_s}, {"reason", end.reason}});
  return object;
}

}  // namespace

std::optional<SeriesRecord> parse_series_record(std::string_view line) {
  json object;
  try {
    object = json::parse(line);
  } catch (const json::exception& error) {  // parse_error, or out_of_range for 1e400
    throw SeriesError(fmt::format("not valid JSON ({})", error.what()));
  }
  if (!object.is_object()) throw SeriesError("not a JSON object: every line is one record");
  const auto type = object.find("type");
  if (type == object.end() || !type->is_string()) {
    throw SeriesError("record has no \"type\" (header, sample, purge, end or x-...)");
  }
  const auto& name = type->get_ref<const std::string&>();
  try {
    if (name == "sample") return parse_sample(object);
    if (name == "purge") return parse_purge(object);
    if (name == "header") return parse_header(object);
    if (name == "end") return parse_end(object);
  } catch (const json::exception& error) {
    throw SeriesError(fmt::format("{} record: {}", name, error.what()));
  }
  if (name.starts_with("x-")) return std::nullopt;
  throw SeriesError(fmt::format(
      "unknown record type \"{}\" (header, sample, purge, end, or x-... for extensions)", name));
}

std::string format_series_record(const SeriesRecord& record) {
  return std::visit([](const auto& value) { return to_json(value).dump(); }, record);
}

SeriesReader::SeriesReader(std::string path) : path_(std::move(path)), in_(path_) {
  if (!in_) {
    throw SeriesError(fmt::format("{}: cannot open the series file: {}", path_,
                                  std::generic_category().message(errno)));
  }
}

std::string SeriesReader::location() const {
  return line_ == 0 ? path_ : fmt::format("{}:{}", path_, line_);
}

void SeriesReader::fail(std::string_view problem) const {
  throw SeriesError(fmt::format("{}: {}", location(), problem));
}

// The next line of `in` without its newline, at most kMaxSeriesLineBytes long, in chunks so that
// input without newlines (a binary file, /dev/zero) cannot grow the buffer without bound.
SeriesReader::Line SeriesReader::read_line(std::string& text) {
  text.clear();
  std::array<char, 4096> chunk{};
  for (;;) {
    in_.getline(chunk.data(), chunk.size());
    const auto got = static_cast<std::size_t>(in_.gcount());
    if (in_.bad()) {
      fail(fmt::format("cannot read: {}", std::generic_category().message(errno)));
    }
    if (in_.eof()) {
      text.append(chunk.data(), got);
      return text.empty() ? Line::kEnd : Line::kUnterminated;
    }
    if (!in_.fail()) {  // the newline was read, and counted by gcount
      text.append(chunk.data(), got - 1);
      return Line::kComplete;
    }
    text.append(chunk.data(), got);  // the chunk filled before a newline came
    if (text.size() > kMaxSeriesLineBytes) return Line::kTooLong;
    in_.clear();
  }
}

std::optional<SeriesRecord> SeriesReader::next() {
  std::string text;
  for (Line line = read_line(text); line != Line::kEnd; line = read_line(text)) {
    ++line_;
    if (line == Line::kTooLong) {
      fail(
          fmt::format("a line longer than {} bytes: a series line holds one JSON record; is "
                      "this a memsoak series?",
                      kMaxSeriesLineBytes));
    }
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    std::optional<SeriesRecord> record;
    try {
      record = parse_series_record(text);
    } catch (const SeriesError& error) {
      // Only the writer's last line can lack its newline: a killed run's, cut off mid-write.
      if (line == Line::kUnterminated && seen_header_) {
        truncated_tail_ = true;
        return std::nullopt;
      }
      if (line == Line::kUnterminated) {
        fail(
            "the header line is incomplete: the run was killed as it started, or this is not a "
            "memsoak series");
      }
      fail(error.what());
    }
    if (!record) continue;
    check_order(*record);
    return record;
  }
  if (!seen_header_) fail("the file is empty or holds no header: is it a memsoak series?");
  return std::nullopt;
}

void SeriesReader::check_order(const SeriesRecord& record) {
  const bool is_header = std::holds_alternative<SeriesHeader>(record);
  if (!seen_header_ && !is_header) fail("the first record must be the header");
  if (seen_header_ && is_header) fail("a second header: one file holds one run");
  if (seen_end_) fail("a record after the \"end\" record");
  seen_header_ = true;
  seen_end_ = std::holds_alternative<SeriesEnd>(record);
}

SeriesWriter::SeriesWriter(const std::string& path)
    : path_(path), fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) {
  if (!fd_.is_open()) {
    throw SeriesError(fmt::format("{}: cannot create the series file: {}", path,
                                  std::generic_category().message(errno)));
  }
}

SeriesWriter::SeriesWriter(FileDescriptor fd, std::string path)
    : path_(std::move(path)), fd_(std::move(fd)) {}

void SeriesWriter::write(const SeriesRecord& record) {
  const std::string line = format_series_record(record) + '\n';
  std::size_t written = 0;
  while (written < line.size()) {
    const ssize_t result = ::write(fd_.get(), line.data() + written, line.size() - written);
    if (result < 0 && errno == EINTR) continue;
    if (result < 0) {
      const int cause = errno;
      // Cut a partly written line off again, so the file stays whole lines for any later record.
      if (written > 0 && ::ftruncate(fd_.get(), static_cast<off_t>(bytes_)) == 0) {
        ::lseek(fd_.get(), static_cast<off_t>(bytes_), SEEK_SET);
      }
      errno = cause;
      throw SeriesWriteError(
          fmt::format("{}: cannot write: {}", path_, std::generic_category().message(errno)));
    }
    written += static_cast<std::size_t>(result);
  }
  ++records_;
  bytes_ += line.size();
}

double total_work(const WorkCounters& work) {
  double total = 0;
  for (const auto& [name, count] : work) total += count;
  return total;
}

}  // namespace memsoak

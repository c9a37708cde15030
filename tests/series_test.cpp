#include "harness/series.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace memsoak {
namespace {

constexpr std::string_view kHeader =
    R"({"type":"header","format":"memsoak-series","version":1,"scenario":"healthy","seed":7})";
constexpr std::string_view kSample =
    R"({"type":"sample","t_s":1.5,"work":{"queries":10,"docs":2},"rss_bytes":4096,)"
    R"("allocator":{"live_bytes":1024},"latency_us":{"p99":12}})";

// A file under the test's temporary directory, removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(std::string_view contents)
      : path_(::testing::TempDir() + "series_test_" + std::to_string(::getpid()) + "_" +
              std::to_string(counter_++) + ".jsonl") {
    std::ofstream(path_, std::ios::binary) << contents;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

std::string lines(std::initializer_list<std::string_view> records) {
  std::string text;
  for (const auto record : records) text += std::string(record) + "\n";
  return text;
}

// Reads every record; returns how many samples there were.
int count_samples(SeriesReader& reader) {
  int samples = 0;
  while (const auto record = reader.next()) {
    samples += std::holds_alternative<SeriesSample>(*record);
  }
  return samples;
}

std::string error_of(std::string_view contents) {
  TempFile file(contents);
  try {
    SeriesReader reader(file.path());
    count_samples(reader);
  } catch (const SeriesError& error) {
    return error.what();
  }
  return "";
}

TEST(SeriesRecord, ParsesASampleAndKeepsUnknownFields) {
  const auto record = parse_series_record(kSample);
  ASSERT_TRUE(record);
  const auto& sample = std::get<SeriesSample>(*record);
  EXPECT_EQ(sample.t_s, 1.5);
  EXPECT_EQ(sample.work.at("queries"), 10);
  EXPECT_EQ(sample.work.at("docs"), 2);
  EXPECT_EQ(sample.memory.rss_bytes, 4096);
  EXPECT_EQ(sample.memory.allocator.live_bytes, 1024);
  EXPECT_FALSE(sample.memory.allocator.resident_bytes);
  EXPECT_EQ(sample.extra.at("latency_us").at("p99"), 12);
}

TEST(SeriesRecord, RoundTripsEveryRecordType) {
  SeriesHeader header;
  header.scenario = "shared-arena";
  header.allocator = "jemalloc";
  header.command = "memsoak run --scenario shared-arena";
  header.seed = 42;
  header.tunables = {{"MALLOC_CONF", "dirty_decay_ms:0"}};
  SeriesSample sample;
  sample.t_s = 2;
  sample.work = {{"queries", 5}};
  sample.memory.rss_bytes = 8192;
  sample.memory.rss_anon_bytes = 4096;
  sample.memory.allocator.resident_bytes = 6000;
  sample.extra = {{"arena", {{"chunks", 3}}}};
  PurgeCheckpoint purge;
  purge.t_s = 3;
  purge.work = {{"queries", 6}};
  purge.before.rss_bytes = 9000;
  purge.after.rss_bytes = 7000;
  for (const SeriesRecord& record : {SeriesRecord{header}, SeriesRecord{sample},
                                     SeriesRecord{purge}, SeriesRecord{SeriesEnd{4, "duration"}}}) {
    const std::string line = format_series_record(record);
    const auto parsed = parse_series_record(line);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(format_series_record(*parsed), line);
  }
}

TEST(SeriesRecord, SkipsExtensionsAndRejectsUnknownTypes) {
  EXPECT_FALSE(parse_series_record(R"({"type":"x-phase","name":"burst"})"));
  EXPECT_THROW(parse_series_record(R"({"type":"sampel","t_s":1})"), SeriesError);
  EXPECT_THROW(parse_series_record(R"({"t_s":1})"), SeriesError);
  EXPECT_THROW(parse_series_record("[1,2]"), SeriesError);
}

TEST(SeriesRecord, RejectsBadNumbersWithTheFieldName) {
  const auto message = [](std::string_view line) {
    try {
      parse_series_record(line);
    } catch (const SeriesError& error) {
      return std::string(error.what());
    }
    return std::string();
  };
  const std::string prefix = R"({"type":"sample","t_s":1,"work":{"queries":1},"rss_bytes":)";
  EXPECT_NE(message(prefix + "1e300}").find("rss_bytes"), std::string::npos);
  EXPECT_NE(message(prefix + "-5}").find("rss_bytes"), std::string::npos);
  EXPECT_NE(message(prefix + "\"big\"}").find("not a number"), std::string::npos);
  EXPECT_NE(message(prefix + "NaN}").find("not valid JSON"), std::string::npos);
  EXPECT_NE(
      message(R"({"type":"sample","t_s":1,"work":{"queries":1.5},"rss_bytes":1})").find("whole"),
      std::string::npos);
  EXPECT_NE(message(R"({"type":"sample","t_s":1,"work":{},"rss_bytes":1})").find("no counter"),
            std::string::npos);
  EXPECT_NE(message(R"({"type":"sample","work":{"q":1},"rss_bytes":1})").find("t_s"),
            std::string::npos);
  EXPECT_NE(message(R"({"type":"header","format":"memsoak-series","version":9})").find("version"),
            std::string::npos);
}

TEST(SeriesReader, ReadsAFileInOrder) {
  TempFile file(lines({kHeader, kSample, R"({"type":"x-note"})", "", kSample,
                       R"({"type":"end","t_s":9,"reason":"duration"})"}));
  SeriesReader reader(file.path());
  const auto header = reader.next();
  ASSERT_TRUE(header);
  EXPECT_EQ(std::get<SeriesHeader>(*header).seed, 7u);
  EXPECT_EQ(count_samples(reader), 2);
  EXPECT_FALSE(reader.truncated_tail());
}

TEST(SeriesReader, IgnoresAPartialLastLineOfAKilledRun) {
  TempFile file(lines({kHeader, kSample}) + R"({"type":"sample","t_s":2,"wo)");
  SeriesReader reader(file.path());
  EXPECT_EQ(count_samples(reader), 1);
  EXPECT_TRUE(reader.truncated_tail());
}

TEST(SeriesReader, AcceptsACompleteLastLineWithoutNewlineAndCrLf) {
  TempFile file(std::string(kHeader) + "\r\n" + std::string(kSample));
  SeriesReader reader(file.path());
  EXPECT_EQ(count_samples(reader), 1);
  EXPECT_FALSE(reader.truncated_tail());
}

TEST(SeriesReader, RejectsGarbageInTheMiddleWithItsLine) {
  TempFile file(lines({kHeader, kSample, "garbage", kSample}));
  try {
    SeriesReader reader(file.path());
    count_samples(reader);
    FAIL() << "garbage accepted";
  } catch (const SeriesError& error) {
    EXPECT_NE(std::string(error.what()).find(file.path() + ":3:"), std::string::npos)
        << error.what();
  }
}

TEST(SeriesReader, ChecksTheOrderOfRecords) {
  EXPECT_NE(error_of(lines({kSample})).find(":1: the first record must be the header"),
            std::string::npos);
  EXPECT_NE(error_of(lines({kHeader, kHeader})).find(":2: a second header"), std::string::npos);
  EXPECT_NE(
      error_of(lines({kHeader, R"({"type":"end","t_s":1})", kSample})).find(":3: a record after"),
      std::string::npos);
  EXPECT_NE(error_of("").find("empty or holds no header"), std::string::npos);
}

TEST(SeriesReader, NamesAMissingFile) {
  EXPECT_THROW(SeriesReader("/nonexistent/series.jsonl"), SeriesError);
}

TEST(SeriesWriter, WritesLinesAReaderReadsBack) {
  TempFile file("");
  {
    SeriesWriter writer(file.path());
    writer.write(SeriesHeader{});
    SeriesSample sample;
    sample.work = {{"ops", 1}};
    for (int i = 0; i < 3; ++i) {
      sample.t_s = i;
      writer.write(sample);
    }
    // Flushed as written: a reader sees the lines before the writer closes.
    SeriesReader reader(file.path());
    EXPECT_EQ(count_samples(reader), 3);
  }
  EXPECT_THROW(SeriesWriter("/nonexistent/dir/series.jsonl"), SeriesError);
}

}  // namespace
}  // namespace memsoak

namespace memsoak {
namespace {

// Found by the detector fuzzer: a number beyond double's range escaped as json::out_of_range.
TEST(SeriesRecord, ANumberOutOfRangeIsASeriesError) {
  EXPECT_THROW(parse_series_record(R"({"type":"sample","t_s":1e400})"), SeriesError);
}

}  // namespace
}  // namespace memsoak

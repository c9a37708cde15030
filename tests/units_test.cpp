#include "harness/units.h"

#include <gtest/gtest.h>

namespace memsoak {
namespace {

TEST(ParseBytes, AcceptsBinaryAndDecimalUnits) {
  EXPECT_EQ(parse_bytes("4096"), 4096);
  EXPECT_EQ(parse_bytes("64KiB"), 65536);
  EXPECT_EQ(parse_bytes("1.5GiB"), 1.5 * 1024 * 1024 * 1024);
  EXPECT_EQ(parse_bytes("512MB"), 512e6);
  EXPECT_EQ(parse_bytes("0.5B"), 0.5);
}

TEST(ParseBytes, RejectsWithAMessageThatNamesTheText) {
  try {
    parse_bytes("12XB");
    FAIL() << "accepted 12XB";
  } catch (const UnitError& error) {
    EXPECT_TRUE(std::string(error.what()).find("12XB") != std::string::npos);
  }
  EXPECT_THROW(parse_bytes("MiB"), UnitError);
  EXPECT_THROW(parse_bytes("-1MiB"), UnitError);
  EXPECT_THROW(parse_bytes(""), UnitError);
  EXPECT_THROW(parse_bytes("nan"), UnitError);
}

TEST(ParseDuration, AcceptsEveryUnit) {
  EXPECT_EQ(parse_duration("250ms").count(), 0.25);
  EXPECT_EQ(parse_duration("30").count(), 30);
  EXPECT_EQ(parse_duration("10m").count(), 600);
  EXPECT_EQ(parse_duration("72h").count(), 72 * 3600);
  EXPECT_EQ(parse_duration("2d").count(), 2 * 86400);
  EXPECT_THROW(parse_duration("10 minutes"), UnitError);
}

TEST(ParseGrowthRate, SplitsBytesAndUnitOfWork) {
  const GrowthRate per_query = parse_growth_rate("0.5B/query");
  EXPECT_EQ(per_query.bytes, 0.5);
  EXPECT_EQ(per_query.per, "query");
  const GrowthRate per_hour = parse_growth_rate("1MiB/h");
  EXPECT_EQ(per_hour.bytes, 1024 * 1024);
  EXPECT_EQ(per_hour.per, "h");
  EXPECT_THROW(parse_growth_rate("12B"), UnitError);
  EXPECT_THROW(parse_growth_rate("12B/"), UnitError);
}

TEST(Format, ReadableBytesAndDurations) {
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(1536), "1.50 KiB");
  EXPECT_EQ(format_bytes(-3.0 * 1024 * 1024), "-3.00 MiB");
  EXPECT_EQ(format_duration(std::chrono::duration<double>(12.34)), "12.3s");
  EXPECT_EQ(format_duration(std::chrono::duration<double>(150)), "2m30s");
  EXPECT_EQ(format_duration(std::chrono::duration<double>(3 * 3600 + 60)), "3h01m");
}

}  // namespace
}  // namespace memsoak

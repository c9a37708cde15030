// The live metrics of a soak: what they say after a sample, served over HTTP and written to a
// textfile, and the errors of a busy port or an unwritable file.
#include "soak/run/live_metrics.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "soak/watch/http_get.h"
#include "tests/support/temp_dir.h"
#include "tests/support/text.h"

namespace memsoak {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using testing::contains;
using testing::read_file;
using testing::TempDir;

SeriesSample sample(double rss_bytes, double live_bytes, double queries) {
  SeriesSample s;
  s.memory.rss_bytes = rss_bytes;
  s.memory.allocator.live_bytes = live_bytes;
  s.work = {{"queries", queries}};
  return s;
}

Verdict leak_verdict() {
  Verdict verdict;
  verdict.shape = Shape::kLeak;
  verdict.fail = true;
  verdict.bytes_per_work = {64, 60, 68};
  return verdict;
}

TEST(MetricsAddress, APortAloneListensOnLoopback) {
  EXPECT_EQ(metrics_bind_address("9464"), "127.0.0.1:9464");
  EXPECT_EQ(metrics_bind_address("0"), "127.0.0.1:0");
  EXPECT_EQ(metrics_bind_address("0.0.0.0:9464"), "0.0.0.0:9464");
  EXPECT_EQ(metrics_bind_address("[::1]:9464"), "[::1]:9464");
}

TEST(MetricsAddress, AnythingElseSaysWhichFormsAreAccepted) {
  for (const char* given : {"", "localhost", "9464x", "70000", "1.2.3.4:", ":9464", "::1:9464"}) {
    try {
      metrics_bind_address(given);
      ADD_FAILURE() << "accepted '" << given << "'";
    } catch (const std::invalid_argument& error) {
      EXPECT_TRUE(contains(error.what(), "ADDR:PORT")) << error.what();
    }
  }
}

TEST(LiveMetrics, ASampleAndTheVerdictAreWhatAScrapeSees) {
  LiveMetrics metrics(MetricsOptions{}, "healthy", "jemalloc");
  const std::string before = metrics.text();
  EXPECT_TRUE(contains(before, "memsoak_verdict{verdict=\"insufficient-data\"} 1")) << before;
  EXPECT_FALSE(contains(before, "memsoak_slope_bytes_per_op ")) << "no slope before a judgement";

  metrics.observe(sample(300e6, 200e6, 1000), leak_verdict(), 0.5);
  metrics.observe(sample(301e6, 201e6, 2500), leak_verdict(), 0.75);
  const std::string text = metrics.text();
  EXPECT_TRUE(contains(text, "process_resident_memory_bytes 301000000")) << text;
  EXPECT_TRUE(contains(text, "memsoak_allocator_live_bytes{allocator=\"jemalloc\"} 201000000"));
  EXPECT_FALSE(contains(text, "memsoak_allocator_retained_bytes{")) << "not read: not shown";
  EXPECT_TRUE(contains(text, "memsoak_work_total{counter=\"queries\"} 2500")) << text;
  EXPECT_TRUE(contains(text, "memsoak_sampler_cpu_seconds_total 0.75")) << text;
  EXPECT_TRUE(contains(text, "memsoak_slope_bytes_per_op 64")) << text;
  EXPECT_TRUE(contains(text, "memsoak_verdict{verdict=\"leak\"} 1")) << text;
  EXPECT_TRUE(contains(text, "memsoak_verdict{verdict=\"insufficient-data\"} 0")) << text;
  EXPECT_TRUE(contains(text, "memsoak_failing 1")) << text;
  EXPECT_TRUE(contains(text, "memsoak_run_info{allocator=\"jemalloc\",scenario=\"healthy\"} 1"));
}

TEST(LiveMetrics, AWorkCounterNeverGoesDownEvenIfTheSourceDid) {
  LiveMetrics metrics(MetricsOptions{}, "watch", "none");
  metrics.observe(sample(1, 1, 500), Verdict{}, 0);
  metrics.observe(sample(1, 1, 400), Verdict{}, 0);
  EXPECT_TRUE(contains(metrics.text(), "memsoak_work_total{counter=\"queries\"} 500"));
}

TEST(LiveMetrics, TheAllocatorLabelCanBeNamedOnceKnown) {
  LiveMetrics metrics(MetricsOptions{}, "watch", "none");
  metrics.label_allocator("mimalloc");
  metrics.observe(sample(1, 7, 1), Verdict{}, 0);
  EXPECT_TRUE(contains(metrics.text(), "memsoak_allocator_live_bytes{allocator=\"mimalloc\"} 7"));
}

TEST(LiveMetrics, AScrapeOverHttpSeesTheSameText) {
  MetricsOptions options;
  options.listen = "0";
  LiveMetrics metrics(options, "healthy", "system");
  metrics.observe(sample(123456789, 1, 42), Verdict{}, 0);
  ASSERT_TRUE(metrics.url().has_value());
  EXPECT_TRUE(metrics.url()->starts_with("http://127.0.0.1:")) << *metrics.url();
  const std::string body = http_get(parse_http_url(*metrics.url()), milliseconds(5000));
  EXPECT_TRUE(contains(body, "process_resident_memory_bytes 123456789")) << body;
  EXPECT_TRUE(contains(body, "memsoak_work_total{counter=\"queries\"} 42")) << body;
}

TEST(LiveMetrics, ABusyPortIsAnErrorBeforeAnythingStarts) {
  MetricsOptions options;
  options.listen = "0";
  const LiveMetrics first(options, "healthy", "system");
  const std::string url = *first.url();
  options.listen = url.substr(url.find("//") + 2, url.rfind('/') - url.find("//") - 2);
  try {
    LiveMetrics second(options, "healthy", "system");
    ADD_FAILURE() << "bound " << *options.listen << " twice";
  } catch (const std::invalid_argument& error) {
    EXPECT_TRUE(contains(error.what(), "cannot listen there")) << error.what();
    EXPECT_TRUE(contains(error.what(), *options.listen)) << error.what();
  }
}

TEST(LiveMetrics, TheTextfileIsReplacedWholeAfterEverySample) {
  const TempDir dir;
  MetricsOptions options;
  options.textfile = dir.path() / "memsoak.prom";
  LiveMetrics metrics(options, "healthy", "system");
  EXPECT_TRUE(contains(read_file(*options.textfile), "memsoak_run_info"))
      << "written once at the start";
  metrics.observe(sample(1, 1, 10), Verdict{}, 0);
  metrics.conclude(leak_verdict());
  const std::string text = read_file(*options.textfile);
  EXPECT_TRUE(contains(text, "memsoak_work_total{counter=\"queries\"} 10")) << text;
  EXPECT_TRUE(contains(text, "memsoak_verdict{verdict=\"leak\"} 1")) << "the final verdict";
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1)
      << "no partial file left beside it";
}

TEST(LiveMetrics, AnUnwritableTextfileIsAnErrorBeforeAnythingStarts) {
  MetricsOptions options;
  options.textfile = "/nonexistent/dir/memsoak.prom";
  try {
    LiveMetrics metrics(options, "healthy", "system");
    ADD_FAILURE() << "wrote into a missing directory";
  } catch (const std::invalid_argument& error) {
    EXPECT_TRUE(contains(error.what(), "--metrics-textfile /nonexistent/dir/memsoak.prom"))
        << error.what();
  }
}

}  // namespace
}  // namespace memsoak

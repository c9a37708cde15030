// The pieces `memsoak watch` reads a service through: metric selectors and expositions, the
// HTTP GET of a metrics endpoint (against a real server on loopback), work counter specs and
// readers, and the process it starts, taps and stops.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness/file_descriptor.h"
#include "soak/watch/http_get.h"
#include "soak/watch/prometheus_text.h"
#include "soak/watch/watched_process.h"
#include "soak/watch/work_counters.h"
#include "tests/support/temp_dir.h"

namespace memsoak {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kExposition = R"(# HELP http_requests_total Requests served.
# TYPE http_requests_total counter
http_requests_total{method="get",code="200"} 1027
http_requests_total{method="post",code="200"} 3 1700000000000
http_requests_total{method="get",code="500"} 2
process_resident_memory_bytes 4.2e+07
escaped{path="a\"b\\c"} 7
)";

TEST(MetricSelector, ParsesNameAndLabels) {
  const MetricSelector selector = parse_metric_selector(R"(http_requests_total{method="get"})");
  EXPECT_EQ(selector.name, "http_requests_total");
  ASSERT_EQ(selector.labels.size(), 1U);
  EXPECT_EQ(selector.labels.at("method"), "get");
  EXPECT_EQ(to_string(selector), R"(http_requests_total{method="get"})");
  EXPECT_TRUE(parse_metric_selector("up").labels.empty());
}

TEST(MetricSelector, RejectsWhatIsNotASelector) {
  EXPECT_THROW(parse_metric_selector(""), std::invalid_argument);
  EXPECT_THROW(parse_metric_selector("a{b=c}"), std::invalid_argument);
  EXPECT_THROW(parse_metric_selector(R"(a{b="c")"), std::invalid_argument);
  EXPECT_THROW(parse_metric_selector("1abc"), std::invalid_argument);
}

TEST(MetricSelector, SelectsTheOneMatchingSeries) {
  const auto value = [](std::string_view selector) {
    return select_metric_value(kExposition, parse_metric_selector(selector));
  };
  EXPECT_EQ(value(R"(http_requests_total{method="get",code="200"})"), 1027);
  EXPECT_EQ(value(R"(http_requests_total{method="post"})"), 3);  // a timestamp follows it
  EXPECT_EQ(value("process_resident_memory_bytes"), 4.2e7);
  EXPECT_EQ(value(R"(escaped{path="a\"b\\c"})"), 7);
}

TEST(MetricSelector, RefusesNoneOrSeveralMatches) {
  const auto select = [](std::string_view selector) {
    return select_metric_value(kExposition, parse_metric_selector(selector));
  };
  try {
    select(R"(http_requests_total{method="get"})");
    FAIL() << "two series match";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("code=\"500\""), std::string::npos) << error.what();
  }
  EXPECT_THROW(select("http_requests"), std::runtime_error);
  EXPECT_THROW(select(R"(http_requests_total{method="put"})"), std::runtime_error);
}

TEST(HttpUrl, ParsesHostPortAndPath) {
  const HttpUrl url = parse_http_url("http://127.0.0.1:9121/metrics?x=1");
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.port, "9121");
  EXPECT_EQ(url.path, "/metrics?x=1");
  EXPECT_EQ(parse_http_url("http://localhost").path, "/");
  EXPECT_EQ(parse_http_url("http://localhost").port, "80");
  EXPECT_THROW(parse_http_url("https://localhost/metrics"), std::invalid_argument);
  EXPECT_THROW(parse_http_url("localhost:80/metrics"), std::invalid_argument);
  EXPECT_THROW(parse_http_url("http://:80/"), std::invalid_argument);
}

// A server on a loopback port of its own, answering every connection with `response`.
class LoopbackServer {
 public:
  explicit LoopbackServer(std::string response) : response_(std::move(response)) {
    listener_ = FileDescriptor(socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (bind(listener_.get(), reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        listen(listener_.get(), 8) != 0 ||
        getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("cannot listen on loopback");
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~LoopbackServer() {
    shutdown(listener_.get(), SHUT_RDWR);
    thread_.join();
  }

  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }
  std::string last_request() {
    const std::lock_guard lock(mutex_);
    return last_request_;
  }

 private:
  void serve() {
    for (;;) {
      const FileDescriptor connection(accept(listener_.get(), nullptr, nullptr));
      if (connection.get() < 0) return;
      std::string request(4096, '\0');
      const ssize_t got = read(connection.get(), request.data(), request.size());
      {
        const std::lock_guard lock(mutex_);
        last_request_ = request.substr(0, got > 0 ? static_cast<std::size_t>(got) : 0);
      }
      if (!response_.empty()) {
        [[maybe_unused]] const ssize_t sent =
            write(connection.get(), response_.data(), response_.size());
      } else {
        std::this_thread::sleep_for(1s);  // a server that never answers
      }
    }
  }

  std::string response_;
  FileDescriptor listener_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::string last_request_;
};

TEST(HttpGet, ReadsTheBodyOfA200) {
  LoopbackServer server("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nup 1\n");
  EXPECT_EQ(http_get(parse_http_url(server.url("/metrics")), 2000ms), "up 1\n");
  EXPECT_EQ(server.last_request().substr(0, 22), "GET /metrics HTTP/1.0\r");
}

TEST(HttpGet, NamesTheUrlAndTheCauseOfAFailure) {
  LoopbackServer not_found("HTTP/1.0 404 Not Found\r\n\r\nnothing here");
  try {
    http_get(parse_http_url(not_found.url("/metrics")), 2000ms);
    FAIL() << "a 404 is not a body";
  } catch (const HttpError& error) {
    EXPECT_NE(std::string(error.what()).find("404"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find(not_found.url("/metrics")), std::string::npos);
  }
  LoopbackServer silent("");
  EXPECT_THROW(http_get(parse_http_url(silent.url("/")), 200ms), HttpError);
  LoopbackServer too_big("HTTP/1.0 200 OK\r\n\r\n" + std::string(4096, 'x'));
  EXPECT_THROW(http_get(parse_http_url(too_big.url("/")), 2000ms, 1024), HttpError);
}

TEST(WorkCounterSpec, ParsesEachKind) {
  const WorkCounterSpec spec = parse_work_counter_spec("requests=prom:http://h:1/m#up");
  EXPECT_EQ(spec.name, "requests");
  EXPECT_EQ(spec.kind, "prom");
  EXPECT_EQ(spec.argument, "http://h:1/m#up");
  for (const char* text :
       {"a=file:/tmp/x", "a=stdout:served (\\d+)", "a=stderr:n=", "a=cmd:echo 1"}) {
    EXPECT_NO_THROW(parse_work_counter_spec(text)) << text;
  }
}

TEST(WorkCounterSpec, RejectsWhatItCannotRead) {
  for (const char* text : {"requests", "=file:/x", "requests=", "requests=tcp:1", "requests=file:",
                           "re quests=file:/x", "requests=prom:http://h/metrics"}) {
    EXPECT_THROW(make_counter_reader(parse_work_counter_spec(text)), std::invalid_argument) << text;
  }
  EXPECT_THROW(make_counter_reader(parse_work_counter_spec("a=stdout:(")), std::invalid_argument);
}

TEST(WorkCounters, LastNumberIsTheLastInTheText) {
  EXPECT_EQ(last_number("requests: 1200 ok"), 1200);
  EXPECT_EQ(last_number("a 1 b 2.5e3"), 2500);
  EXPECT_EQ(last_number("total_commands_processed:77\r"), 77);
  EXPECT_FALSE(last_number("none"));
}

TEST(WorkCounters, FileAndCommandCountersReadANumberOrSayWhyNot) {
  testing::TempDir dir;
  const auto path = dir.path() / "count";
  const auto reader = make_counter_reader(parse_work_counter_spec("n=file:" + path.string()));
  EXPECT_THROW(reader->read(), CounterReadError);  // no file yet: never a silent zero
  std::ofstream(path) << "42\n";
  EXPECT_EQ(reader->read(), 42);
  std::ofstream(path) << "no number\n";
  EXPECT_THROW(reader->read(), CounterReadError);

  EXPECT_EQ(make_counter_reader(parse_work_counter_spec("n=cmd:echo served 7"))->read(), 7);
  EXPECT_THROW(make_counter_reader(parse_work_counter_spec("n=cmd:exit 3"))->read(),
               CounterReadError);
}

TEST(WorkCounters, PromCounterReadsTheEndpoint) {
  LoopbackServer server("HTTP/1.0 200 OK\r\n\r\n" + std::string(kExposition));
  const auto reader = make_counter_reader(parse_work_counter_spec(
      "get=prom:" + server.url("/metrics") + R"(#http_requests_total{method="get",code="200"})"));
  EXPECT_EQ(reader->read(), 1027);
}

TEST(WorkCounters, OutputCounterKeepsTheLastMatchingLine) {
  const auto reader = make_counter_reader(parse_work_counter_spec(R"(n=stdout:served (\d+))"));
  EXPECT_TRUE(reader->reads(OutputStream::kStdout));
  EXPECT_FALSE(reader->reads(OutputStream::kStderr));
  EXPECT_THROW(reader->read(), CounterReadError);  // nothing printed yet
  reader->on_line(OutputStream::kStdout, "served 10 requests in 3 ms");
  reader->on_line(OutputStream::kStdout, "an unrelated line 99");
  EXPECT_EQ(reader->read(), 10);
  const auto ungrouped = make_counter_reader(parse_work_counter_spec("n=stderr:served"));
  ungrouped->on_line(OutputStream::kStderr, "served 12 requests");
  EXPECT_EQ(ungrouped->read(), 12);  // without a group: the last number on the line
}

TEST(WatchedProcess, ReportsHowTheCommandExited) {
  WatchedProcess process = WatchedProcess::start({"sh", "-c", "exit 3"}, {}, {}, {});
  std::optional<ProcessExit> exit;
  for (int i = 0; i < 500 && !exit; ++i) {
    exit = process.poll();
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->exit_code, 3);
  EXPECT_TRUE(exit->failed());
  EXPECT_EQ(exit->describe(), "exited with status 3");
}

// Processes of the group that are not zombies (a killed child waits for its reaper a while).
int live_members_of_group(pid_t group) {
  int live = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line) || line.rfind(')') == std::string::npos) continue;
    std::istringstream fields(line.substr(line.rfind(')') + 2));
    char state = 0;
    pid_t parent = 0;
    pid_t process_group = 0;
    fields >> state >> parent >> process_group;
    if (process_group == group && state != 'Z') ++live;
  }
  return live;
}

TEST(WatchedProcess, StopsTheWholeGroupAndSaysItDid) {
  // The shell ignores SIGTERM: only the SIGKILL after the grace ends it, and its child too.
  // It says when it ignores it: a loaded machine can take longer than any fixed pause to start
  // a shell.
  const testing::TempDir dir;
  const std::filesystem::path ready = dir.path() / "ready";
  WatchedProcess process = WatchedProcess::start(
      {"sh", "-c", "trap '' TERM; sleep 30 & touch " + ready.string() + "; wait"}, {}, {}, {});
  for (int i = 0; i < 1000 && !std::filesystem::exists(ready); ++i)
    std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(std::filesystem::exists(ready)) << "the shell did not start within 10 s";
  const auto started = std::chrono::steady_clock::now();
  const std::optional<ProcessExit> exit = process.stop(300ms);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->signal, SIGKILL);
  EXPECT_TRUE(exit->stopped_by_memsoak);
  EXPECT_FALSE(exit->failed());
  // SIGKILL cannot be ignored, but on a busy machine the child takes a moment to die after the
  // shell was reaped; one that was never signalled would live on for its 30 s.
  int live = live_members_of_group(process.pid());
  for (int i = 0; i < 300 && live > 0; ++i) {
    std::this_thread::sleep_for(10ms);
    live = live_members_of_group(process.pid());
  }
  EXPECT_EQ(live, 0) << "a process of the group outlived the stop by 3 s";
}

TEST(WatchedProcess, HandsOnLinesAndPassesTheOutputThrough) {
  std::mutex mutex;
  std::vector<std::string> lines;
  ::testing::internal::CaptureStdout();
  {
    WatchedProcess process = WatchedProcess::start({"sh", "-c", "printf 'one\\ntwo\\npartial'"}, {},
                                                   TappedStreams{true, false},
                                                   [&](OutputStream stream, std::string_view line) {
                                                     EXPECT_EQ(stream, OutputStream::kStdout);
                                                     const std::lock_guard lock(mutex);
                                                     lines.emplace_back(line);
                                                   });
    for (int i = 0; i < 500 && !process.poll(); ++i) std::this_thread::sleep_for(10ms);
    process.stop(1s);
  }
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "one\ntwo\npartial");
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two", "partial"}));
}

TEST(WatchedProcess, AttachRefusesAPidThatIsGone) {
  WatchedProcess process = WatchedProcess::start({"true"}, {}, {}, {});
  const pid_t pid = process.pid();
  process.stop(1s);
  EXPECT_ANY_THROW(WatchedProcess::attach(pid));
}

}  // namespace
}  // namespace memsoak

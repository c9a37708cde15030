// A stand-in for a user's service, for `memsoak watch` to follow in tests: it serves
// "requests" at a steady rate and prints how many it has served, while its memory takes one
// of the shapes a real service takes:
//   steady          each request allocates and frees its buffers
//   leak BYTES      each request also keeps BYTES for ever (a lost free)
//   warmup          a cache fills during the first seconds, then stays at its size
//   periodic SECS   a cache fills steadily and is flushed every SECS (memory falls back)
//   crash           serves for a second, then dies of SIGABRT
// Usage: watched_service SHAPE [ARG] [--rate REQUESTS_PER_S] [--counter-file PATH]
// It serves until it is stopped; every 10 ms it prints "served N" on stdout (and writes N to
// the counter file when one is given): well under the watch's sampling interval, so that the
// counter a sample reads is never a whole interval behind (a counter updated once per interval
// makes a steady rate look like one that varies).
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kPage = 4096;
constexpr std::size_t kCachePages = 4096;  // 16 MiB
constexpr double kWarmup_s = 3;

struct Config {
  std::string shape;
  double argument = 0;
  double rate = 2000;
  std::string counter_file;
};

[[noreturn]] void usage(const char* message) {
  std::fprintf(stderr,
               "watched_service: %s\nusage: watched_service steady|leak BYTES|warmup|periodic "
               "SECS|crash [--rate N] [--counter-file PATH]\n",
               message);
  std::exit(2);
}

Config parse(int argc, char** argv) {
  if (argc < 2) usage("give a shape");
  Config config;
  config.shape = argv[1];
  int next = 2;
  if (config.shape == "leak" || config.shape == "periodic") {
    if (argc < 3) usage("this shape takes a number");
    config.argument = std::atof(argv[next++]);
  } else if (config.shape != "steady" && config.shape != "warmup" && config.shape != "crash") {
    usage("unknown shape");
  }
  for (; next + 1 < argc; next += 2) {
    const std::string_view flag = argv[next];
    if (flag == "--rate") {
      config.rate = std::atof(argv[next + 1]);
    } else if (flag == "--counter-file") {
      config.counter_file = argv[next + 1];
    } else {
      usage("unknown option");
    }
  }
  if (next != argc) usage("an option lacks its value");
  return config;
}

// Cache pages mapped from the kernel directly, so that a flush gives them back at once and
// the memory's shape is the one the test means, whatever malloc would keep.
class PageCache {
 public:
  PageCache()
      : base_(static_cast<char*>(mmap(nullptr, kCachePages * kPage, PROT_READ | PROT_WRITE,
                                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))) {
    if (base_ == MAP_FAILED) usage("cannot map the cache");
  }
  void fill_to(std::size_t pages) {
    for (; filled_ < std::min(pages, kCachePages); ++filled_) base_[filled_ * kPage] = 1;
  }
  void flush() {
    madvise(base_, kCachePages * kPage, MADV_DONTNEED);
    filled_ = 0;
  }

 private:
  char* base_;
  std::size_t filled_ = 0;
};

// One request: parse, look up, answer; its buffers die with it.
void serve_one(std::vector<void*>& kept, const Config& config) {
  std::vector<std::string> words;
  for (int i = 0; i < 16; ++i) words.emplace_back(48, static_cast<char>('a' + i));
  volatile std::size_t answer = 0;
  for (const std::string& word : words) answer = answer + word.size();
  if (config.shape == "leak") {
    const auto bytes = static_cast<std::size_t>(config.argument);
    void* lost = std::malloc(bytes);
    std::memset(lost, 1, bytes);
    kept.push_back(lost);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Config config = parse(argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  PageCache cache;
  std::vector<void*> kept;
  kept.reserve(1 << 20);
  const Clock::time_point start = Clock::now();
  Clock::time_point next_report = start;
  long cycle = 0;
  for (unsigned long served = 0;; ++served) {
    const double t_s = std::chrono::duration<double>(Clock::now() - start).count();
    serve_one(kept, config);
    if (config.shape == "warmup") {
      cache.fill_to(static_cast<std::size_t>(kCachePages * std::min(1.0, t_s / kWarmup_s)));
    } else if (config.shape == "periodic") {
      const double cycles = t_s / config.argument;
      if (static_cast<long>(cycles) != cycle) {
        cycle = static_cast<long>(cycles);
        cache.flush();
      }
      cache.fill_to(static_cast<std::size_t>(kCachePages * (cycles - cycle)));
    } else if (config.shape == "crash" && t_s > 1) {
      std::abort();
    }
    if (Clock::now() >= next_report) {
      std::printf("served %lu\n", served);
      if (!config.counter_file.empty()) {
        std::ofstream(config.counter_file + ".tmp") << served << '\n';
        std::rename((config.counter_file + ".tmp").c_str(), config.counter_file.c_str());
      }
      next_report += std::chrono::milliseconds(10);
    }
    std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(
                                              std::chrono::duration<double>(served / config.rate)));
  }
}

// A child for allocator_stats_test, run under LD_PRELOAD: it does one thing with a known number
// of bytes and prints one JSON object with what it detected and measured.
//   allocator_child report               the allocator report only
//   allocator_child hold BYTES           allocate BYTES in 1 KiB blocks kept live
//   allocator_child purge BYTES          free a touched burst of BYTES, then purge
//   allocator_child dlopen LIBRARY       dlopen LIBRARY (RTLD_GLOBAL), then report
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "harness/allocator_report.h"
#include "harness/proc_memory.h"

namespace memsoak {
namespace {

constexpr std::size_t kBlockBytes = 1024;

std::vector<void*> allocate_touched(std::size_t total_bytes) {
  std::vector<void*> blocks;
  blocks.reserve(total_bytes / kBlockBytes);
  for (std::size_t i = 0; i < total_bytes / kBlockBytes; ++i) {
    void* block = std::malloc(kBlockBytes);
    if (block == nullptr) throw std::bad_alloc();
    std::memset(block, 0x5a, kBlockBytes);
    blocks.push_back(block);
  }
  return blocks;
}

void free_all(std::vector<void*>& blocks) {
  for (void* block : blocks) std::free(block);
  blocks.clear();
}

struct Measure {
  std::uint64_t rss_bytes;
  AllocatorStats stats;
};

Measure measure(const ProcessMemory& self) {
  return Measure{self.rss_bytes(), read_allocator_stats()};
}

nlohmann::json to_json(const Measure& measure) {
  return {{"rss_bytes", measure.rss_bytes}, {"stats", measure.stats}};
}

nlohmann::json hold(std::size_t total_bytes) {
  const ProcessMemory self = ProcessMemory::self();
  std::vector<void*> blocks;
  blocks.reserve(total_bytes / kBlockBytes);  // the pointer array is not part of the delta
  const Measure before = measure(self);
  blocks = allocate_touched(total_bytes);
  const Measure after = measure(self);
  nlohmann::json result{{"before", to_json(before)}, {"after", to_json(after)}};
  free_all(blocks);
  return result;
}

nlohmann::json purge(std::size_t burst_bytes) {
  const ProcessMemory self = ProcessMemory::self();
  std::vector<void*> burst = allocate_touched(burst_bytes);
  // A live block above the burst stops glibc from trimming the freed burst on its own.
  std::vector<void*> fence = allocate_touched(kBlockBytes);
  free_all(burst);
  const Measure freed = measure(self);
  purge_allocator();
  const Measure purged = measure(self);
  free_all(fence);
  return {{"freed", to_json(freed)}, {"purged", to_json(purged)}};
}

void load_library(const std::string& library) {
  if (::dlopen(library.c_str(), RTLD_NOW | RTLD_GLOBAL) == nullptr) {
    throw std::runtime_error(::dlerror());  // NOLINT(concurrency-mt-unsafe): one thread
  }
}

nlohmann::json run(const std::vector<std::string>& args) {
  const std::string command = args.empty() ? "" : args[0];
  nlohmann::json result = nlohmann::json::object();
  if (command == "hold" && args.size() == 2) {
    result = hold(std::stoull(args[1]));
  } else if (command == "purge" && args.size() == 2) {
    result = purge(std::stoull(args[1]));
  } else if (command == "dlopen" && args.size() == 2) {
    load_library(args[1]);
  } else if (command != "report" || args.size() != 1) {
    throw std::invalid_argument("usage: allocator_child report | hold N | purge N | dlopen LIB");
  }
  result["report"] = report_allocator();
  return result;
}

}  // namespace
}  // namespace memsoak

int main(int argc, char** argv) {
  try {
    std::cout << memsoak::run(std::vector<std::string>(argv + 1, argv + argc)) << '\n';
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "allocator_child: %s\n", error.what());
    return 2;
  }
}

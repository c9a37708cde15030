// The memory of the process `memsoak watch` follows, read from /proc: RSS every sample (with
// --include-children, summed over every descendant, found afresh each sample), RssAnon from
// smaps_rollup when asked. The allocator's statistics and its purge come from the agent inside
// the process when it answers (agent_link.h); without one the detector judges RSS alone and no
// purge can be asked for. An agent that stops answering ends the watch ("agent-lost"): a
// series never switches signals halfway. When an allocator was preloaded, the first seconds'
// readings also check that its library is mapped in the process. A process that has exited
// ends the watch (SourceEnded "exit", with its exit status); a preload that did not take ends
// it too ("preload-failed").
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>

#include "harness/memory_source.h"
#include "harness/proc_memory.h"
#include "soak/watch/agent_link.h"
#include "soak/watch/watched_process.h"

namespace memsoak {

struct ExpectedLibrary {
  std::string allocator;               // "jemalloc"
  std::filesystem::path library_path;  // symlinks resolved, as the process maps it
};

// What the agent has cost: its thread's CPU time against the time watched and the whole
// process's CPU time (which includes it), all as of the latest sample, and how many readings
// repeated the previous one to keep within its CPU budget (agent_page.h).
struct AgentCost {
  double agent_cpu_s = 0;
  double watched_s = 0;
  double process_cpu_s = 0;
  std::uint64_t readings = 0;
  std::uint64_t reused_readings = 0;
};

class WatchedMemory final : public MemorySource {
 public:
  // `agent`, when given, has been claimed by the process and must outlive this.
  WatchedMemory(WatchedProcess& process, bool include_children,
                std::optional<ExpectedLibrary> preloaded, AgentLink* agent);

  MemoryReading read(bool with_rss_anon) override;
  bool purge() override;

  // Nothing without an agent or before it has answered a sample.
  std::optional<AgentCost> agent_cost() const {
    return agent_cost_.readings > 0 ? std::optional(agent_cost_) : std::nullopt;
  }

 private:
  [[noreturn]] void end_with_exit();
  AgentAnswer ask_agent(agent::Op op, std::chrono::milliseconds timeout);
  void check_preload();
  void find_descendants();

  WatchedProcess& process_;
  bool include_children_;
  std::optional<ExpectedLibrary> preloaded_;
  AgentLink* agent_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::map<pid_t, ProcessMemory> processes_;  // the root first (lowest key is not implied)
  AgentCost agent_cost_;
  std::chrono::steady_clock::time_point watched_since_ = std::chrono::steady_clock::now();
};

// Whether /proc/PID/maps maps `library` (false when it cannot be read).
bool maps_library(pid_t pid, const std::filesystem::path& library);

// User plus system CPU time of `pid` so far, from /proc/PID/stat; nothing once it is gone.
std::optional<double> process_cpu_seconds(pid_t pid);

// Every descendant of `root` now (children, their children, ...), from /proc/*/stat.
std::vector<pid_t> descendants(pid_t root);

}  // namespace memsoak

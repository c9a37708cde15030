// The watcher's end of the agent page (soak/agent/agent_page.h): it creates the page file the
// command's agent maps, waits for the agent to claim it, and asks it for the allocator's
// statistics or a purge, each answer within a timeout.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "harness/allocator_stats.h"
#include "soak/agent/agent_page.h"

namespace memsoak {

struct AgentAnswer {
  std::string allocator;  // serving malloc in the process: "jemalloc", "system", ...
  AllocatorStats stats;
  bool purged = false;
  bool reused = false;  // the statistics repeat the previous answer's (Page::cpu_budget)
  std::chrono::nanoseconds agent_cpu{0};  // the agent thread's CPU time so far
};

class AgentLink {
 public:
  // Creates the page at `path` (replacing a stale one), with the agent's CPU budget (a share of
  // one core, agent_page.h); throws std::system_error naming it.
  explicit AgentLink(std::filesystem::path path, double cpu_budget = agent::kDefaultCpuBudget);
  AgentLink(const AgentLink&) = delete;
  AgentLink& operator=(const AgentLink&) = delete;
  ~AgentLink();  // unmaps the page and removes its file

  // "MEMSOAK_AGENT_PAGE=PATH", for the command's environment.
  std::string environment_entry() const;

  // Whether `pid` has claimed the page within `timeout`.
  bool wait_for_claim(pid_t pid, std::chrono::milliseconds timeout) const;

  // Changes the agent's CPU budget from the next request on.
  void set_cpu_budget(double cpu_budget) { page_->cpu_budget = cpu_budget; }

  // The agent's answer to `op`, or nothing when it gave none within `timeout`.
  std::optional<AgentAnswer> ask(agent::Op op, std::chrono::milliseconds timeout);

 private:
  std::filesystem::path path_;
  agent::Page* page_ = nullptr;
};

}  // namespace memsoak

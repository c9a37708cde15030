#include "soak/watch/watched_memory.h"

#include <fmt/format.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>

#include "soak/run/source_ended.h"

namespace memsoak {
namespace {

// How long a preloaded library has to show up in the process's maps: the dynamic loader maps
// it before main(), so only a process that ignores LD_PRELOAD takes longer.
constexpr std::chrono::seconds kPreloadCheckTime{5};
// A reading takes microseconds and a purge milliseconds; these allow for a loaded machine.
constexpr std::chrono::milliseconds kAgentReadTimeout{2000};
constexpr std::chrono::milliseconds kAgentPurgeTimeout{10000};

// The fields of /proc/PID/stat after "pid (comm) ", from `state` on (field 3 of proc(5) is
// index 0 here); empty when the process is gone. comm may hold anything, so the fields start
// after its last ')'.
std::vector<std::string> stat_fields(pid_t pid) {
  std::ifstream file(fmt::format("/proc/{}/stat", pid));
  std::string text;
  std::getline(file, text);
  const std::size_t paren = text.rfind(')');
  if (paren == std::string::npos) return {};
  std::istringstream rest(text.substr(paren + 1));
  return {std::istream_iterator<std::string>(rest), std::istream_iterator<std::string>()};
}

template <typename Number>
std::optional<Number> stat_field(const std::vector<std::string>& fields, std::size_t proc5_field) {
  const std::size_t index = proc5_field - 3;
  if (index >= fields.size()) return std::nullopt;
  const std::string& text = fields[index];
  Number value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<pid_t> parent_of(pid_t pid) { return stat_field<pid_t>(stat_fields(pid), 4); }

}  // namespace

std::optional<double> process_cpu_seconds(pid_t pid) {
  const std::vector<std::string> fields = stat_fields(pid);
  const std::optional<unsigned long> user_ticks = stat_field<unsigned long>(fields, 14);
  const std::optional<unsigned long> system_ticks = stat_field<unsigned long>(fields, 15);
  if (!user_ticks || !system_ticks) return std::nullopt;
  return static_cast<double>(*user_ticks + *system_ticks) /
         static_cast<double>(::sysconf(_SC_CLK_TCK));
}

bool maps_library(pid_t pid, const std::filesystem::path& library) {
  std::ifstream maps(fmt::format("/proc/{}/maps", pid));
  const std::string wanted = library.string();
  for (std::string line; std::getline(maps, line);) {
    if (line.ends_with(wanted)) return true;
  }
  return false;
}

std::vector<pid_t> descendants(pid_t root) {
  std::multimap<pid_t, pid_t> children;
  for (const std::filesystem::directory_entry& entry :
       std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    pid_t pid = 0;
    const auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (error != std::errc() || end != name.data() + name.size()) continue;
    if (const std::optional<pid_t> parent = parent_of(pid)) children.emplace(*parent, pid);
  }
  std::vector<pid_t> found;
  std::vector<pid_t> pending{root};
  while (!pending.empty()) {
    const pid_t parent = pending.back();
    pending.pop_back();
    for (auto [child, last] = children.equal_range(parent); child != last; ++child) {
      found.push_back(child->second);
      pending.push_back(child->second);
    }
  }
  return found;
}

WatchedMemory::WatchedMemory(WatchedProcess& process, bool include_children,
                             std::optional<ExpectedLibrary> preloaded, AgentLink* agent)
    : process_(process),
      include_children_(include_children),
      preloaded_(std::move(preloaded)),
      agent_(agent) {}

AgentAnswer WatchedMemory::ask_agent(agent::Op op, std::chrono::milliseconds timeout) {
  if (std::optional<AgentAnswer> answer = agent_->ask(op, timeout)) return *answer;
  if (process_.poll()) end_with_exit();
  throw SourceEnded("agent-lost",
                    fmt::format("the agent in process {} did not answer within {} ms (the process "
                                "is stopped or hung?); rerun with --no-agent to judge RSS alone",
                                process_.pid(), timeout.count()));
}

bool WatchedMemory::purge() {
  return agent_ != nullptr && ask_agent(agent::Op::kPurge, kAgentPurgeTimeout).purged;
}

void WatchedMemory::end_with_exit() {
  const std::optional<ProcessExit> exit = process_.poll();
  const ProcessExit how = exit.value_or(ProcessExit{});
  throw SourceEnded("exit",
                    fmt::format("the watched process {} {}", process_.pid(), how.describe()),
                    nlohmann::json{{"exit", how.to_json()}});
}

void WatchedMemory::check_preload() {
  if (maps_library(process_.pid(), preloaded_->library_path)) {
    preloaded_.reset();  // it took
    return;
  }
  if (std::chrono::steady_clock::now() - start_ < kPreloadCheckTime) return;
  throw SourceEnded(
      "preload-failed",
      fmt::format("--allocator {}: process {} has not mapped {} after {} s; a static or setuid "
                  "program ignores LD_PRELOAD (use --allocator none and the allocator it links)",
                  preloaded_->allocator, process_.pid(), preloaded_->library_path.string(),
                  kPreloadCheckTime.count()));
}

void WatchedMemory::find_descendants() {
  const std::vector<pid_t> now = descendants(process_.pid());
  const std::set<pid_t> alive(now.begin(), now.end());
  std::erase_if(processes_, [&](const auto& entry) {
    return entry.first != process_.pid() && !alive.contains(entry.first);
  });
  for (const pid_t pid : now) {
    if (processes_.contains(pid)) continue;
    try {
      processes_.emplace(pid, ProcessMemory(pid));
    } catch (const ProcessGone&) {  // gone between the scan and now
    }
  }
}

MemoryReading WatchedMemory::read(bool with_rss_anon) {
  if (process_.poll()) end_with_exit();
  try {
    if (!processes_.contains(process_.pid())) {
      processes_.emplace(process_.pid(), ProcessMemory(process_.pid()));
    }
  } catch (const ProcessGone&) {
    end_with_exit();
  }
  if (preloaded_) check_preload();
  if (include_children_) find_descendants();
  double rss_bytes = 0;
  double anon_bytes = 0;
  bool anon_read = with_rss_anon;
  for (auto entry = processes_.begin(); entry != processes_.end();) {
    try {
      rss_bytes += static_cast<double>(entry->second.rss_bytes());
      if (with_rss_anon) {
        anon_bytes += static_cast<double>(entry->second.smaps_rollup().anonymous_bytes);
      }
      ++entry;
    } catch (const ProcessGone&) {
      if (entry->first == process_.pid()) end_with_exit();
      entry = processes_.erase(entry);     // a child that exited meanwhile
    } catch (const std::runtime_error&) {  // smaps_rollup of another user's process
      anon_read = false;
      ++entry;
    }
  }
  MemoryReading reading;
  if (agent_ != nullptr) {
    const AgentAnswer answer = ask_agent(agent::Op::kReadStats, kAgentReadTimeout);
    reading.allocator = answer.stats;
    agent_cost_.readings += 1;
    agent_cost_.reused_readings += answer.reused ? 1 : 0;
    agent_cost_.agent_cpu_s = std::chrono::duration<double>(answer.agent_cpu).count();
    agent_cost_.watched_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - watched_since_).count();
    // Read together while the process lives: after it exits, its CPU time is gone from /proc.
    if (const std::optional<double> process_cpu_s = process_cpu_seconds(process_.pid())) {
      agent_cost_.process_cpu_s = *process_cpu_s;
    }
  }
  reading.rss_bytes = rss_bytes;
  if (anon_read) reading.rss_anon_bytes = anon_bytes;
  return reading;
}

}  // namespace memsoak

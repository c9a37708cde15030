// What the agent of `memsoak watch` (soak/agent) costs the process it is preloaded into: the
// agent is loaded into this process with dlopen, as the dynamic loader would preload it, and
// asked through its page (soak/watch/agent_link.h) exactly as the watcher asks once per sample.
// Each benchmark reports the round trip (real time: the work happens on the agent's thread),
// `agent_cpu_us`, the agent thread's CPU time per answer, and `core_share`, that time over the
// wall time the answers took: what the process pays. The heap it reports on holds `live_blocks`
// blocks of mixed sizes, every other one freed, so that statistics that walk free lists (glibc's
// mallinfo2) pay for them. Run once per allocator by bench/run_agent_bench.sh.
#include <benchmark/benchmark.h>
#include <dlfcn.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/requested_allocator.h"
#include "soak/watch/agent_link.h"

namespace memsoak {
namespace {

using std::chrono::milliseconds;

// The agent, loaded on first use; null (with `error` set) when it cannot be.
AgentLink* loaded_agent(std::string& error) {
  static std::string load_error;
  static AgentLink* link = []() -> AgentLink* {
    auto* created = new AgentLink(std::filesystem::temp_directory_path() /
                                  ("memsoak-agent-bench-" + std::to_string(::getpid())));
    const std::string entry = created->environment_entry();
    const std::size_t equals = entry.find('=');
    // NOLINTNEXTLINE(concurrency-mt-unsafe): before the agent's thread exists
    ::setenv(entry.substr(0, equals).c_str(), entry.substr(equals + 1).c_str(), 1);
    if (::dlopen(MEMSOAK_AGENT_LIBRARY, RTLD_NOW | RTLD_LOCAL) == nullptr) {
      load_error = ::dlerror();  // NOLINT(concurrency-mt-unsafe): one thread loads it
      return nullptr;
    }
    if (!created->wait_for_claim(::getpid(), milliseconds(5000))) {
      load_error = "the agent did not claim its page within 5 s";
      return nullptr;
    }
    return created;
  }();
  error = load_error;
  return link;
}

// `count` blocks of 16 bytes to 16 KiB, every other one freed again.
std::vector<std::unique_ptr<char[]>> fragmented_heap(std::size_t count) {
  std::vector<std::unique_ptr<char[]>> blocks(count);
  for (std::size_t i = 0; i < count; ++i) {
    blocks[i] = std::make_unique<char[]>(16 + (i * 7919) % 16'384);
  }
  for (std::size_t i = 0; i < count; i += 2) blocks[i].reset();
  return blocks;
}

AgentLink* agent_for(benchmark::State& state, double cpu_budget) {
  if (!measuring_requested_allocator(state)) return nullptr;
  std::string error;
  AgentLink* link = loaded_agent(error);
  if (link == nullptr) {
    state.SkipWithError(error.c_str());
    return nullptr;
  }
  link->set_cpu_budget(cpu_budget);
  return link;
}

// Asks for `op` once per iteration, `pause` apart, and reports the agent's CPU time per answer
// and as a share of the wall time the answers took.
void ask_repeatedly(benchmark::State& state, agent::Op op, double cpu_budget,
                    std::chrono::milliseconds pause) {
  AgentLink* link = agent_for(state, cpu_budget);
  if (link == nullptr) return;
  const auto heap = fragmented_heap(static_cast<std::size_t>(state.range(0)));
  std::optional<AgentAnswer> answer = link->ask(op, milliseconds(10'000));
  const std::chrono::nanoseconds cpu_before =
      answer ? answer->agent_cpu : std::chrono::nanoseconds{};
  const auto wall_before = std::chrono::steady_clock::now();
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the loop idiom
    if (pause.count() > 0) {
      state.PauseTiming();
      std::this_thread::sleep_for(pause);
      state.ResumeTiming();
    }
    answer = link->ask(op, milliseconds(10'000));
    if (!answer) {
      state.SkipWithError("the agent did not answer within 10 s");
      return;
    }
  }
  const std::chrono::duration<double> agent_cpu = answer->agent_cpu - cpu_before;
  const std::chrono::duration<double> wall = std::chrono::steady_clock::now() - wall_before;
  state.counters["agent_cpu_us"] =
      benchmark::Counter(agent_cpu.count() * 1e6, benchmark::Counter::kAvgIterations);
  state.counters["core_share"] = agent_cpu / wall;
}

// The cost of one reading, made afresh every time (no budget): what the watcher asks every
// --sample-interval.
void BM_AgentReadStats(benchmark::State& state) {
  ask_repeatedly(state, agent::Op::kReadStats, 0, milliseconds(0));
}
// A purge checkpoint (every --purge-every), which the budget never holds back.
void BM_AgentPurge(benchmark::State& state) {
  ask_repeatedly(state, agent::Op::kPurge, 0, milliseconds(0));
}
// As `memsoak watch` asks at its shortest default sample interval, 0.1 s, with the agent's
// default budget: what the process pays.
void BM_AgentEvery100ms(benchmark::State& state) {
  ask_repeatedly(state, agent::Op::kReadStats, agent::kDefaultCpuBudget, milliseconds(100));
}

BENCHMARK(BM_AgentReadStats)->Arg(0)->Arg(100'000)->UseRealTime();
BENCHMARK(BM_AgentPurge)->Arg(0)->Arg(100'000)->UseRealTime();
BENCHMARK(BM_AgentEvery100ms)->Arg(0)->Arg(100'000)->Iterations(30)->UseRealTime();

}  // namespace
}  // namespace memsoak

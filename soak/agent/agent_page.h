// The page `memsoak watch` and its agent (libmemsoak_agent.so, preloaded into the command it
// starts) share: a file both map, through which the watcher asks for the serving allocator's
// statistics or a purge, and the agent answers. One request at a time, always from the
// watcher: it writes `op`, bumps `request` and wakes the agent; the agent does the work,
// writes the answer, sets `done` to `request` and wakes the watcher. Both wait on futexes on
// the shared words, so an idle agent costs nothing.
//
// The first process to load the agent claims the page (`owner_pid`, 0 to its pid); the same
// pid may claim it again after an exec. Every other process that loads it (a child a server
// forks and execs, which inherits LD_PRELOAD) finds it claimed and stays idle, and a forked
// child has no agent thread: only the process memsoak started ever answers.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <ctime>

namespace memsoak::agent {

// The variable that names the page file in the command's environment.
inline constexpr const char* kPageVariable = "MEMSOAK_AGENT_PAGE";
// The library, built beside the memsoak binary.
inline constexpr const char* kAgentLibrary = "libmemsoak_agent.so";

inline constexpr std::uint32_t kLayoutVersion = 2;

enum class Op : std::uint32_t { kReadStats = 1, kPurge = 2 };

// The default of Page::cpu_budget: half a percent of a core for readings, so that with its
// wake-ups the agent costs the process under 1 % of a core (bench/README.md, agent_bench).
inline constexpr double kDefaultCpuBudget = 0.005;

struct Page {
  std::uint32_t layout_version;
  std::atomic<std::int32_t> owner_pid;  // 0 until claimed
  std::atomic<std::uint32_t> request;   // bumped by the watcher
  std::atomic<std::uint32_t> done;      // set to `request` by the agent once answered
  Op op;
  // The share of one core the agent may spend reading statistics, set by the watcher. Readings
  // earn CPU time at this rate (up to 10 ms banked); while the earned time is spent, a request
  // is answered with the previous reading (`reused`). glibc's mallinfo2 walks every free chunk,
  // milliseconds on a fragmented heap; the other allocators' readings cost microseconds and are
  // never held back at the sample intervals memsoak uses. Purges are always run. 0: no budget.
  double cpu_budget;
  // The answer: the allocator serving malloc in the process and its statistics, in the order
  // of kAllocatorStatKeys (harness/allocator_stats.h), NaN where it reports none.
  std::array<char, 32> allocator;
  std::array<double, 5> stats;
  std::uint32_t purged;  // the allocator had a purge hook and ran it
  std::uint32_t reused;  // the statistics are the previous answer's (cpu_budget)
  // The agent thread's CPU time once this answer was written: what the agent has cost the
  // process so far (CLOCK_THREAD_CPUTIME_ID).
  std::uint64_t cpu_ns;
};
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);
static_assert(sizeof(Page) <= 4096);

// Waits while *word == expected, at most `timeout_ns` (negative: for ever); the wait is shared
// between processes (no FUTEX_PRIVATE_FLAG).
inline void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected, long timeout_ns) {
  timespec timeout{timeout_ns / 1'000'000'000, timeout_ns % 1'000'000'000};
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT, expected,
            timeout_ns < 0 ? nullptr : &timeout, nullptr, 0);
}

inline void futex_wake(std::atomic<std::uint32_t>& word) {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE, 1, nullptr, nullptr, 0);
}

}  // namespace memsoak::agent

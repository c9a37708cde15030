// The agent `memsoak watch` preloads (soak/agent/agent.cpp), loaded into this process with
// dlopen as the dynamic loader would preload it: its thread claims the page and answers
// AgentLink's requests while the program's own threads allocate and free. In a TSan build it is
// instrumented, so ThreadSanitizer checks its thread (the allocator's statistics and purge hook,
// the detection of who serves malloc) against the program's threads. The two ends map the page
// at different addresses, as two processes would, so TSan does not see the page's protocol
// itself: the answers are checked here instead, every one of them.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "harness/sanitizer_build.h"
#include "soak/watch/agent_link.h"
#include "tests/support/temp_dir.h"

namespace memsoak {
namespace {

using std::chrono::milliseconds;

constexpr int kRequests = 200;
constexpr int kAllocatingThreads = 3;

// Allocates and frees blocks of every size class until told to stop, as a service would.
void churn_the_heap(const std::atomic<bool>& stop) {
  std::vector<void*> blocks(64, nullptr);
  for (std::size_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
    void*& slot = blocks[i % blocks.size()];
    std::free(slot);
    slot = std::malloc(16 + (i * 7919) % 100'000);
  }
  for (void* block : blocks) std::free(block);
}

TEST(Agent, AnswersEveryRequestFromItsThreadWhileTheProgramAllocates) {
#ifndef MEMSOAK_AGENT_LIBRARY
  GTEST_SKIP() << "no agent in this build: an ASan build cannot preload one (soak/agent)";
#else
  const testing::TempDir dir;
  AgentLink link(dir.path() / "agent.page");
  // The agent reads the page's path from the environment when it is loaded, as under watch.
  const std::string entry = link.environment_entry();
  const std::size_t equals = entry.find('=');
  ASSERT_EQ(::setenv(entry.substr(0, equals).c_str(), entry.substr(equals + 1).c_str(), 1), 0);
  // Never closed: the agent's thread serves until the process ends, as in a watched command.
  ASSERT_NE(::dlopen(MEMSOAK_AGENT_LIBRARY, RTLD_NOW | RTLD_LOCAL), nullptr) << ::dlerror();
  ASSERT_TRUE(link.wait_for_claim(::getpid(), milliseconds(5000)));

  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kAllocatingThreads; ++t)
    threads.emplace_back(churn_the_heap, std::cref(stop));
  for (int i = 0; i < kRequests; ++i) {
    const agent::Op op = i % 10 == 9 ? agent::Op::kPurge : agent::Op::kReadStats;
    const std::optional<AgentAnswer> answer = link.ask(op, milliseconds(5000));
    ASSERT_TRUE(answer.has_value()) << "request " << i << " unanswered";
    EXPECT_EQ(answer->allocator, kBuildMalloc);
    EXPECT_TRUE(answer->stats.live_bytes.has_value());
    // Every allocator here has a purge hook but TSan's runtime.
    EXPECT_EQ(answer->purged, op == agent::Op::kPurge && !kTsanEnabled) << "request " << i;
  }
  stop.store(true);
  for (std::thread& thread : threads) thread.join();
#endif
}

}  // namespace
}  // namespace memsoak

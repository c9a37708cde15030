// The agent `memsoak watch` preloads (soak/agent/agent.cpp), loaded into this process with
// dlopen as the dynamic loader would preload it: its thread claims the page and answers
// AgentLink's requests while the program's own threads allocate and free. In a TSan build it is
// instrumented, so ThreadSanitizer checks its thread (the allocator's statistics and purge hook,
// the detection of who serves malloc) against the program's threads. The two ends map the page
// at different addresses, as two processes would, so TSan does not see the page's protocol
// itself: the answers are checked here instead, every one of them. The agent must also survive
// a forking program: children forked while it answers run normally.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
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
constexpr int kForks = 50;

// The child's wait status, or nothing if it has not exited within `timeout`.
std::optional<int> wait_for(pid_t pid, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return status;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(milliseconds(1));
  }
}

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

#ifdef MEMSOAK_AGENT_LIBRARY
// The agent, loaded once for the whole suite: its constructor claims the page named in the
// environment when the library is loaded, and its thread serves until the process ends, as in
// a watched command.
class Agent : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir;
    link_ = new AgentLink(dir_->path() / "agent.page");
    const std::string entry = link_->environment_entry();
    const std::size_t equals = entry.find('=');
    // NOLINTBEGIN(concurrency-mt-unsafe): before the agent's thread and the tests' threads
    ASSERT_EQ(::setenv(entry.substr(0, equals).c_str(), entry.substr(equals + 1).c_str(), 1), 0);
    ASSERT_NE(::dlopen(MEMSOAK_AGENT_LIBRARY, RTLD_NOW | RTLD_LOCAL), nullptr) << ::dlerror();
    // NOLINTEND(concurrency-mt-unsafe)
    ASSERT_TRUE(link_->wait_for_claim(::getpid(), milliseconds(5000)));
  }

  static AgentLink& link() { return *link_; }

 private:
  static inline testing::TempDir* dir_ = nullptr;
  static inline AgentLink* link_ = nullptr;
};
#else
class Agent : public ::testing::Test {
 protected:
  void SetUp() override {
    GTEST_SKIP() << "no agent in this build: an ASan build cannot preload one (soak/agent)";
  }
  static AgentLink& link() { std::abort(); }
};
#endif

// Runs churn_the_heap on `count` threads until destroyed.
class AllocatingThreads {
 public:
  explicit AllocatingThreads(int count) {
    for (int t = 0; t < count; ++t) threads_.emplace_back(churn_the_heap, std::cref(stop_));
  }
  ~AllocatingThreads() {
    stop_.store(true);
    for (std::thread& thread : threads_) thread.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

TEST_F(Agent, AnswersEveryRequestFromItsThreadWhileTheProgramAllocates) {
  const AllocatingThreads program(kAllocatingThreads);
  std::chrono::nanoseconds agent_cpu{0};
  for (int i = 0; i < kRequests; ++i) {
    const agent::Op op = i % 10 == 9 ? agent::Op::kPurge : agent::Op::kReadStats;
    const std::optional<AgentAnswer> answer = link().ask(op, milliseconds(5000));
    ASSERT_TRUE(answer.has_value()) << "request " << i << " unanswered";
    EXPECT_EQ(answer->allocator, kBuildMalloc);
    EXPECT_TRUE(answer->stats.live_bytes.has_value());
    // Every allocator here has a purge hook but TSan's runtime.
    EXPECT_EQ(answer->purged, op == agent::Op::kPurge && !kTsanEnabled) << "request " << i;
    // The agent's CPU time, as its thread counts it, never goes back.
    EXPECT_GE(answer->agent_cpu, agent_cpu) << "request " << i;
    agent_cpu = answer->agent_cpu;
  }
  EXPECT_GT(agent_cpu.count(), 0);
}

// Asked without pause, the agent soon repeats its previous reading rather than spend more than
// its budget (0.5 % of a core, 10 ms of CPU banked); asked after a pause, it reads afresh;
// without a budget it always reads.
TEST_F(Agent, KeepsItsReadingsWithinItsCpuBudget) {
  std::this_thread::sleep_for(milliseconds(200));
  const std::optional<AgentAnswer> after_pause =
      link().ask(agent::Op::kReadStats, milliseconds(5000));
  ASSERT_TRUE(after_pause.has_value());
  EXPECT_FALSE(after_pause->reused);
  std::optional<AgentAnswer> without_pause;
  for (int i = 0; i < 100'000 && !(without_pause && without_pause->reused); ++i) {
    without_pause = link().ask(agent::Op::kReadStats, milliseconds(5000));
    ASSERT_TRUE(without_pause.has_value());
  }
  EXPECT_TRUE(without_pause->reused)
      << "100000 readings without a pause stayed within 10 ms of CPU";
  const std::optional<AgentAnswer> purge = link().ask(agent::Op::kPurge, milliseconds(5000));
  ASSERT_TRUE(purge.has_value());
  EXPECT_FALSE(purge->reused) << "a purge is always run, and read after";

  link().set_cpu_budget(0);
  for (int i = 0; i < 10; ++i) {
    const std::optional<AgentAnswer> answer = link().ask(agent::Op::kReadStats, milliseconds(5000));
    ASSERT_TRUE(answer.has_value());
    EXPECT_FALSE(answer->reused) << "request " << i;
  }
  link().set_cpu_budget(agent::kDefaultCpuBudget);
}

// A forking server's children inherit the agent's page but not its thread. Forked while the
// agent answers and the program allocates, each child must allocate and exit normally (no lock
// the agent or the allocator held at the fork is left held in the child), and the parent's
// agent must go on answering.
TEST_F(Agent, ForkedChildrenRunWhileTheAgentAnswers) {
  const AllocatingThreads program(kAllocatingThreads);
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0};
  std::thread watcher([&] {
    while (!stop.load()) {
      if (!link().ask(agent::Op::kReadStats, milliseconds(5000))) return;
      answered.fetch_add(1);
    }
  });
  for (int child = 0; child < kForks; ++child) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      std::vector<void*> blocks(1000);
      for (void*& block : blocks) block = std::malloc(64);
      for (void* block : blocks) std::free(block);
      ::_exit(0);
    }
    const std::optional<int> status = wait_for(pid, std::chrono::seconds(10));
    if (!status) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    ASSERT_TRUE(status.has_value()) << "child " << child << " hung after the fork";
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << "child " << child;
  }
  const int answered_while_forking = answered.load();
  stop.store(true);
  watcher.join();
  EXPECT_GT(answered_while_forking, 0);
  const std::optional<AgentAnswer> after = link().ask(agent::Op::kReadStats, milliseconds(5000));
  ASSERT_TRUE(after.has_value()) << "the agent stopped answering after the forks";
  EXPECT_EQ(after->allocator, kBuildMalloc);
}

}  // namespace
}  // namespace memsoak

// libmemsoak_agent.so: preloaded by `memsoak watch` into the command it starts, it answers the
// watcher's requests through the shared page (agent_page.h) from a thread of its own: the
// statistics of the allocator that serves malloc in this process (harness/allocator_stats.h)
// and its purge hook. It interposes nothing: the program's malloc path is untouched, and the
// agent's thread sleeps on a futex between requests (one per sample). Its reads keep within a
// CPU budget (Page::cpu_budget).
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "harness/allocator_stats.h"
#include "soak/agent/agent_page.h"

namespace memsoak::agent {
namespace {

std::uint64_t now_ns(clockid_t clock) {
  timespec now{};
  ::clock_gettime(clock, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000 +
         static_cast<std::uint64_t>(now.tv_nsec);
}

void read_into(Page& page) {
  const AllocatorStats stats = read_allocator_stats();
  for (std::size_t i = 0; i < kAllocatorStatKeys.size(); ++i) {
    const std::optional<double>& value = stats.*kAllocatorStatKeys[i].field;
    page.stats[i] = value.value_or(std::nan(""));
  }
  const std::string& allocator = malloc_provider().allocator;
  page.allocator.fill('\0');
  std::copy_n(allocator.begin(), std::min(allocator.size(), page.allocator.size() - 1),
              page.allocator.begin());
}

// What Page::cpu_budget still allows: CPU time for readings, earned at the budget's rate since
// the last answer and capped at kBurstNs, so that the first, cold readings and a pause's worth
// of them are never held back. A reading may drive it below zero; none is made until it is
// positive again.
class ReadingBudget {
 public:
  bool allows_reading(double cpu_budget) {
    const std::uint64_t now = now_ns(CLOCK_MONOTONIC);
    earned_ns_ =
        cpu_budget <= 0
            ? kBurstNs
            : std::min(kBurstNs, earned_ns_ + cpu_budget * static_cast<double>(now - at_ns_));
    at_ns_ = now;
    return cpu_budget <= 0 || earned_ns_ > 0;
  }
  void spend(std::uint64_t cpu_ns) { earned_ns_ -= static_cast<double>(cpu_ns); }

 private:
  static constexpr double kBurstNs = 10e6;
  double earned_ns_ = kBurstNs;
  std::uint64_t at_ns_ = now_ns(CLOCK_MONOTONIC);
};

void answer(Page& page, ReadingBudget& budget) {
  page.purged = page.op == Op::kPurge && purge_allocator() ? 1 : 0;
  const bool read = page.op == Op::kPurge || budget.allows_reading(page.cpu_budget);
  page.reused = read ? 0 : 1;
  if (read) {
    const std::uint64_t cpu_before_ns = now_ns(CLOCK_THREAD_CPUTIME_ID);
    read_into(page);
    budget.spend(now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu_before_ns);
  }
  page.cpu_ns = now_ns(CLOCK_THREAD_CPUTIME_ID);
}

void* serve(void* shared) {
  Page& page = *static_cast<Page*>(shared);
  std::uint32_t answered = page.done.load(std::memory_order_acquire);
  ReadingBudget budget;
  for (;;) {
    const std::uint32_t request = page.request.load(std::memory_order_acquire);
    if (request == answered) {
      futex_wait(page.request, answered, -1);
      continue;
    }
    answer(page, budget);
    page.done.store(request, std::memory_order_release);
    futex_wake(page.done);
    answered = request;
  }
}

// Maps the page named in the environment and claims it; null when there is none to serve.
Page* claim_page() {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): a constructor, before the program's threads
  const char* path = std::getenv(kPageVariable);
  if (path == nullptr) return nullptr;
  const int fd = ::open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) return nullptr;
  void* mapped = ::mmap(nullptr, sizeof(Page), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (mapped == MAP_FAILED) return nullptr;
  auto* page = static_cast<Page*>(mapped);
  std::int32_t owner = 0;
  const std::int32_t self = ::getpid();
  const bool ours = page->layout_version == kLayoutVersion &&
                    (page->owner_pid.compare_exchange_strong(owner, self) || owner == self);
  if (!ours) {
    ::munmap(mapped, sizeof(Page));
    return nullptr;
  }
  return page;
}

// The thread blocks every signal, so that the program's signals go to its own threads.
__attribute__((constructor)) void start_agent() {
  Page* page = claim_page();
  if (page == nullptr) return;
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
  pthread_t thread;
  pthread_create(&thread, &attributes, serve, page);
  pthread_attr_destroy(&attributes);
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

}  // namespace
}  // namespace memsoak::agent

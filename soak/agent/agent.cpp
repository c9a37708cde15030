// libmemsoak_agent.so: preloaded by `memsoak watch` into the command it starts, it answers the
// watcher's requests through the shared page (agent_page.h) from a thread of its own: the
// statistics of the allocator that serves malloc in this process (harness/allocator_stats.h)
// and its purge hook. It interposes nothing: the program's malloc path is untouched, and the
// agent's thread sleeps on a futex between requests (one per sample).
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "harness/allocator_stats.h"
#include "soak/agent/agent_page.h"

namespace memsoak::agent {
namespace {

void answer(Page& page) {
  page.purged = page.op == Op::kPurge && purge_allocator() ? 1 : 0;
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

void* serve(void* shared) {
  Page& page = *static_cast<Page*>(shared);
  std::uint32_t answered = page.done.load(std::memory_order_acquire);
  for (;;) {
    const std::uint32_t request = page.request.load(std::memory_order_acquire);
    if (request == answered) {
      futex_wait(page.request, answered, -1);
      continue;
    }
    answer(page);
    page.done.store(request, std::memory_order_release);
    futex_wake(page.done);
    answered = request;
  }
}

// Maps the page named in the environment and claims it; null when there is none to serve.
Page* claim_page() {
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

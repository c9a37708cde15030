#include "soak/watch/agent_link.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <system_error>
#include <thread>

#include "harness/file_descriptor.h"

namespace memsoak {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(const std::filesystem::path& path, const char* what) {
  throw std::system_error(errno, std::generic_category(),
                          std::string(what) + " the agent page " + path.string());
}

}  // namespace

AgentLink::AgentLink(std::filesystem::path path, double cpu_budget) : path_(std::move(path)) {
  const FileDescriptor fd(::open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (fd.get() < 0) fail(path_, "cannot create");
  if (::ftruncate(fd.get(), sizeof(agent::Page)) != 0) fail(path_, "cannot size");
  void* mapped =
      ::mmap(nullptr, sizeof(agent::Page), PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (mapped == MAP_FAILED) fail(path_, "cannot map");
  page_ = new (mapped) agent::Page{};  // zeroed: unclaimed, no request
  page_->layout_version = agent::kLayoutVersion;
  page_->cpu_budget = cpu_budget;
}

AgentLink::~AgentLink() {
  ::munmap(page_, sizeof(agent::Page));
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

std::string AgentLink::environment_entry() const {
  return std::string(agent::kPageVariable) + "=" + path_.string();
}

bool AgentLink::wait_for_claim(pid_t pid, std::chrono::milliseconds timeout) const {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (page_->owner_pid.load() != pid) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

std::optional<AgentAnswer> AgentLink::ask(agent::Op op, std::chrono::milliseconds timeout) {
  const std::uint32_t request = page_->done.load(std::memory_order_acquire) + 1;
  if (page_->request.load() != request - 1) return std::nullopt;  // an earlier ask unanswered
  page_->op = op;
  page_->request.store(request, std::memory_order_release);
  agent::futex_wake(page_->request);
  const Clock::time_point deadline = Clock::now() + timeout;
  for (;;) {
    const std::uint32_t done = page_->done.load(std::memory_order_acquire);
    if (done == request) break;
    const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    agent::futex_wait(page_->done, done, static_cast<long>(left.count()));
  }
  AgentAnswer answer;
  answer.allocator.assign(page_->allocator.data(),
                          ::strnlen(page_->allocator.data(), page_->allocator.size()));
  for (std::size_t i = 0; i < kAllocatorStatKeys.size(); ++i) {
    const double value = page_->stats[i];
    if (!std::isnan(value)) answer.stats.*kAllocatorStatKeys[i].field = value;
  }
  answer.purged = page_->purged != 0;
  answer.reused = page_->reused != 0;
  answer.agent_cpu = std::chrono::nanoseconds(page_->cpu_ns);
  return answer;
}

}  // namespace memsoak

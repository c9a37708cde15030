#include "harness/proc_memory.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstring>

#include "harness/sanitizer_build.h"

namespace memsoak {
namespace {

constexpr std::uint64_t kMiB = std::uint64_t{1024} * 1024;
constexpr std::uint64_t kTouchedBytes = 64 * kMiB;

// Anonymous pages that are resident once touched and gone once unmapped, whatever the allocator.
class TouchedMapping {
 public:
  explicit TouchedMapping(std::size_t bytes)
      : bytes_(bytes),
        data_(::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) {
    if (data_ == MAP_FAILED) throw std::runtime_error("mmap failed");
  }
  TouchedMapping(const TouchedMapping&) = delete;
  TouchedMapping& operator=(const TouchedMapping&) = delete;
  ~TouchedMapping() { ::munmap(data_, bytes_); }
  void touch() { std::memset(data_, 1, bytes_); }

 private:
  std::size_t bytes_;
  void* data_;
};

double as_double(std::uint64_t bytes) { return static_cast<double>(bytes); }

// What the sanitizer's memset interceptor adds to a memset of fresh pages: it checks (ASan) or
// writes (TSan) the range's shadow, which faults the shadow pages in too. ASan keeps one shadow
// byte per 8, only read here (faults map the zero page, not counted in RSS). GCC 12's TSan
// keeps 4 shadow words of 8 bytes per 8 bytes, and reads each shadow page before writing it:
// two faults per shadow page (measured: 320 MiB of RSS and 147 k faults for 64 MiB touched).
struct ShadowCost {
  double bytes_per_byte;   // resident shadow per byte touched
  double faults_per_page;  // extra minor faults per page touched
};
constexpr ShadowCost kMemsetShadow = kAsanEnabled   ? ShadowCost{1.0 / 8, 1.0 / 8}
                                     : kTsanEnabled ? ShadowCost{4, 8}
                                                    : ShadowCost{0, 0};

TEST(ProcessMemory, RssMovesByTheBytesTouched) {
  const ProcessMemory self = ProcessMemory::self();
  TouchedMapping mapping(kTouchedBytes);
  const std::uint64_t before = self.rss_bytes();
  mapping.touch();
  const std::uint64_t after = self.rss_bytes();
  const double shadow = kMemsetShadow.bytes_per_byte * as_double(kTouchedBytes);
  EXPECT_GE(as_double(after - before), as_double(kTouchedBytes) - as_double(4 * kMiB));
  EXPECT_LE(as_double(after - before), as_double(kTouchedBytes) + shadow + as_double(4 * kMiB));
}

TEST(ProcessMemory, BreakdownAndRollupAgreeWithStatm) {
  const ProcessMemory self = ProcessMemory::self();
  TouchedMapping mapping(kTouchedBytes);
  mapping.touch();
  const std::uint64_t statm_rss = self.rss_bytes();
  const RssBreakdown breakdown = self.rss_breakdown();
  const SmapsRollup rollup = self.smaps_rollup();
  // Three reads a few microseconds apart: allow for the test's own small allocations.
  const double tolerance = as_double(2 * kMiB);
  EXPECT_NEAR(as_double(breakdown.rss_bytes), as_double(statm_rss), tolerance);
  EXPECT_EQ(breakdown.rss_bytes,
            breakdown.anon_bytes + breakdown.file_bytes + breakdown.shmem_bytes);
  EXPECT_GE(breakdown.anon_bytes, kTouchedBytes);
  EXPECT_NEAR(as_double(rollup.rss_bytes), as_double(statm_rss), tolerance);
  EXPECT_NEAR(as_double(rollup.anonymous_bytes), as_double(breakdown.anon_bytes), tolerance);
  EXPECT_LE(rollup.pss_bytes, rollup.rss_bytes);
}

TEST(ProcessMemory, MinorFaultsCountTouchedPages) {
  const ProcessMemory self = ProcessMemory::self();
  TouchedMapping mapping(kTouchedBytes);
  const PageFaults before = self.page_faults();
  mapping.touch();
  const PageFaults after = self.page_faults();
  // At least one fault per 2 MiB (a transparent huge page), at most one per 4 KiB page and
  // the faults of the range's shadow under a sanitizer.
  const double pages = as_double(kTouchedBytes / 4096);
  EXPECT_GE(after.minor - before.minor, kTouchedBytes / (2 * kMiB));
  EXPECT_LE(as_double(after.minor - before.minor),
            pages * (1 + kMemsetShadow.faults_per_page) + 1000);
  EXPECT_GE(after.major, before.major);
}

// A child that lives until `release` is closed, so its /proc files open while it is alive.
struct HeldChild {
  pid_t pid = -1;
  FileDescriptor release;
};

HeldChild spawn_held_child() {
  std::array<int, 2> pipe_fds{};
  if (::pipe(pipe_fds.data()) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(pipe_fds[1]);
    char byte = 0;
    ::_exit(static_cast<int>(::read(pipe_fds[0], &byte, 1)));  // returns at EOF
  }
  ::close(pipe_fds[0]);
  return HeldChild{pid, FileDescriptor(pipe_fds[1])};
}

void wait_until_zombie(pid_t pid) {
  siginfo_t info{};
  // WNOWAIT leaves the child a zombie: its /proc entry stays but its memory is gone.
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT), 0);
}

void expect_gone(pid_t pid, const auto& read) {
  try {
    read();
    ADD_FAILURE() << "read of exited pid " << pid << " did not throw";
  } catch (const ProcessGone& gone) {
    EXPECT_EQ(gone.pid, pid);
    EXPECT_NE(std::string(gone.what()).find(std::to_string(pid)), std::string::npos) << gone.what();
  }
}

void expect_every_read_gone(const ProcessMemory& memory) {
  expect_gone(memory.pid(), [&] { return memory.rss_bytes(); });
  expect_gone(memory.pid(), [&] { return memory.rss_breakdown(); });
  expect_gone(memory.pid(), [&] { return memory.smaps_rollup(); });
  expect_gone(memory.pid(), [&] { return memory.page_faults(); });
}

TEST(ProcessMemory, ZombieAndReapedChildAreGoneThroughKeptFds) {
  HeldChild child = spawn_held_child();
  const pid_t pid = child.pid;
  ASSERT_GT(pid, 0);
  const ProcessMemory kept(pid);
  EXPECT_GT(kept.rss_bytes(), 0U);
  child.release = FileDescriptor();
  wait_until_zombie(pid);
  expect_every_read_gone(kept);
  ASSERT_EQ(::waitpid(pid, nullptr, 0), pid);
  expect_every_read_gone(kept);
  expect_gone(pid, [&] { return ProcessMemory(pid); });
}

TEST(ProcMemoryParsers, ParseTheKernelFormats) {
  EXPECT_EQ(parse_statm_rss_bytes("765 421 393 5 0 123 0\n", 1),
            421 * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)));
  EXPECT_THROW(parse_statm_rss_bytes("0 0 0 0 0 0 0\n", 7), ProcessGone);
  const PageFaults faults = parse_stat_faults(
      "4770 (a) b)) R 4766 4766 2865 0 -1 4194304 101 5 7 9 0 0 0 0 20 0 1 0 37274\n", 1);
  EXPECT_EQ(faults.minor, 101U);
  EXPECT_EQ(faults.major, 7U);
  EXPECT_THROW(parse_stat_faults("9 (x) Z 1 1 1 0 -1 0 1 0 0 0\n", 9), ProcessGone);
  EXPECT_THROW(parse_stat_faults("garbage", 9), std::runtime_error);
  const RssBreakdown breakdown = parse_status_rss(
      "Name:\tx\nState:\tS (sleeping)\nVmRSS:\t 10 kB\nRssAnon:\t 4 kB\nRssFile:\t 5 kB\n"
      "RssShmem:\t 1 kB\n",
      1);
  EXPECT_EQ(breakdown.rss_bytes, 10U * 1024);
  EXPECT_EQ(breakdown.shmem_bytes, 1U * 1024);
  EXPECT_THROW(parse_status_rss("Name:\tx\nState:\tZ (zombie)\n", 1), ProcessGone);
  EXPECT_THROW(parse_smaps_rollup("0-1 ---p 0 00:00 0 [rollup]\nRss: 1 kB\n"), std::runtime_error);
}

}  // namespace
}  // namespace memsoak

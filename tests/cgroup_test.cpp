#include "harness/cgroup.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace memsoak {
namespace {

TEST(ParseMemoryLimit, ReadsBothVersionsAndNoLimit) {
  EXPECT_EQ(parse_memory_limit("536870912\n"), 536870912U);
  EXPECT_EQ(parse_memory_limit("max\n"), std::nullopt);                  // v2
  EXPECT_EQ(parse_memory_limit("9223372036854771712\n"), std::nullopt);  // v1, 4 KiB pages
  EXPECT_EQ(parse_memory_limit("9223372036854710272\n"), std::nullopt);  // v1, 64 KiB pages
  EXPECT_THROW(parse_memory_limit("lots"), std::invalid_argument);
  EXPECT_THROW(parse_memory_limit(""), std::invalid_argument);
  EXPECT_THROW(parse_memory_limit("-1"), std::invalid_argument);
}

TEST(ParseProcCgroup, PrefersTheV1MemoryLineInHybridMode) {
  const auto hybrid =
      parse_proc_cgroup("9:name=systemd:/\n5:devices:/\n4:cpu,memory:/process_api/16f9\n0::/\n");
  ASSERT_TRUE(hybrid);
  EXPECT_EQ(hybrid->version, 1);
  EXPECT_EQ(hybrid->path, "/process_api/16f9");
}

TEST(ParseProcCgroup, ReadsTheUnifiedLineOnV2) {
  const auto unified = parse_proc_cgroup("0::/system.slice/a:b.service\n");
  ASSERT_TRUE(unified);
  EXPECT_EQ(unified->version, 2);
  EXPECT_EQ(unified->path, "/system.slice/a:b.service");
  EXPECT_FALSE(parse_proc_cgroup("5:devices:/\n"));
}

TEST(ParseCgroupMount, FindsTheMemoryHierarchyOfEachVersion) {
  const char* const mountinfo =
      "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
      "35 31 0:32 /docker/abc /sys/fs/cgroup/mem\\040ory rw,relatime shared:9 - cgroup cgroup "
      "rw,memory\n"
      "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
  const auto v1 = parse_cgroup_mount(mountinfo, 1);
  ASSERT_TRUE(v1);
  EXPECT_EQ(v1->mount_point, "/sys/fs/cgroup/mem ory");
  EXPECT_EQ(v1->root, "/docker/abc");
  const auto v2 = parse_cgroup_mount(mountinfo, 2);
  ASSERT_TRUE(v2);
  EXPECT_EQ(v2->mount_point, "/sys/fs/cgroup/unified");
  EXPECT_FALSE(parse_cgroup_mount("22 27 0:21 / /proc rw - proc proc rw\n", 1));
}

TEST(ReadCgroupMemory, ReadsThisMachine) {
  const CgroupMemory memory = read_cgroup_memory(::getpid());
  EXPECT_TRUE(memory.version == 1 || memory.version == 2);
  EXPECT_TRUE(std::filesystem::is_directory(memory.directory)) << memory.directory;
  EXPECT_GT(memory.usage_bytes, 0U);
  if (memory.limit_bytes) {
    EXPECT_GE(*memory.limit_bytes, memory.usage_bytes);
  }
}

TEST(ReadCgroupMemory, NamesTheFileOfAMissingPid) {
  try {
    read_cgroup_memory(0x7ffffff0);
    FAIL() << "read a cgroup for a pid that cannot exist";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("/proc/2147483632/cgroup"), std::string::npos);
  }
}

}  // namespace
}  // namespace memsoak

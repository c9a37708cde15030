#include "harness/allocator_registry.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace memsoak {
namespace {

namespace fs = std::filesystem;

// A private library directory; an ELF file of this machine stands in for a real library.
class LibraryDir : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("memsoak_registry_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void install(std::string_view soname) {
    fs::copy_file("/proc/self/exe", dir_ / soname, fs::copy_options::overwrite_existing);
  }
  std::vector<fs::path> dirs() const { return {dir_}; }

  fs::path dir_;
};

TEST(AllocatorBackends, ListsTheFourAllocatorsSystemFirst) {
  std::vector<std::string_view> names;
  for (const AllocatorBackend& backend : allocator_backends()) names.push_back(backend.name);
  EXPECT_EQ(names, (std::vector<std::string_view>{"system", "jemalloc", "mimalloc", "tcmalloc"}));
  EXPECT_FALSE(find_allocator("system").preloaded);
  EXPECT_EQ(find_allocator("tcmalloc").soname, "libtcmalloc_minimal.so.4");
}

TEST(AllocatorBackends, UnknownNameListsTheKnownOnes) {
  try {
    find_allocator("hoard");
    FAIL() << "accepted hoard";
  } catch (const UnknownAllocator& error) {
    EXPECT_STREQ(error.what(),
                 "unknown allocator 'hoard': use one of system, jemalloc, mimalloc, tcmalloc");
  }
}

TEST(LibrarySearch, FindsLibcWhereTheLoaderDoes) {
  const std::optional<fs::path> libc = find_library("libc.so.6", library_search_dirs());
  ASSERT_TRUE(libc.has_value());
  EXPECT_TRUE(libc->is_absolute());
}

TEST_F(LibraryDir, SkipsFilesThatAreNotLibrariesOfThisMachine) {
  std::ofstream(dir_ / "libjemalloc.so.2") << "not an ELF file";
  EXPECT_FALSE(find_library("libjemalloc.so.2", dirs()).has_value());
  install("libjemalloc.so.2");
  EXPECT_EQ(find_library("libjemalloc.so.2", dirs()), fs::canonical(dir_ / "libjemalloc.so.2"));
}

TEST_F(LibraryDir, AMissingAllocatorNamesItsPackage) {
  try {
    require_library(find_allocator("jemalloc"), dirs());
    FAIL() << "found jemalloc in an empty directory";
  } catch (const AllocatorNotInstalled& error) {
    const std::string message = error.what();
    EXPECT_EQ(message.find("jemalloc is not installed: apt-get install libjemalloc2"), 0U)
        << message;
    EXPECT_NE(message.find(dir_.string()), std::string::npos) << message;
  }
  EXPECT_THROW(environment_for_allocator(find_allocator("mimalloc"), {}, dirs()),
               AllocatorNotInstalled);
}

TEST_F(LibraryDir, EnvironmentPreloadsTheChosenAllocatorOnly) {
  install("libjemalloc.so.2");
  const std::vector<std::string> inherited{
      "PATH=/bin", "LD_PRELOAD=/opt/libtcmalloc.so.4 /opt/libfaketime.so.1:/x/libmimalloc.so.2",
      "MEMSOAK_ALLOCATOR=tcmalloc"};
  const std::vector<std::string> environment =
      environment_for_allocator(find_allocator("jemalloc"), inherited, dirs());
  const std::string jemalloc = fs::canonical(dir_ / "libjemalloc.so.2").string();
  EXPECT_EQ(environment, (std::vector<std::string>{
                             "PATH=/bin", "LD_PRELOAD=" + jemalloc + ":/opt/libfaketime.so.1",
                             "MEMSOAK_ALLOCATOR=jemalloc"}));
}

// memsoak's counting library serves malloc under `system` only: it goes first there, and any
// other allocator drops it like another allocator's library.
TEST_F(LibraryDir, TheCountingLibraryPreloadsUnderSystemOnly) {
  install("libjemalloc.so.2");
  const fs::path counting = "/opt/memsoak/libmemsoak_counted_glibc.so";
  const std::vector<std::string> inherited{"LD_PRELOAD=/opt/libfaketime.so.1"};
  EXPECT_EQ(environment_for_allocator(find_allocator("system"), inherited, dirs(), counting),
            (std::vector<std::string>{"LD_PRELOAD=" + counting.string() + ":/opt/libfaketime.so.1",
                                      "MEMSOAK_ALLOCATOR=system"}));
  const std::vector<std::string> counted{"LD_PRELOAD=" + counting.string()};
  const std::string jemalloc = fs::canonical(dir_ / "libjemalloc.so.2").string();
  EXPECT_EQ(environment_for_allocator(find_allocator("jemalloc"), counted, dirs(), counting),
            (std::vector<std::string>{"LD_PRELOAD=" + jemalloc, "MEMSOAK_ALLOCATOR=jemalloc"}));
}

TEST_F(LibraryDir, SystemDropsAllocatorPreloads) {
  const std::vector<std::string> inherited{"LD_PRELOAD=/usr/lib/libjemalloc.so.2"};
  const std::vector<std::string> environment =
      environment_for_allocator(find_allocator("system"), inherited, dirs());
  EXPECT_EQ(environment, (std::vector<std::string>{"MEMSOAK_ALLOCATOR=system"}));
}

}  // namespace
}  // namespace memsoak

// `memsoak list`, end to end: the binary probes every allocator under its own preload.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/allocator_registry.h"
#include "harness/subprocess.h"

namespace memsoak {
namespace {

CapturedRun run_memsoak(const std::vector<std::string>& args) {
  std::vector<std::string> argv{MEMSOAK_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_capturing(argv, current_environment());
}

TEST(ListCommand, JsonNamesEveryAllocatorAndWhetherItsPreloadTakes) {
  const CapturedRun run = run_memsoak({"list", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  const nlohmann::json allocators = nlohmann::json::parse(run.stdout_text).at("allocators");
  ASSERT_EQ(allocators.size(), allocator_backends().size());
  for (std::size_t i = 0; i < allocators.size(); ++i) {
    const nlohmann::json& listed = allocators[i];
    const AllocatorBackend& backend = allocator_backends()[i];
    EXPECT_EQ(listed.at("name"), backend.name);
    EXPECT_EQ(listed.at("package"), backend.debian_package);
    const bool installed = find_library(backend.soname, library_search_dirs()).has_value();
    EXPECT_EQ(listed.at("installed"), installed) << backend.name;
#ifndef __SANITIZE_ADDRESS__  // under ASan, ASan serves malloc whatever is preloaded
    if (installed) {
      EXPECT_TRUE(listed.at("serves_malloc")) << listed.dump();
      EXPECT_TRUE(listed.at("version").is_string()) << listed.dump();
    }
#endif
  }
}

TEST(ListCommand, TablePrintsOneLinePerAllocator) {
  const CapturedRun run = run_memsoak({"list"});
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  for (const AllocatorBackend& backend : allocator_backends()) {
    EXPECT_NE(run.stdout_text.find("\n" + std::string(backend.name) + " "), std::string::npos)
        << run.stdout_text;
  }
}

}  // namespace
}  // namespace memsoak

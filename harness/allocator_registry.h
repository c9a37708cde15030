// The allocators memsoak can run a process under, and how to select one: the library to
// preload, where the dynamic loader would find it, and the Debian package that provides it.
// One binary serves every allocator: a child (or a re-executed memsoak) gets LD_PRELOAD set to
// the resolved library path, the way mimalloc-bench selects allocators, and nothing is linked.
// `system` is glibc's ptmalloc2 and needs no preload. Which allocator really serves malloc in
// a process is allocator_stats.h's business: a preload can fail without stopping the process.
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace memsoak {

struct AllocatorBackend {
  std::string_view name;            // what users type: "system", "jemalloc", ...
  std::string_view soname;          // the library that holds its malloc
  std::string_view debian_package;  // provides `soname`
  bool preloaded = true;            // false for system: glibc is always there
  std::string_view summary;
};

// In a fixed order: system first, then alphabetical.
std::span<const AllocatorBackend> allocator_backends();

struct UnknownAllocator : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};
// Throws UnknownAllocator naming `name` and the known names.
const AllocatorBackend& find_allocator(std::string_view name);

// Where the dynamic loader looks for libraries: LD_LIBRARY_PATH, the directories of
// /etc/ld.so.conf (following its includes), then /lib and /usr/lib.
std::vector<std::filesystem::path> library_search_dirs();

// The first `soname` in `dirs` that is an ELF library for this machine, symlinks resolved.
std::optional<std::filesystem::path> find_library(std::string_view soname,
                                                  std::span<const std::filesystem::path> dirs);

struct AllocatorNotInstalled : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// The resolved library of `backend`; throws AllocatorNotInstalled with the package to install,
// e.g. "jemalloc is not installed: apt-get install libjemalloc2 (no libjemalloc.so.2 in ...)".
std::filesystem::path require_library(const AllocatorBackend& backend,
                                      std::span<const std::filesystem::path> dirs);

// The environment variable naming the allocator a child was started under, so the child can
// check that the preload took (allocator_stats.h: require_malloc_served_by).
inline constexpr std::string_view kAllocatorVariable = "MEMSOAK_ALLOCATOR";

// `environment` ("NAME=value" entries) changed to run under `backend`: LD_PRELOAD starts with
// its library and loses any other registered allocator (other preloads are kept), and
// MEMSOAK_ALLOCATOR names it. `system` starts LD_PRELOAD with `counted_glibc`, memsoak's
// counting library (counted_glibc.h), when given. Throws AllocatorNotInstalled.
std::vector<std::string> environment_for_allocator(
    const AllocatorBackend& backend, std::span<const std::string> environment,
    std::span<const std::filesystem::path> dirs,
    const std::optional<std::filesystem::path>& counted_glibc = std::nullopt);

// `name` in the directory of this process's executable, if it is there: how memsoak finds the
// libraries it preloads into children (glibc's counting library under `system`, the agent of
// `watch`), built beside it.
std::optional<std::filesystem::path> library_beside_executable(std::string_view name);

// This process's environment as "NAME=value" entries.
std::vector<std::string> current_environment();

}  // namespace memsoak

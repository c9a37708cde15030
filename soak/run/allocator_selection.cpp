#include "soak/run/allocator_selection.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "harness/allocator_registry.h"
#include "harness/allocator_stats.h"
#include "harness/counted_glibc.h"

namespace memsoak {
namespace {

std::vector<std::string> own_arguments() {
  std::ifstream file("/proc/self/cmdline", std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::vector<std::string> arguments;
  for (std::size_t begin = 0; begin < text.size();) {
    const std::size_t end = text.find('\0', begin);
    arguments.push_back(text.substr(begin, end - begin));
    begin = end == std::string::npos ? text.size() : end + 1;
  }
  if (arguments.empty()) throw AllocatorSelectionFailed("cannot read /proc/self/cmdline");
  return arguments;
}

std::vector<char*> as_c_strings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (std::string& text : strings) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

// Runs go on without the library (a binary copied alone, a path LD_PRELOAD cannot carry), but
// say what that costs.
void warn_unless_glibc_is_counted() {
  if (malloc_provider().library_path.ends_with(kCountedGlibcLibrary)) return;
  fmt::print(stderr,
             "memsoak: {} does not serve malloc (it is built beside memsoak): glibc's live bytes "
             "come from mallinfo2, which takes milliseconds a sample\n",
             kCountedGlibcLibrary);
}

[[noreturn]] void reexecute_under(const AllocatorBackend& backend) {
  std::vector<std::string> environment;
  try {
    const std::vector<std::filesystem::path> dirs = library_search_dirs();
    environment = environment_for_allocator(backend, current_environment(), dirs,
                                            library_beside_executable(kCountedGlibcLibrary));
  } catch (const AllocatorNotInstalled& error) {
    throw AllocatorUnavailable(error.what());
  }
  std::vector<std::string> arguments = own_arguments();
  std::vector<char*> argv = as_c_strings(arguments);
  std::vector<char*> envp = as_c_strings(environment);
  ::execve("/proc/self/exe", argv.data(), envp.data());
  throw AllocatorSelectionFailed(fmt::format("cannot re-execute memsoak under {}: execve: {}",
                                             backend.name, std::system_category().message(errno)));
}

bool selected(std::string_view name) {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): read before any thread starts
  const char* value = std::getenv(std::string(kAllocatorVariable).c_str());
  return value != nullptr && name == value;
}

}  // namespace

void run_under_allocator(std::string_view name) {
  const AllocatorBackend* backend = nullptr;
  try {
    backend = &find_allocator(name);
  } catch (const UnknownAllocator& error) {
    throw AllocatorUnavailable(error.what());
  }
  if (const MallocOwningSanitizer* sanitizer = malloc_owning_sanitizer()) {
    if (name == "system") return;  // the build's own malloc: the sanitizer's
    throw AllocatorUnavailable(
        fmt::format("{} cannot be used: {}", name, sanitizer_owns_malloc_advice(*sanitizer)));
  }
  if (!selected(name)) reexecute_under(*backend);
  try {
    require_malloc_served_by(name);
  } catch (const AllocatorMismatch& error) {
    throw AllocatorSelectionFailed(error.what());
  }
  if (!backend->preloaded) warn_unless_glibc_is_counted();
}

}  // namespace memsoak

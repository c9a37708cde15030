// Puts this process under the allocator a run asked for, the way mimalloc-bench does: unless
// MEMSOAK_ALLOCATOR already names it, memsoak re-executes itself (/proc/self/exe, the same
// arguments from /proc/self/cmdline) with the registry's environment, LD_PRELOAD included;
// the re-executed process then checks that the allocator really serves malloc. `system` is
// glibc under memsoak's counting library (harness/counted_glibc.h) when it is built beside
// the binary. In a sanitizer build (ASan, TSan) only `system` can be asked for, and the
// sanitizer's own allocator serves it.
#pragma once

#include <stdexcept>
#include <string_view>

namespace memsoak {

// The allocator cannot be used as asked (unknown, not installed): the user's to fix.
struct AllocatorUnavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// The re-execution failed, or the preload did not take: the environment's to fix.
struct AllocatorSelectionFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Returns once `name` serves malloc in this process; may replace the process (execve) first.
void run_under_allocator(std::string_view name);

}  // namespace memsoak

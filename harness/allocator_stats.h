// Which allocator really serves malloc in this process, its own statistics, and its purge hook.
// Everything is found with dlsym(RTLD_DEFAULT) so that one binary, linked with none of them,
// serves every allocator. Detection asks which loaded object defines the `malloc` this process
// calls and whether that same object defines the allocator's marker symbol (mallctl,
// mi_version, MallocExtension_GetNumericProperty, ...): a preload that did not take, or an
// allocator loaded with dlopen, is not mistaken for the one serving malloc. Under a sanitizer
// (ASan, TSan) its interceptors own malloc and the answer is the runtime ("asan", "tsan"), with
// the runtime's own counters.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace memsoak {

struct MallocProvider {
  // "system", "jemalloc", "mimalloc", "tcmalloc", "asan", "tsan" or "unknown"
  std::string allocator;
  std::string library_path;  // the object that defines the malloc this process calls
};

// Statistics in the allocator's own words; a field the allocator does not report is empty,
// never zero. Bytes are doubles, as everything that judges them reads them (exact below 2^53).
// Per allocator:
//   field            jemalloc          glibc              tcmalloc                  mimalloc 2.0
//   live_bytes       stats.allocated   uordblks+hblkhd*   current_allocated_bytes   -
//   active_bytes     stats.active      -                  -                         -
//   resident_bytes   stats.resident    -                  total_physical_bytes      -
//   mapped_bytes     stats.mapped      arena+hblkhd       heap_size-unmapped        commit
//   retained_bytes   stats.retained    -                  pageheap_unmapped_bytes   -
// mimalloc's release build keeps no per-block counters (its stats print shows only reserved
// and committed memory), and on Linux its mi_process_info "current rss" is the commit size,
// so only the commit is reported. Under ASan and TSan: the sanitizer runtime's
// current_allocated_bytes, heap_size and unmapped bytes (always 0 under TSan).
// * glibc under memsoak's counting library (counted_glibc.h), as `memsoak run` preloads it:
//   the bytes of the chunks that hold the program's blocks, counted on each call (usable size
//   plus glibc's header), and no mapped bytes, whose mallinfo2 walk is what the library avoids.
struct AllocatorStats {
  // In blocks the program holds.
  std::optional<double> live_bytes = std::nullopt;
  // In pages that hold live blocks.
  std::optional<double> active_bytes = std::nullopt;
  // The allocator's own count of its resident pages, metadata included.
  std::optional<double> resident_bytes = std::nullopt;
  // Obtained from the OS and not given back.
  std::optional<double> mapped_bytes = std::nullopt;
  // Given back to the OS with the address space kept: virtual only, not resident.
  std::optional<double> retained_bytes = std::nullopt;
};

// The name of each statistic wherever it is written or read (series samples, allocator
// reports): one table, so the two cannot drift apart.
struct AllocatorStatKey {
  const char* name;
  std::optional<double> AllocatorStats::*field;
};
inline constexpr std::array<AllocatorStatKey, 5> kAllocatorStatKeys{{
    {"live_bytes", &AllocatorStats::live_bytes},
    {"active_bytes", &AllocatorStats::active_bytes},
    {"resident_bytes", &AllocatorStats::resident_bytes},
    {"mapped_bytes", &AllocatorStats::mapped_bytes},
    {"retained_bytes", &AllocatorStats::retained_bytes},
}};

// The allocator serving malloc, detected once and cached for the life of the process.
const MallocProvider& malloc_provider();

// Reads the statistics of malloc_provider(): microseconds (jemalloc writes `epoch` first;
// bench/proc_memory_bench measures each).
AllocatorStats read_allocator_stats();

// Returns free memory to the OS now: jemalloc arena.<MALLCTL_ARENAS_ALL>.purge, glibc
// malloc_trim(0), tcmalloc ReleaseFreeMemory, mimalloc mi_collect(true), ASan
// __sanitizer_purge_allocator. False when the provider has no purge hook ("unknown", and TSan,
// whose runtime exports none).
bool purge_allocator();

// The version the serving allocator reports about itself ("5.3.0-0-g54eaed1d...", "2.0.9",
// "gperftools 2.10", "2.36"); empty when it reports none (ASan, TSan, unknown).
std::optional<std::string> allocator_version();

// Cross-check of the detection: allocates and frees a block large enough to bypass thread
// caches and tells whether the allocator's own accounting saw it (its live bytes grew, or, for
// mimalloc, which counts none, the block lies in its heap region).
bool allocator_accounting_sees_malloc();

// A sanitizer whose runtime serves malloc in this process: its interceptors own malloc, so no
// allocator can be chosen under it (harness/sanitizer_build.h says why).
struct MallocOwningSanitizer {
  std::string_view allocator;  // as MallocProvider names it: "asan", "tsan"
  std::string_view name;       // "AddressSanitizer", "ThreadSanitizer"
  std::string_view build;      // "an ASan build", "a TSan build"
};

// The sanitizer that owns malloc in this process, or null when none does.
const MallocOwningSanitizer* malloc_owning_sanitizer();

// Why an allocator cannot be chosen under `sanitizer`, and what to run instead.
std::string sanitizer_owns_malloc_advice(const MallocOwningSanitizer& sanitizer);

struct AllocatorMismatch : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Throws AllocatorMismatch when malloc is not served by `expected`, saying who serves it
// and why a preload may not have taken.
void require_malloc_served_by(std::string_view expected);

}  // namespace memsoak

// glibc's malloc, counted: a library that memsoak preloads under the `system` allocator so that
// a sample reads glibc's live bytes in a microsecond. mallinfo2, the alternative, walks every
// free chunk of every arena holding that arena's lock: 0.9-6.7 ms a sample in soak runs, 2-5 %
// of a core at the 100 ms interval. Every malloc entry point forwards to glibc's own
// (__libc_malloc, ...), so the heap and its policy stay glibc's; the count is of the chunks
// that hold the program's blocks (usable size plus glibc's header: 8 bytes, 16 for a chunk
// mapped on its own), as mallinfo2's uordblks counts, except that glibc's per-thread cache
// counts as free here (as it does in jemalloc's stats.allocated) where mallinfo2 counts it in
// use. Cost, measured with
// bench/malloc_bench: 4 ns more per malloc+free pair (6.4 -> 10.3 ns on the fast path).
#pragma once

#include <cstdint>

namespace memsoak {

// Built beside the memsoak binary.
inline constexpr const char* kCountedGlibcLibrary = "libmemsoak_counted_glibc.so";
// The counter the library exports, found with dlsym; it is also the library's marker symbol.
inline constexpr const char* kCountedGlibcLiveBytes = "memsoak_counted_glibc_live_bytes";

}  // namespace memsoak

// Bytes in blocks the program holds, summed over every thread that ever allocated; exact
// when no allocation is in flight, and never negative.
extern "C" std::uint64_t memsoak_counted_glibc_live_bytes() noexcept;

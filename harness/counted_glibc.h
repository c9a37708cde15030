// glibc's malloc, counted: a library that memsoak preloads under the `system` allocator so that
// a sample reads glibc's live bytes without a lock. mallinfo2, the alternative, walks every
// free chunk of every arena holding that arena's lock, which costs milliseconds a sample on a
// busy heap (bench/allocators.md). Every malloc entry point forwards to glibc's own
// (__libc_malloc, ...), so the heap and its policy stay glibc's; the count is of the chunks
// that hold the program's blocks (usable size plus glibc's header: 8 bytes, 16 for a chunk
// mapped on its own), as mallinfo2's uordblks counts, except that glibc's per-thread cache
// counts as free here (as it does in jemalloc's stats.allocated) where mallinfo2 counts it in
// use. Each call adds one plain store to a counter its thread owns: no atomic read-modify-write.
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

// The contents a live block must keep: a pattern that depends on the block's seed and on the
// byte offset, so a lost write, a stale copy and a copy from the wrong offset all show. Filled
// and checked a 64-bit word at a time, since byte loops would dominate a fuzzer's time; blocks
// need no alignment.
//
// Blocks up to kDenseCanaryBytes carry the pattern in every byte. Larger blocks carry it in a
// dense head and tail (where overflows, allocator metadata and resize boundaries are) and in one
// word per 64 KiB between: each page the harness touches in a fresh large block costs a page
// fault, so a 1 MiB block costs about 20 faults instead of 256.
#pragma once

#include <cstddef>
#include <cstdint>

namespace memsoak::fuzz {

inline constexpr std::size_t kNoMismatch = SIZE_MAX;
inline constexpr std::size_t kDenseCanaryBytes = 8192;
inline constexpr std::size_t kDenseEdgeBytes = 2048;
inline constexpr std::size_t kSparseStrideBytes = 65536;

// Writes the pattern of `seed` over the canary bytes of a block of `size_bytes` at `data`.
void fill_canary(std::byte* data, std::size_t size_bytes, std::uint64_t seed);

// The first canary byte of a block of `size_bytes` that lies in [begin_bytes, end_bytes) and
// differs from the pattern, or kNoMismatch.
std::size_t find_canary_mismatch(const std::byte* data, std::size_t size_bytes, std::uint64_t seed,
                                 std::size_t begin_bytes, std::size_t end_bytes);

// The first canary byte of a block of `size_bytes` that lies in [begin_bytes, end_bytes) and is
// not zero, or kNoMismatch.
std::size_t find_nonzero(const std::byte* data, std::size_t size_bytes, std::size_t begin_bytes,
                         std::size_t end_bytes);

}  // namespace memsoak::fuzz

#include "fuzz/canary.h"

#include <algorithm>
#include <cstring>

namespace memsoak::fuzz {
namespace {

constexpr std::size_t kWordBytes = sizeof(std::uint64_t);
constexpr std::uint64_t kWordStep = 0x9E3779B97F4A7C15ULL;  // odd, so every word differs

// The pattern word covering offsets [word_index * 8, word_index * 8 + 8).
std::uint64_t pattern_word(std::uint64_t seed, std::size_t word_index) {
  return seed + word_index * kWordStep;
}

std::uint8_t pattern_byte(std::uint64_t seed, std::size_t offset) {
  return static_cast<std::uint8_t>(pattern_word(seed, offset / kWordBytes) >>
                                   (offset % kWordBytes * 8));
}

// Calls visit(begin, end) for each range of canary bytes of a block of `size_bytes`, clipped
// to [clip_begin, clip_end), in increasing order; stops early when visit returns true.
template <typename Visit>
void for_each_canary_range(std::size_t size_bytes, std::size_t clip_begin, std::size_t clip_end,
                           Visit visit) {
  const auto clipped = [&](std::size_t begin, std::size_t end) {
    begin = std::max(begin, clip_begin);
    end = std::min(end, clip_end);
    return begin < end && visit(begin, end);
  };
  if (size_bytes <= kDenseCanaryBytes) {
    clipped(0, size_bytes);
    return;
  }
  if (clipped(0, kDenseEdgeBytes)) return;
  const std::size_t tail_begin = size_bytes - kDenseEdgeBytes;
  const std::size_t first_stride =
      std::max(kDenseEdgeBytes, clip_begin / kSparseStrideBytes * kSparseStrideBytes);
  for (std::size_t offset = first_stride; offset < tail_begin && offset < clip_end;
       offset += kSparseStrideBytes) {
    if (clipped(offset, offset + kWordBytes)) return;
  }
  clipped(tail_begin, size_bytes);
}

std::size_t round_up_to_word(std::size_t offset) {
  return (offset + kWordBytes - 1) / kWordBytes * kWordBytes;
}

// Compares [begin, end) with the words `expected(index)` a word at a time where aligned to
// offsets; returns the first differing offset or kNoMismatch.
template <typename Expected>
std::size_t first_difference(const std::byte* data, std::size_t begin, std::size_t end,
                             Expected expected) {
  const auto expected_byte = [&](std::size_t offset) {
    return std::byte(
        static_cast<std::uint8_t>(expected(offset / kWordBytes) >> (offset % kWordBytes * 8)));
  };
  const auto first_wrong_byte = [&](std::size_t from, std::size_t to) {
    for (std::size_t offset = from; offset < to; ++offset) {
      if (data[offset] != expected_byte(offset)) return offset;
    }
    return kNoMismatch;
  };
  std::size_t offset = std::min(round_up_to_word(begin), end);
  if (const std::size_t head = first_wrong_byte(begin, offset); head != kNoMismatch) return head;
  for (; offset + kWordBytes <= end; offset += kWordBytes) {
    std::uint64_t word = 0;
    std::memcpy(&word, data + offset, kWordBytes);
    if (word != expected(offset / kWordBytes)) return first_wrong_byte(offset, offset + kWordBytes);
  }
  return first_wrong_byte(offset, end);
}

void fill_range(std::byte* data, std::size_t begin, std::size_t end, std::uint64_t seed) {
  std::size_t offset = begin;
  for (; offset < end && offset % kWordBytes != 0; ++offset) {
    data[offset] = std::byte{pattern_byte(seed, offset)};
  }
  for (; offset + kWordBytes <= end; offset += kWordBytes) {
    const std::uint64_t word = pattern_word(seed, offset / kWordBytes);
    std::memcpy(data + offset, &word, kWordBytes);
  }
  for (; offset < end; ++offset) data[offset] = std::byte{pattern_byte(seed, offset)};
}

}  // namespace

void fill_canary(std::byte* data, std::size_t size_bytes, std::uint64_t seed) {
  for_each_canary_range(size_bytes, 0, size_bytes, [&](std::size_t begin, std::size_t end) {
    fill_range(data, begin, end, seed);
    return false;
  });
}

std::size_t find_canary_mismatch(const std::byte* data, std::size_t size_bytes, std::uint64_t seed,
                                 std::size_t begin_bytes, std::size_t end_bytes) {
  std::size_t mismatch = kNoMismatch;
  for_each_canary_range(
      size_bytes, begin_bytes, end_bytes, [&](std::size_t begin, std::size_t end) {
        mismatch = first_difference(data, begin, end,
                                    [&](std::size_t index) { return pattern_word(seed, index); });
        return mismatch != kNoMismatch;
      });
  return mismatch;
}

std::size_t find_nonzero(const std::byte* data, std::size_t size_bytes, std::size_t begin_bytes,
                         std::size_t end_bytes) {
  std::size_t nonzero = kNoMismatch;
  for_each_canary_range(
      size_bytes, begin_bytes, end_bytes, [&](std::size_t begin, std::size_t end) {
        nonzero = first_difference(data, begin, end, [](std::size_t) { return std::uint64_t{0}; });
        return nonzero != kNoMismatch;
      });
  return nonzero;
}

}  // namespace memsoak::fuzz

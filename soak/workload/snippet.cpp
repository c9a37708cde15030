#include "soak/workload/snippet.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "soak/workload/text.h"

namespace memsoak::workload {
namespace {

constexpr std::size_t kNoMatch = std::numeric_limits<std::size_t>::max();
constexpr std::string_view kEllipsis = "...";

std::size_t first_matching_word(std::string_view text, std::span<const std::string_view> terms) {
  std::size_t index = 0;
  std::size_t found = kNoMatch;
  for_each_word(text, [&](std::string_view word) {
    const auto matches = [word](std::string_view term) { return normalizes_to(word, term); };
    if (found == kNoMatch && std::any_of(terms.begin(), terms.end(), matches)) found = index;
    ++index;
  });
  return found;
}

// Writes the snippet of words [first, last] into `out` (null: only measures); returns bytes.
std::size_t render(std::string_view text, std::size_t first, std::size_t last, std::size_t hit,
                   char* out) {
  std::size_t bytes = 0;
  const auto put = [&](std::string_view piece) {
    if (out != nullptr) std::memcpy(out + bytes, piece.data(), piece.size());
    bytes += piece.size();
  };
  if (first > 0) put(kEllipsis);
  std::size_t index = 0;
  bool cut_at_end = false;
  for_each_word(text, [&](std::string_view word) {
    if (index > last) cut_at_end = true;
    if (index >= first && index <= last) {
      if (index > first || first > 0) put(" ");
      put(index == hit ? "[" : "");
      put(word);
      put(index == hit ? "]" : "");
    }
    ++index;
  });
  if (cut_at_end) put(" ...");
  return bytes;
}

}  // namespace

CBuffer make_snippet(std::string_view text, std::span<const std::string_view> terms,
                     std::size_t context_words, const CHeap& heap) {
  const std::size_t hit = first_matching_word(text, terms);
  if (hit == kNoMatch) return CBuffer();
  const std::size_t first = hit > context_words ? hit - context_words : 0;
  const std::size_t last = hit + context_words;
  CBuffer snippet(heap, render(text, first, last, hit, nullptr));
  render(text, first, last, hit, snippet.data());
  return snippet;
}

}  // namespace memsoak::workload

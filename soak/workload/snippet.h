// The snippet shown under a search hit: the words of a stored text around the first word that
// matches a query term, that word in [brackets], "..." where text was cut. Written the way a
// C highlighting library is: no C++ allocation, one result buffer from the given CHeap.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "soak/workload/c_heap.h"

namespace memsoak::workload {

// An empty buffer if no word of `text` normalizes to one of `terms`.
CBuffer make_snippet(std::string_view text, std::span<const std::string_view> terms,
                     std::size_t context_words, const CHeap& heap);

}  // namespace memsoak::workload

#include "soak/workload/posting_list.h"

#include <cassert>

namespace memsoak::workload {

void PostingList::append(DocId doc, std::span<const std::uint32_t> positions) {
  assert(docs_.empty() || doc > docs_.back());
  docs_.push_back(doc);
  positions_.insert(positions_.end(), positions.begin(), positions.end());
  position_ends_.push_back(static_cast<std::uint32_t>(positions_.size()));
}

std::span<const std::uint32_t> PostingList::positions(std::size_t index) const {
  const std::uint32_t begin = index == 0 ? 0 : position_ends_[index - 1];
  return std::span<const std::uint32_t>(positions_).subspan(begin, position_ends_[index] - begin);
}

}  // namespace memsoak::workload

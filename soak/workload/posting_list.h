// The postings of one term: for each document that contains it, in increasing document
// order, the token positions where it occurs (the term frequency is their count). Three flat
// arrays instead of a vector per posting: one allocation per array, as real engines lay
// postings out. Not thread-safe; the index guards it.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace memsoak::workload {

using DocId = std::uint64_t;

class PostingList {
 public:
  // `doc` must be greater than every document already in the list; `positions` ascending.
  void append(DocId doc, std::span<const std::uint32_t> positions);

  std::size_t size() const { return docs_.size(); }
  bool empty() const { return docs_.empty(); }
  std::span<const DocId> docs() const { return docs_; }
  std::span<const std::uint32_t> positions(std::size_t index) const;
  std::uint32_t term_frequency(std::size_t index) const {
    return static_cast<std::uint32_t>(positions(index).size());
  }

  // Rewrites the list into fresh, exactly sized arrays without the postings whose document
  // is_live rejects; returns how many postings were dropped.
  template <class IsLive>
  std::size_t compact(IsLive&& is_live);

 private:
  std::vector<DocId> docs_;
  std::vector<std::uint32_t> position_ends_;  // positions of posting i end here in positions_
  std::vector<std::uint32_t> positions_;
};

template <class IsLive>
std::size_t PostingList::compact(IsLive&& is_live) {
  std::size_t kept_docs = 0;
  std::size_t kept_positions = 0;
  for (std::size_t i = 0; i < docs_.size(); ++i) {
    if (!is_live(docs_[i])) continue;
    ++kept_docs;
    kept_positions += positions(i).size();
  }
  PostingList compacted;
  compacted.docs_.reserve(kept_docs);
  compacted.position_ends_.reserve(kept_docs);
  compacted.positions_.reserve(kept_positions);
  for (std::size_t i = 0; i < docs_.size(); ++i) {
    if (is_live(docs_[i])) compacted.append(docs_[i], positions(i));
  }
  const std::size_t dropped = docs_.size() - kept_docs;
  *this = std::move(compacted);
  return dropped;
}

}  // namespace memsoak::workload

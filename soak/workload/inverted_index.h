// The index proper: a term dictionary (ordered, for prefix expansion) of posting lists, and
// the stored documents with their lengths and text. Documents get consecutive ids as they
// arrive. Deleting a document only tombstones it: its postings stay until compaction
// rewrites the posting lists, which add() triggers once deleted documents own a set share
// of all postings. add() also deletes the oldest documents beyond the window, so the live
// set never exceeds `window_documents` and a healthy run's memory is bounded by design.
// Not thread-safe: SearchIndex (search_index.h) guards it with a reader-writer lock.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory_resource>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "soak/workload/c_heap.h"
#include "soak/workload/posting_list.h"

namespace memsoak::workload {

// One document as the indexing pipeline (indexer.h) hands it over, in batch scratch memory.
struct PreparedTerm {
  std::string_view term;  // normalized
  std::pmr::vector<std::uint32_t> positions;
};
struct PreparedDocument {
  std::string_view text;
  std::uint32_t tokens = 0;
  std::pmr::vector<PreparedTerm> terms;  // each term once
};

struct IndexOptions {
  std::size_t window_documents = 20'000;
  double compaction_dead_share = 0.25;  // compact when deleted documents own this share
  const CHeap* text_heap = &CHeap::process();
};

struct IndexStats {
  std::size_t live_documents = 0;
  std::size_t tombstoned_documents = 0;
  std::size_t terms = 0;
  std::size_t postings = 0;
  std::size_t dead_postings = 0;
  std::uint64_t compactions = 0;
};

class InvertedIndex {
 public:
  explicit InvertedIndex(IndexOptions options);

  // Stores the documents under the next ids, evicts the oldest beyond the window and
  // compacts if due. Returns the id of the first document added.
  DocId add(std::span<const PreparedDocument> documents);
  // Tombstones a document; false if it is unknown or already deleted.
  bool remove(DocId doc);
  // Tombstones the document `age` places older than the newest (0 is the newest).
  bool remove_by_age(std::size_t age);
  void compact();

  const PostingList* postings(std::string_view term) const;
  // visit(std::string_view term, const PostingList&) for every term starting with `prefix`.
  template <class Visit>
  void for_each_term_with_prefix(std::string_view prefix, Visit&& visit) const;
  // visit(DocId) for every live document, in increasing id order.
  template <class Visit>
  void for_each_live(Visit&& visit) const;

  bool is_live(DocId doc) const;
  std::uint32_t length(DocId doc) const { return slot(doc).tokens; }  // in tokens
  std::string_view text(DocId doc) const { return slot(doc).text.view(); }
  std::size_t live_documents() const { return live_documents_; }
  double average_length() const;
  IndexStats stats() const;

 private:
  struct DocumentSlot {
    CBuffer text;
    std::uint32_t tokens = 0;
    std::uint32_t distinct_terms = 0;
    bool live = true;
  };

  const DocumentSlot& slot(DocId doc) const { return slots_[doc - first_slot_id_]; }
  DocumentSlot& slot(DocId doc) { return slots_[doc - first_slot_id_]; }
  DocId next_id() const { return first_slot_id_ + slots_.size(); }
  void add_one(const PreparedDocument& document);
  void evict_beyond_window();
  bool compaction_due() const;

  IndexOptions options_;
  std::map<std::string, PostingList, std::less<>> terms_;
  std::deque<DocumentSlot> slots_;  // documents first_slot_id_, first_slot_id_ + 1, ...
  DocId first_slot_id_ = 0;
  DocId eviction_cursor_ = 0;  // no live document is older than this
  std::size_t live_documents_ = 0;
  std::uint64_t live_tokens_ = 0;
  std::size_t postings_ = 0;
  std::size_t dead_postings_ = 0;
  std::uint64_t compactions_ = 0;
};

template <class Visit>
void InvertedIndex::for_each_term_with_prefix(std::string_view prefix, Visit&& visit) const {
  for (auto it = terms_.lower_bound(prefix); it != terms_.end() && it->first.starts_with(prefix);
       ++it) {
    visit(std::string_view(it->first), it->second);
  }
}

template <class Visit>
void InvertedIndex::for_each_live(Visit&& visit) const {
  for (DocId doc = std::max(eviction_cursor_, first_slot_id_); doc < next_id(); ++doc) {
    if (slot(doc).live) visit(doc);
  }
}

}  // namespace memsoak::workload

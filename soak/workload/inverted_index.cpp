#include "soak/workload/inverted_index.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace memsoak::workload {

InvertedIndex::InvertedIndex(IndexOptions options) : options_(options) {
  if (options_.window_documents == 0) {
    throw std::invalid_argument("window_documents must be at least 1");
  }
  if (!(options_.compaction_dead_share > 0 && options_.compaction_dead_share <= 1)) {
    throw std::invalid_argument("compaction_dead_share must be in (0, 1]");
  }
}

DocId InvertedIndex::add(std::span<const PreparedDocument> documents) {
  const DocId first = next_id();
  for (const PreparedDocument& document : documents) add_one(document);
  evict_beyond_window();
  if (compaction_due()) compact();
  return first;
}

void InvertedIndex::add_one(const PreparedDocument& document) {
  const DocId doc = next_id();
  DocumentSlot& added = slots_.emplace_back();
  added.text = CBuffer(*options_.text_heap, document.text.size());
  std::memcpy(added.text.data(), document.text.data(), document.text.size());
  added.tokens = document.tokens;
  added.distinct_terms = static_cast<std::uint32_t>(document.terms.size());
  for (const PreparedTerm& term : document.terms) {
    auto it = terms_.find(term.term);
    if (it == terms_.end()) it = terms_.emplace(std::string(term.term), PostingList()).first;
    it->second.append(doc, term.positions);
  }
  ++live_documents_;
  live_tokens_ += document.tokens;
  postings_ += document.terms.size();
}

const PostingList* InvertedIndex::postings(std::string_view term) const {
  const auto it = terms_.find(term);
  return it == terms_.end() ? nullptr : &it->second;
}

bool InvertedIndex::is_live(DocId doc) const {
  return doc >= first_slot_id_ && doc < next_id() && slot(doc).live;
}

bool InvertedIndex::remove(DocId doc) {
  if (!is_live(doc)) return false;
  DocumentSlot& removed = slot(doc);
  removed.live = false;
  removed.text = CBuffer();
  --live_documents_;
  live_tokens_ -= removed.tokens;
  dead_postings_ += removed.distinct_terms;
  return true;
}

bool InvertedIndex::remove_by_age(std::size_t age) {
  return age < next_id() && remove(next_id() - 1 - age);
}

void InvertedIndex::evict_beyond_window() {
  eviction_cursor_ = std::max(eviction_cursor_, first_slot_id_);
  while (live_documents_ > options_.window_documents) {
    while (!slot(eviction_cursor_).live) ++eviction_cursor_;
    remove(eviction_cursor_);
  }
}

bool InvertedIndex::compaction_due() const {
  return static_cast<double>(dead_postings_) >
         options_.compaction_dead_share * static_cast<double>(postings_);
}

void InvertedIndex::compact() {
  const auto is_live_doc = [this](DocId doc) { return slot(doc).live; };
  for (auto it = terms_.begin(); it != terms_.end();) {
    postings_ -= it->second.compact(is_live_doc);
    it = it->second.empty() ? terms_.erase(it) : std::next(it);
  }
  dead_postings_ = 0;
  // Tombstones are only needed while postings can name them; the oldest go with them.
  while (!slots_.empty() && !slots_.front().live) {
    slots_.pop_front();
    ++first_slot_id_;
  }
  ++compactions_;
}

double InvertedIndex::average_length() const {
  return live_documents_ == 0
             ? 0.0
             : static_cast<double>(live_tokens_) / static_cast<double>(live_documents_);
}

IndexStats InvertedIndex::stats() const {
  return IndexStats{.live_documents = live_documents_,
                    .tombstoned_documents = slots_.size() - live_documents_,
                    .terms = terms_.size(),
                    .postings = postings_,
                    .dead_postings = dead_postings_,
                    .compactions = compactions_};
}

}  // namespace memsoak::workload

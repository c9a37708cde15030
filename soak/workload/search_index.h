// The index shared by indexer and searcher threads: searches read concurrently, a batch or a
// compaction writes alone. Writers go through a turnstile that new readers must also pass,
// so a stream of overlapping searches cannot starve the indexer (glibc's rwlock prefers
// readers).
#pragma once

#include <mutex>
#include <shared_mutex>
#include <utility>

#include "soak/workload/inverted_index.h"

namespace memsoak::workload {

class SearchIndex {
 public:
  explicit SearchIndex(IndexOptions options) : index_(options) {}

  // Runs write(InvertedIndex&) with the index to itself; returns what it returns.
  template <class Write>
  auto write(Write&& write) {
    const std::lock_guard turnstile(turnstile_);
    const std::unique_lock lock(mutex_);
    return std::forward<Write>(write)(index_);
  }

  // Runs read(const InvertedIndex&) alongside other readers; returns what it returns.
  template <class Read>
  auto read(Read&& read) const {
    { const std::lock_guard turnstile(turnstile_); }
    const std::shared_lock lock(mutex_);
    return std::forward<Read>(read)(std::as_const(index_));
  }

 private:
  mutable std::mutex turnstile_;
  mutable std::shared_mutex mutex_;
  InvertedIndex index_;
};

}  // namespace memsoak::workload

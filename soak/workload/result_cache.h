// A cache of rendered result pages keyed by query text, shared by all searcher threads, as
// search front ends keep one. It is direct-mapped (a query owns the slot its hash picks), so
// lifetimes come out mixed with no policy code: a popular query keeps its slot for long,
// rare ones overwrite each other within moments. Pages expire `max_age_batches` index
// batches after they were stored; evict_stale() frees expired pages, typically from the
// indexer thread, so pages are allocated on one thread and freed on another. Memory is
// bounded by slots times the largest page.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace memsoak::workload {

class ResultCache {
 public:
  ResultCache(std::size_t slots, std::uint64_t max_age_batches);

  // Copies the page cached for `query` into `page` if it is fresh at `generation`.
  bool lookup(std::string_view query, std::uint64_t generation, std::string& page) const;
  void store(std::string_view query, std::string_view page, std::uint64_t generation);
  // Frees every page that has expired at `generation`; returns how many.
  std::size_t evict_stale(std::uint64_t generation);
  std::size_t entries() const;

 private:
  struct Entry {
    std::string query;  // empty: the slot is free
    std::string page;
    std::uint64_t generation = 0;
  };

  bool fresh(const Entry& entry, std::uint64_t generation) const {
    return generation <= entry.generation + max_age_batches_;
  }
  std::size_t slot_of(std::string_view query) const;

  std::uint64_t max_age_batches_;
  mutable std::mutex mutex_;
  std::vector<Entry> slots_;
};

}  // namespace memsoak::workload

// One search, end to end: parse the query into the per-query arena, evaluate and rank it
// under the index's read lock, build snippets for the best hits, and copy everything the
// caller keeps OUT of the arena into an owning SearchResult, which outlives the arena.
#pragma once

#include <cstddef>
#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

#include "soak/workload/c_heap.h"
#include "soak/workload/ranking.h"
#include "soak/workload/search_index.h"

namespace memsoak::workload {

struct SearchOptions {
  std::size_t top_k = 10;
  std::size_t snippet_hits = 3;  // the best hits that get a snippet
  std::size_t snippet_context_words = 8;
  const CHeap* snippet_heap = &CHeap::process();
  Bm25 bm25;
};

struct Hit {
  DocId doc = 0;
  double score = 0;
  std::string snippet;  // empty past the first snippet_hits hits
};

struct SearchResult {
  std::vector<Hit> hits;  // best first
  std::size_t total_matches = 0;
};

// Throws QueryError for a malformed query. `arena` must free everything at once (see
// parse_query); nothing in the result points into it.
SearchResult search(const SearchIndex& index, std::string_view query,
                    std::pmr::memory_resource* arena, const SearchOptions& options = {});

// Renders `result` as the text page a front end would send, one hit per line
// ("<doc> <score> <snippet>"), into `page`, replacing its contents but keeping its capacity.
void render_page(const SearchResult& result, std::string& page);

}  // namespace memsoak::workload

// BM25 ranking of matched documents and top-k selection. A document's score is the sum over
// the query's scoring terms it contains of
//   idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / average_length)),
//   idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5)),
// with N and df counted over live documents (Lucene's form). Ties rank the older document
// first, so results are deterministic.
#pragma once

#include <cstddef>
#include <memory_resource>
#include <vector>

#include "soak/workload/query_evaluator.h"

namespace memsoak::workload {

struct Bm25 {
  double k1 = 1.2;
  double b = 0.75;
};

struct RankedDoc {
  DocId doc;
  double score;
};

// The best `top_k` of `matches`, best first; accumulators live in `arena`. Call it inside
// SearchIndex::read, like evaluate().
std::pmr::vector<RankedDoc> rank_top_k(const Matches& matches, const InvertedIndex& index,
                                       std::size_t top_k, std::pmr::memory_resource* arena,
                                       Bm25 parameters = {});

}  // namespace memsoak::workload

// Evaluates a parsed query against the index: the set of live documents it matches, and the
// terms that score them (every term, prefix expansion and phrase word that is not negated).
// Each operator is a merge of sorted document lists: AND intersects, OR unions, NOT
// subtracts (from every live document when it stands alone). Every intermediate list lives
// in `arena`. Call it inside SearchIndex::read: the result points into the index.
#pragma once

#include <memory_resource>
#include <string_view>
#include <vector>

#include "soak/workload/inverted_index.h"
#include "soak/workload/query_parser.h"

namespace memsoak::workload {

struct ScoringTerm {
  std::string_view term;
  const PostingList* postings;
  std::size_t live_document_frequency;
};

struct Matches {
  std::pmr::vector<DocId> docs;  // ascending
  std::pmr::vector<ScoringTerm> scoring_terms;
};

Matches evaluate(const QueryNode& query, const InvertedIndex& index,
                 std::pmr::memory_resource* arena);

}  // namespace memsoak::workload

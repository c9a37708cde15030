#include "soak/workload/ranking.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace memsoak::workload {
namespace {

double inverse_document_frequency(std::size_t documents, std::size_t frequency) {
  const auto n = static_cast<double>(documents);
  const auto df = static_cast<double>(frequency);
  return std::log(1.0 + (n - df + 0.5) / (df + 0.5));
}

bool ranks_before(const RankedDoc& a, const RankedDoc& b) {
  return a.score != b.score ? a.score > b.score : a.doc < b.doc;
}

}  // namespace

std::pmr::vector<RankedDoc> rank_top_k(const Matches& matches, const InvertedIndex& index,
                                       std::size_t top_k, std::pmr::memory_resource* arena,
                                       Bm25 parameters) {
  // Term-at-a-time accumulation: one pass over each scoring term's postings.
  std::pmr::unordered_map<DocId, double> scores(arena);
  scores.reserve(matches.docs.size());
  for (const DocId doc : matches.docs) scores.emplace(doc, 0.0);
  const double average_length = std::max(index.average_length(), 1.0);
  for (const ScoringTerm& term : matches.scoring_terms) {
    const double idf =
        inverse_document_frequency(index.live_documents(), term.live_document_frequency);
    const auto docs = term.postings->docs();
    for (std::size_t i = 0; i < docs.size(); ++i) {
      const auto score = scores.find(docs[i]);
      if (score == scores.end()) continue;
      const double tf = term.postings->term_frequency(i);
      const double length_norm =
          1.0 - parameters.b + parameters.b * index.length(docs[i]) / average_length;
      score->second += idf * tf * (parameters.k1 + 1.0) / (tf + parameters.k1 * length_norm);
    }
  }
  std::pmr::vector<RankedDoc> ranked(arena);
  ranked.reserve(scores.size());
  for (const auto& [doc, score] : scores) ranked.push_back(RankedDoc{doc, score});
  const std::size_t kept = std::min(top_k, ranked.size());
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(kept),
                    ranked.end(), ranks_before);
  ranked.resize(kept);
  return ranked;
}

}  // namespace memsoak::workload

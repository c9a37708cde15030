#include "soak/workload/search.h"

#include <cstdio>

#include "soak/workload/query_evaluator.h"
#include "soak/workload/query_parser.h"
#include "soak/workload/snippet.h"

namespace memsoak::workload {
namespace {

SearchResult copy_out(const Matches& matches, std::span<const RankedDoc> ranked,
                      const InvertedIndex& index, std::pmr::memory_resource* arena,
                      const SearchOptions& options) {
  std::pmr::vector<std::string_view> highlight(arena);
  highlight.reserve(matches.scoring_terms.size());
  for (const ScoringTerm& term : matches.scoring_terms) highlight.push_back(term.term);

  SearchResult result{.hits = {}, .total_matches = matches.docs.size()};
  result.hits.reserve(ranked.size());
  for (const RankedDoc& ranked_doc : ranked) {
    Hit& hit = result.hits.emplace_back(
        Hit{.doc = ranked_doc.doc, .score = ranked_doc.score, .snippet = {}});
    if (result.hits.size() > options.snippet_hits) continue;
    const CBuffer snippet = make_snippet(index.text(ranked_doc.doc), highlight,
                                         options.snippet_context_words, *options.snippet_heap);
    hit.snippet = snippet.view();
  }
  return result;
}

}  // namespace

SearchResult search(const SearchIndex& index, std::string_view query,
                    std::pmr::memory_resource* arena, const SearchOptions& options) {
  const QueryNode& parsed = parse_query(query, arena);
  return index.read([&](const InvertedIndex& readable) {
    const Matches matches = evaluate(parsed, readable, arena);
    const auto ranked = rank_top_k(matches, readable, options.top_k, arena, options.bm25);
    return copy_out(matches, ranked, readable, arena, options);
  });
}

void render_page(const SearchResult& result, std::string& page) {
  page.clear();
  page += std::to_string(result.total_matches);
  page += " matches\n";
  for (const Hit& hit : result.hits) {
    char score[32];
    std::snprintf(score, sizeof score, " %.4f ", hit.score);
    page += std::to_string(hit.doc);
    page += score;
    page += hit.snippet;
    page += '\n';
  }
}

}  // namespace memsoak::workload

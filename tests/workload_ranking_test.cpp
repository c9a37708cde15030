// BM25 ordering, top-k, snippets and copying results out of the query arena.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <memory_resource>
#include <string>
#include <vector>

#include "soak/workload/indexer.h"
#include "soak/workload/search.h"
#include "soak/workload/snippet.h"

namespace memsoak::workload {
namespace {

std::unique_ptr<SearchIndex> index_of(std::vector<std::string> documents) {
  auto index = std::make_unique<SearchIndex>(IndexOptions{});
  std::pmr::monotonic_buffer_resource scratch;
  index_batch(Batch{.documents = std::move(documents), .deletion_ages = {}}, *index, &scratch);
  return index;
}

std::vector<DocId> ranked_docs(const SearchIndex& index, std::string_view query,
                               std::size_t top_k = 10) {
  std::pmr::monotonic_buffer_resource arena;
  std::vector<DocId> docs;
  SearchOptions options;
  options.top_k = top_k;
  for (const Hit& hit : search(index, query, &arena, options).hits) {
    docs.push_back(hit.doc);
  }
  return docs;
}

TEST(Bm25, MoreOccurrencesRankHigherAndLongDocumentsLower) {
  const auto index = index_of({"apple banana",                                  // 0
                               "apple apple apple banana",                      // 1
                               "banana cherry",                                 // 2
                               "apple cherry fig grape kiwi lime mango nut"});  // 3
  EXPECT_EQ(ranked_docs(*index, "apple"), (std::vector<DocId>{1, 0, 3}));
}

TEST(Bm25, RareTermsOutweighCommonOnes) {
  const auto index = index_of({"apple x", "apple y", "apple z", "kiwi w"});
  EXPECT_EQ(ranked_docs(*index, "apple OR kiwi"), (std::vector<DocId>{3, 0, 1, 2}));
}

TEST(Bm25, ScoreMatchesTheFormula) {
  const auto index = index_of({"apple apple pear", "pear plum"});
  std::pmr::monotonic_buffer_resource arena;
  const SearchResult result = search(*index, "apple", &arena);
  ASSERT_EQ(result.hits.size(), 1u);
  // N = 2, df = 1, tf = 2, length 3, average length 2.5, k1 = 1.2, b = 0.75.
  const double idf = std::log(1.0 + (2 - 1 + 0.5) / (1 + 0.5));
  const double expected = idf * 2 * 2.2 / (2 + 1.2 * (1 - 0.75 + 0.75 * 3 / 2.5));
  EXPECT_NEAR(result.hits[0].score, expected, 1e-12);
}

TEST(Bm25, NegatedTermsFilterButDoNotScore) {
  const auto index = index_of({"apple pear", "apple", "apple plum plum"});
  std::pmr::monotonic_buffer_resource arena;
  const SearchResult filtered = search(*index, "apple NOT plum", &arena);
  const SearchResult plain = search(*index, "apple", &arena);
  ASSERT_EQ(filtered.hits.size(), 2u);
  EXPECT_EQ(filtered.hits[0].doc, plain.hits[0].doc);
  EXPECT_EQ(filtered.hits[0].score, plain.hits[0].score);
}

TEST(TopK, KeepsTheBestKAndCountsAllMatches) {
  std::vector<std::string> documents(50);
  for (std::size_t i = 0; i < documents.size(); ++i) documents[i] = "word " + std::string(i, 'x');
  const auto index = index_of(documents);
  std::pmr::monotonic_buffer_resource arena;
  SearchOptions options;
  options.top_k = 5;
  const SearchResult result = search(*index, "word", &arena, options);
  EXPECT_EQ(result.total_matches, 50u);
  ASSERT_EQ(result.hits.size(), 5u);
  for (std::size_t i = 1; i < result.hits.size(); ++i) {
    EXPECT_GE(result.hits[i - 1].score, result.hits[i].score);
  }
  EXPECT_EQ(result.hits[0].doc, 0u);  // the shortest document ranks first
}

TEST(Search, ResultsOwnTheirMemoryAfterTheArenaIsGone) {
  const auto index = index_of({"the quick brown fox jumps over the lazy dog"});
  SearchResult result;
  {
    std::pmr::monotonic_buffer_resource arena;
    SearchOptions options;
    options.snippet_context_words = 2;
    result = search(*index, "fox", &arena, options);
  }
  ASSERT_EQ(result.hits.size(), 1u);
  EXPECT_EQ(result.hits[0].snippet, "... quick brown [fox] jumps over ...");
}

TEST(Search, OnlyTheBestHitsGetSnippets) {
  const auto index = index_of({"fox", "fox fox", "fox fox fox"});
  std::pmr::monotonic_buffer_resource arena;
  SearchOptions options;
  options.snippet_hits = 2;
  const SearchResult result = search(*index, "fox", &arena, options);
  ASSERT_EQ(result.hits.size(), 3u);
  EXPECT_FALSE(result.hits[0].snippet.empty());
  EXPECT_FALSE(result.hits[1].snippet.empty());
  EXPECT_TRUE(result.hits[2].snippet.empty());
}

std::string snippet(std::string_view text, std::vector<std::string_view> terms,
                    std::size_t context) {
  return std::string(make_snippet(text, terms, context, CHeap::process()).view());
}

TEST(Snippet, HighlightsTheFirstMatchingWordInItsContext) {
  EXPECT_EQ(snippet("One two Three, four five", {"three"}, 1), "... two [Three,] four ...");
  EXPECT_EQ(snippet("One two three", {"zzz", "one"}, 5), "[One] two three");
  EXPECT_EQ(snippet("a b c", {"c"}, 1), "... b [c]");
  EXPECT_EQ(snippet("a b c", {"d"}, 1), "");
}

TEST(Snippet, ComesFromTheGivenHeap) {
  for (const CHeap* heap : {&CHeap::process(), &CHeap::glibc_direct()}) {
    const std::int64_t before = heap->live_bytes();
    {
      const CBuffer buffer =
          make_snippet("alpha beta gamma", std::vector<std::string_view>{"beta"}, 1, *heap);
      EXPECT_EQ(buffer.view(), "alpha [beta] gamma");
      EXPECT_EQ(heap->live_bytes(), before + 18) << heap->name();
    }
    EXPECT_EQ(heap->live_bytes(), before) << heap->name();
  }
}

}  // namespace
}  // namespace memsoak::workload

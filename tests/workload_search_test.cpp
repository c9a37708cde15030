// Search results checked against a brute-force scan of the live documents.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory_resource>
#include <string>
#include <vector>

#include "soak/workload/corpus.h"
#include "soak/workload/indexer.h"
#include "soak/workload/query_evaluator.h"
#include "soak/workload/query_generator.h"
#include "soak/workload/query_parser.h"
#include "soak/workload/search.h"

namespace memsoak::workload {
namespace {

using Tokens = std::vector<std::string>;

// The documents the index should hold, kept independently of it: id -> tokens.
class LiveModel {
 public:
  explicit LiveModel(std::size_t window) : window_(window) {}

  void apply(const Batch& batch, DocId first_document) {
    for (const std::size_t age : batch.deletion_ages) {
      if (age < next_id_) live_.erase(next_id_ - 1 - age);
    }
    EXPECT_EQ(first_document, next_id_);
    for (const std::string& text : batch.documents) live_[next_id_++] = tokenize(text);
    while (live_.size() > window_) live_.erase(live_.begin());
  }

  std::vector<DocId> matching(const QueryNode& query) const {
    std::vector<DocId> docs;
    for (const auto& [doc, tokens] : live_) {
      if (matches(query, tokens)) docs.push_back(doc);
    }
    return docs;
  }

  const std::map<DocId, Tokens>& live() const { return live_; }

 private:
  static bool has_phrase(const QueryNode& phrase, const Tokens& tokens) {
    const auto& words = phrase.terms;
    for (std::size_t start = 0; start + words.size() <= tokens.size(); ++start) {
      const auto same = [](std::string_view word, std::string_view token) { return word == token; };
      if (std::equal(words.begin(), words.end(), tokens.begin() + static_cast<long>(start), same)) {
        return true;
      }
    }
    return false;
  }

  static bool matches(const QueryNode& node, const Tokens& tokens) {
    const auto child_matches = [&](const QueryNode* child) { return matches(*child, tokens); };
    switch (node.op) {
      case QueryOp::kTerm:
        return std::find(tokens.begin(), tokens.end(), std::string_view(node.terms.front())) !=
               tokens.end();
      case QueryOp::kPrefix:
        return std::any_of(tokens.begin(), tokens.end(), [&](const std::string& token) {
          return token.starts_with(node.terms.front());
        });
      case QueryOp::kPhrase:
        return has_phrase(node, tokens);
      case QueryOp::kAnd:
        return std::all_of(node.children.begin(), node.children.end(), child_matches);
      case QueryOp::kOr:
        return std::any_of(node.children.begin(), node.children.end(), child_matches);
      case QueryOp::kNot:
        return !matches(*node.children.front(), tokens);
    }
    return false;
  }

  std::size_t window_;
  DocId next_id_ = 0;
  std::map<DocId, Tokens> live_;
};

CorpusOptions small_corpus() {
  CorpusOptions options;
  options.vocabulary_terms = 3'000;
  options.collocations = 50;
  options.collocation_rate = 0.05;
  options.log_length_mean = 3.5;
  return options;
}

// A generated corpus indexed into a small window, with its brute-force model.
class GeneratedIndex : public ::testing::Test {
 protected:
  static constexpr std::size_t kWindow = 400;

  GeneratedIndex()
      : vocabulary_(7, small_corpus()),
        generator_(vocabulary_, 11,
                   BatchOptions{.documents_per_batch = 25,
                                .huge_batch_rate = 0.05,
                                .huge_batch_factor = 4,
                                .deletions_per_document = 0.1,
                                .deletion_horizon = 300}),
        index_(IndexOptions{.window_documents = kWindow,
                            .compaction_dead_share = 0.25,
                            .text_heap = &CHeap::process()}),
        model_(kWindow) {}

  void index_batches(int batches) {
    for (int i = 0; i < batches; ++i) {
      const Batch batch = generator_.next_batch();
      std::pmr::monotonic_buffer_resource scratch;
      model_.apply(batch, index_batch(batch, index_, &scratch).first_document);
    }
  }

  std::vector<DocId> engine_matches(const QueryNode& query) const {
    std::pmr::monotonic_buffer_resource arena;
    return index_.read([&](const InvertedIndex& index) {
      const Matches matches = evaluate(query, index, &arena);
      return std::vector<DocId>(matches.docs.begin(), matches.docs.end());
    });
  }

  // Checks `queries` generated queries against the model; returns how many matched anything.
  int expect_queries_agree(int queries, std::uint64_t seed) const {
    QueryGenerator query_generator(vocabulary_, seed);
    int nonempty = 0;
    for (int i = 0; i < queries; ++i) {
      const std::string text = query_generator.next();
      std::pmr::monotonic_buffer_resource arena;
      const QueryNode& query = parse_query(text, &arena);
      const std::vector<DocId> expected = model_.matching(query);
      EXPECT_EQ(engine_matches(query), expected) << text << " parsed as " << to_string(query);
      nonempty += !expected.empty();
    }
    return nonempty;
  }

  IndexStats stats() const {
    return index_.read([](const InvertedIndex& index) { return index.stats(); });
  }

  Vocabulary vocabulary_;
  DocumentGenerator generator_;
  SearchIndex index_;
  LiveModel model_;
};

TEST_F(GeneratedIndex, BooleanResultsMatchABruteForceScan) {
  index_batches(40);
  ASSERT_GT(stats().compactions, 0u);
  ASSERT_GT(stats().dead_postings, 0u) << "the check should also cover uncompacted tombstones";
  const int nonempty = expect_queries_agree(300, 5);
  EXPECT_GT(nonempty, 150) << "the queries should mostly hit documents";
}

TEST_F(GeneratedIndex, CompactionKeepsResultsAndRankingIdentical) {
  index_batches(30);
  ASSERT_GT(stats().dead_postings, 0u);
  QueryGenerator query_generator(vocabulary_, 3);
  std::vector<std::string> queries(100);
  for (std::string& query : queries) query = query_generator.next();
  const auto run_all = [&] {
    std::vector<std::vector<std::pair<DocId, double>>> results;
    for (const std::string& query : queries) {
      std::pmr::monotonic_buffer_resource arena;
      auto& ranked = results.emplace_back();
      for (const Hit& hit : search(index_, query, &arena).hits) {
        ranked.emplace_back(hit.doc, hit.score);
      }
    }
    return results;
  };
  const auto before = run_all();
  const std::size_t postings_before = stats().postings;
  index_.write([](InvertedIndex& index) { index.compact(); });
  EXPECT_EQ(stats().dead_postings, 0u);
  EXPECT_LT(stats().postings, postings_before);
  EXPECT_EQ(run_all(), before);
  expect_queries_agree(100, 9);
}

TEST_F(GeneratedIndex, TheWindowBoundsTheLiveSetAndTheTombstones) {
  std::size_t most_postings = 0;
  for (int round = 0; round < 8; ++round) {
    index_batches(10);
    const IndexStats now = stats();
    EXPECT_LE(now.live_documents, kWindow);
    EXPECT_EQ(now.live_documents, model_.live().size());
    // Tombstones live until compaction, which runs once they own a quarter of the postings.
    EXPECT_LE(now.dead_postings, now.postings / 4 + 4'000);
    if (round >= 4) {
      EXPECT_LE(now.postings, most_postings * 2);
    }
    most_postings = std::max(most_postings, now.postings);
  }
}

TEST_F(GeneratedIndex, DeletedDocumentsDisappearFromResults) {
  index_batches(10);
  const auto& [doc, tokens] = *std::next(model_.live().begin(), 10);
  std::pmr::monotonic_buffer_resource arena;
  const QueryNode& query = parse_query(tokens.front(), &arena);
  std::vector<DocId> found = engine_matches(query);
  ASSERT_TRUE(std::binary_search(found.begin(), found.end(), doc));
  EXPECT_TRUE(index_.write([doc = doc](InvertedIndex& index) { return index.remove(doc); }));
  found = engine_matches(query);
  EXPECT_FALSE(std::binary_search(found.begin(), found.end(), doc));
  EXPECT_FALSE(index_.write([doc = doc](InvertedIndex& index) { return index.remove(doc); }));
}

// A hand-made index whose expected results are obvious.
class HandMadeIndex : public ::testing::Test {
 protected:
  HandMadeIndex() : index_(IndexOptions()) {
    const Batch batch{.documents = {"The cat sat on the mat.",         // 0
                                    "A mat, the cat: sat!",            // 1
                                    "cats catch caterpillars",         // 2
                                    "scat the dog sat on a cat mat"},  // 3
                      .deletion_ages = {}};
    std::pmr::monotonic_buffer_resource scratch;
    index_batch(batch, index_, &scratch);
  }

  std::vector<DocId> matches(std::string_view query) const {
    std::pmr::monotonic_buffer_resource arena;
    const QueryNode& parsed = parse_query(query, &arena);
    return index_.read([&](const InvertedIndex& index) {
      const Matches found = evaluate(parsed, index, &arena);
      return std::vector<DocId>(found.docs.begin(), found.docs.end());
    });
  }

  SearchIndex index_;
};

TEST_F(HandMadeIndex, PhrasesNeedConsecutivePositionsInOrder) {
  EXPECT_EQ(matches("\"cat sat\""), (std::vector<DocId>{0, 1}));
  EXPECT_EQ(matches("\"the cat sat\""), (std::vector<DocId>{0, 1}));  // punctuation is no gap
  EXPECT_EQ(matches("\"a mat\""), (std::vector<DocId>{1}));
  EXPECT_EQ(matches("\"sat the\""), (std::vector<DocId>{}));
  EXPECT_EQ(matches("\"sat on\""), (std::vector<DocId>{0, 3}));
  EXPECT_EQ(matches("\"on the mat\""), (std::vector<DocId>{0}));
  EXPECT_EQ(matches("\"mat cat\""), (std::vector<DocId>{}));
  EXPECT_EQ(matches("\"cat mat\""), (std::vector<DocId>{3}));
}

TEST_F(HandMadeIndex, PrefixesMatchTermStartsOnly) {
  EXPECT_EQ(matches("cat*"), (std::vector<DocId>{0, 1, 2, 3}));
  EXPECT_EQ(matches("cate*"), (std::vector<DocId>{2}));
  EXPECT_EQ(matches("sca*"), (std::vector<DocId>{3}));
  EXPECT_EQ(matches("at*"), (std::vector<DocId>{}));
  EXPECT_EQ(matches("zz*"), (std::vector<DocId>{}));
}

TEST_F(HandMadeIndex, BooleanOperators) {
  EXPECT_EQ(matches("cat mat"), (std::vector<DocId>{0, 1, 3}));
  EXPECT_EQ(matches("cats OR dog"), (std::vector<DocId>{2, 3}));
  EXPECT_EQ(matches("cat NOT dog"), (std::vector<DocId>{0, 1}));
  EXPECT_EQ(matches("NOT cat"), (std::vector<DocId>{2}));
  EXPECT_EQ(matches("NOT NOT cat"), (std::vector<DocId>{0, 1, 3}));
  EXPECT_EQ(matches("unknown OR cats"), (std::vector<DocId>{2}));
  EXPECT_EQ(matches("unknown cat"), (std::vector<DocId>{}));
}

}  // namespace
}  // namespace memsoak::workload

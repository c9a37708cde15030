// The generated language: deterministic for a seed, with the distributions it claims.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory_resource>
#include <set>
#include <string>
#include <vector>

#include "soak/workload/corpus.h"
#include "soak/workload/indexer.h"
#include "soak/workload/query_generator.h"
#include "soak/workload/query_parser.h"

namespace memsoak::workload {
namespace {

BatchOptions batches_of(std::size_t documents) {
  BatchOptions options;
  options.documents_per_batch = documents;
  return options;
}

TEST(Vocabulary, IsDeterministicDistinctAndZipfDistributed) {
  const Vocabulary vocabulary(1, CorpusOptions());
  EXPECT_EQ(vocabulary.size(), 30'000u);
  std::set<std::string_view> distinct;
  for (std::size_t rank = 0; rank < vocabulary.size(); ++rank) {
    distinct.insert(vocabulary.term(rank));
  }
  EXPECT_EQ(distinct.size(), vocabulary.size());
  EXPECT_EQ(Vocabulary(1, CorpusOptions()).term(12'345), vocabulary.term(12'345));
  EXPECT_NE(Vocabulary(2, CorpusOptions()).term(12'345), vocabulary.term(12'345));

  Rng rng(3);
  std::vector<int> counts(vocabulary.size());
  for (int i = 0; i < 200'000; ++i) ++counts[vocabulary.sample_rank(rng)];
  // Zipf with exponent 1: frequency proportional to 1/rank, so rank 1 draws twice rank 2.
  EXPECT_NEAR(static_cast<double>(counts[0]) / counts[1], 2.0, 0.15);
  EXPECT_NEAR(static_cast<double>(counts[0]) / counts[9], 10.0, 1.5);
}

TEST(DocumentGenerator, IsDeterministicForASeed) {
  const Vocabulary vocabulary(1, CorpusOptions());
  DocumentGenerator a(vocabulary, 42, batches_of(20));
  DocumentGenerator b(vocabulary, 42, batches_of(20));
  DocumentGenerator other(vocabulary, 43, batches_of(20));
  for (int i = 0; i < 5; ++i) {
    const Batch batch = a.next_batch();
    const Batch same = b.next_batch();
    EXPECT_EQ(batch.documents, same.documents);
    EXPECT_EQ(batch.deletion_ages, same.deletion_ages);
    EXPECT_NE(batch.documents, other.next_batch().documents);
  }
}

TEST(DocumentGenerator, LengthsAreLogNormal) {
  const Vocabulary vocabulary(1, CorpusOptions());
  DocumentGenerator generator(vocabulary, 5, batches_of(1));
  std::vector<std::size_t> lengths(2'000);
  for (std::size_t& length : lengths) length = tokenize(generator.next_document()).size();
  std::sort(lengths.begin(), lengths.end());
  // Median e^4.5 = 90 words; with sigma 0.8 the 90th percentile is 90 * e^(1.28 * 0.8) = 251.
  EXPECT_NEAR(static_cast<double>(lengths[1'000]), 90.0, 10.0);
  EXPECT_NEAR(static_cast<double>(lengths[1'800]), 251.0, 40.0);
}

TEST(DocumentGenerator, HugeBatchesComeAtTheConfiguredRate) {
  const Vocabulary vocabulary(1, CorpusOptions());
  BatchOptions options = batches_of(4);
  options.huge_batch_rate = 0.1;
  options.huge_batch_factor = 10;
  DocumentGenerator generator(vocabulary, 5, options);
  int huge = 0;
  for (int i = 0; i < 1'000; ++i) {
    const Batch batch = generator.next_batch();
    EXPECT_EQ(batch.documents.size(), batch.huge ? 40u : 4u);
    huge += batch.huge;
  }
  EXPECT_NEAR(huge, 100, 30);
}

TEST(DocumentGenerator, TextNeedsNormalizing) {
  const Vocabulary vocabulary(1, CorpusOptions());
  DocumentGenerator generator(vocabulary, 5, batches_of(1));
  std::string text;
  for (int i = 0; i < 20; ++i) text += generator.next_document();
  EXPECT_NE(text.find('.'), std::string::npos);
  EXPECT_NE(text.find(','), std::string::npos);
  EXPECT_TRUE(std::any_of(text.begin(), text.end(), [](char c) { return c >= 'A' && c <= 'Z'; }));
}

TEST(QueryGenerator, IsDeterministicAndSpeaksTheQueryLanguage) {
  const Vocabulary vocabulary(1, CorpusOptions());
  QueryGenerator a(vocabulary, 8);
  QueryGenerator b(vocabulary, 8);
  std::map<QueryOp, int> roots;
  for (int i = 0; i < 500; ++i) {
    const std::string query = a.next();
    EXPECT_EQ(query, b.next());
    std::pmr::monotonic_buffer_resource arena;
    ++roots[parse_query(query, &arena).op];  // throws if the generator emits bad syntax
  }
  for (const QueryOp op :
       {QueryOp::kTerm, QueryOp::kPrefix, QueryOp::kPhrase, QueryOp::kAnd, QueryOp::kOr}) {
    EXPECT_GT(roots[op], 10) << "query form " << static_cast<int>(op);
  }
}

TEST(CHeap, CountsLiveBytesOfEachHeap) {
  for (const CHeap* heap : {&CHeap::process(), &CHeap::glibc_direct()}) {
    const std::int64_t before = heap->live_bytes();
    {
      CBuffer big(*heap, 1 << 20);
      CBuffer small(*heap, 10);
      big.data()[(1 << 20) - 1] = 'x';
      EXPECT_EQ(heap->live_bytes(), before + (1 << 20) + 10) << heap->name();
      CBuffer moved = std::move(big);
      EXPECT_EQ(heap->live_bytes(), before + (1 << 20) + 10) << heap->name();
    }
    EXPECT_EQ(heap->live_bytes(), before) << heap->name();
  }
  EXPECT_EQ(CHeap::glibc_direct().name(), "glibc-direct");
}

}  // namespace
}  // namespace memsoak::workload

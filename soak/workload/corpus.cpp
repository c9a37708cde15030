#include "soak/workload/corpus.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <unordered_set>

namespace memsoak::workload {
namespace {

constexpr std::string_view kConsonants = "bcdfghjklmnprstvwz";
constexpr std::string_view kVowels = "aeiou";

// Frequent words are short in natural text; the rank decides the syllable count.
std::size_t syllables_for_rank(std::size_t rank, Rng& rng) {
  if (rank < 60) return 1;
  if (rank < 3'000) return 2;
  return rng.chance(0.8) ? 3 : 4;
}

std::string make_term(std::size_t syllables, Rng& rng) {
  std::string term;
  for (std::size_t i = 0; i < syllables; ++i) {
    term.push_back(kConsonants[rng.below(kConsonants.size())]);
    term.push_back(kVowels[rng.below(kVowels.size())]);
    if (rng.chance(0.3)) term.push_back(kConsonants[rng.below(kConsonants.size())]);
  }
  return term;
}

std::vector<std::string> make_terms(std::size_t count, Rng& rng) {
  std::vector<std::string> terms;
  std::unordered_set<std::string> seen;
  terms.reserve(count);
  while (terms.size() < count) {
    std::string term = make_term(syllables_for_rank(terms.size(), rng), rng);
    if (seen.insert(term).second) terms.push_back(std::move(term));
  }
  return terms;
}

const CorpusOptions& validated(const CorpusOptions& options) {
  // Two-syllable terms run out above a few thousand ranks, so the floor is what the
  // rank-to-length rule needs to find enough distinct short words.
  if (options.vocabulary_terms < 3'000) {
    throw std::invalid_argument("vocabulary_terms must be at least 3000");
  }
  if (options.max_document_words == 0) {
    throw std::invalid_argument("max_document_words must be at least 1");
  }
  return options;
}

}  // namespace

Vocabulary::Vocabulary(std::uint64_t seed, const CorpusOptions& options)
    : options_(validated(options)), zipf_(options.vocabulary_terms, options.zipf_exponent) {
  Rng rng(seed);
  terms_ = make_terms(options.vocabulary_terms, rng);
  collocations_.resize(options.collocations);
  for (auto& ranks : collocations_) {
    const std::size_t length = 2 + rng.below(3);
    // Collocations use mid-frequency words: phrases of the commonest words would match
    // almost every document, and of the rarest almost none.
    for (std::size_t i = 0; i < length; ++i) ranks.push_back(100 + rng.below(size() / 4));
  }
}

DocumentGenerator::DocumentGenerator(const Vocabulary& vocabulary, std::uint64_t seed,
                                     BatchOptions options)
    : vocabulary_(vocabulary), options_(options), rng_(seed) {
  if (options_.documents_per_batch == 0 || options_.huge_batch_factor == 0) {
    throw std::invalid_argument("documents_per_batch and huge_batch_factor must be at least 1");
  }
}

std::string DocumentGenerator::next_document() {
  const CorpusOptions& corpus = vocabulary_.options();
  const double length = std::exp(corpus.log_length_mean + corpus.log_length_sigma * rng_.normal());
  const auto target_words =
      std::clamp<std::size_t>(static_cast<std::size_t>(length), 1, corpus.max_document_words);
  std::string text;
  std::size_t words = 0;
  bool sentence_start = true;
  while (words < target_words) {
    if (vocabulary_.collocation_count() > 0 && rng_.chance(corpus.collocation_rate)) {
      append_collocation(text, words);
    } else {
      append_word(text, vocabulary_.term(vocabulary_.sample_rank(rng_)), sentence_start);
      ++words;
    }
    sentence_start = rng_.chance(0.08);
    if (sentence_start || rng_.chance(0.04)) text.push_back(sentence_start ? '.' : ',');
  }
  return text;
}

void DocumentGenerator::append_collocation(std::string& text, std::size_t& words) {
  for (const std::size_t rank :
       vocabulary_.collocation(rng_.below(vocabulary_.collocation_count()))) {
    append_word(text, vocabulary_.term(rank), false);
    ++words;
  }
}

void DocumentGenerator::append_word(std::string& text, std::string_view term, bool sentence_start) {
  if (!text.empty()) text.push_back(' ');
  const std::size_t start = text.size();
  text.append(term);
  if (sentence_start) text[start] = static_cast<char>(text[start] - 'a' + 'A');
}

Batch DocumentGenerator::next_batch(bool force_huge) {
  Batch batch;
  batch.huge = rng_.chance(options_.huge_batch_rate) || force_huge;
  const std::size_t documents =
      options_.documents_per_batch * (batch.huge ? options_.huge_batch_factor : 1);
  batch.documents.reserve(documents);
  for (std::size_t i = 0; i < documents; ++i) batch.documents.push_back(next_document());
  const auto deletions = static_cast<std::size_t>(
      static_cast<double>(documents) * options_.deletions_per_document + rng_.uniform());
  for (std::size_t i = 0; i < deletions; ++i) {
    batch.deletion_ages.push_back(rng_.below(std::max<std::size_t>(options_.deletion_horizon, 1)));
  }
  return batch;
}

}  // namespace memsoak::workload

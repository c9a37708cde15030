// The synthetic language the workload indexes and queries: a seeded vocabulary of generated
// terms drawn with Zipf frequencies, recurring multi-word collocations (so phrase queries
// find matches, as they do in real text), documents with log-normal lengths, and batches of
// documents with an occasional huge one. Everything is a pure function of the seed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "soak/workload/random.h"

namespace memsoak::workload {

struct CorpusOptions {
  std::size_t vocabulary_terms = 30'000;
  double zipf_exponent = 1.0;
  double log_length_mean = 4.5;  // median document length e^4.5 ~ 90 words
  double log_length_sigma = 0.8;
  std::size_t max_document_words = 4'000;
  std::size_t collocations = 500;
  double collocation_rate = 0.03;  // chance that a word position starts a collocation
};

// Immutable once built, so every thread may share one.
class Vocabulary {
 public:
  Vocabulary(std::uint64_t seed, const CorpusOptions& options);

  std::size_t size() const { return terms_.size(); }
  std::string_view term(std::size_t rank) const { return terms_[rank]; }
  std::size_t sample_rank(Rng& rng) const { return zipf_(rng); }
  std::size_t collocation_count() const { return collocations_.size(); }
  // The ranks of the terms of collocation `index`, 2 to 4 of them.
  std::span<const std::size_t> collocation(std::size_t index) const { return collocations_[index]; }
  const CorpusOptions& options() const { return options_; }

 private:
  CorpusOptions options_;
  std::vector<std::string> terms_;
  ZipfSampler zipf_;
  std::vector<std::vector<std::size_t>> collocations_;
};

struct BatchOptions {
  std::size_t documents_per_batch = 64;
  double huge_batch_rate = 0.002;         // chance that a batch is huge
  std::size_t huge_batch_factor = 50;     // a huge batch has this many times the documents
  double deletions_per_document = 0.05;   // random deletions on top of the window's evictions
  std::size_t deletion_horizon = 10'000;  // deletions pick among this many newest documents
};

struct Batch {
  std::vector<std::string> documents;
  // Each deletion names a document by its age when the batch arrives: 0 is the newest one.
  std::vector<std::size_t> deletion_ages;
  bool huge = false;
};

class DocumentGenerator {
 public:
  DocumentGenerator(const Vocabulary& vocabulary, std::uint64_t seed, BatchOptions options);

  std::string next_document();
  // The next batch; `force_huge` makes it huge whatever the rate says (a scheduled spike). The
  // random draw is made either way, so the batches after it are those of the same seed.
  Batch next_batch(bool force_huge = false);

 private:
  void append_collocation(std::string& text, std::size_t& words);
  void append_word(std::string& text, std::string_view term, bool sentence_start);

  const Vocabulary& vocabulary_;
  BatchOptions options_;
  Rng rng_;
};

}  // namespace memsoak::workload

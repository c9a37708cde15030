// Random queries in the query language (query_parser.h), drawn from the corpus vocabulary so
// that they hit documents: single words, implicit and explicit AND, OR, AND NOT, phrases
// taken from the corpus's collocations, prefixes and nested groups, with the odd capital
// and punctuation that normalization must absorb. Like search users, it skips the
// commonest words, which match nearly every document (stop words).
#pragma once

#include <cstdint>
#include <string>

#include "soak/workload/corpus.h"
#include "soak/workload/random.h"

namespace memsoak::workload {

class QueryGenerator {
 public:
  QueryGenerator(const Vocabulary& vocabulary, std::uint64_t seed);

  std::string next();

 private:
  std::string word();
  std::string phrase();
  std::string prefix();

  const Vocabulary& vocabulary_;
  Rng rng_;
};

}  // namespace memsoak::workload

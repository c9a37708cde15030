#include "soak/workload/query_generator.h"

#include <algorithm>

namespace memsoak::workload {
namespace {

constexpr std::size_t kStopWords = 30;

}  // namespace

QueryGenerator::QueryGenerator(const Vocabulary& vocabulary, std::uint64_t seed)
    : vocabulary_(vocabulary), rng_(seed) {}

std::string QueryGenerator::word() {
  const std::size_t rank =
      kStopWords + vocabulary_.sample_rank(rng_) % (vocabulary_.size() - kStopWords);
  std::string text(vocabulary_.term(rank));
  if (rng_.chance(0.1)) text.front() = static_cast<char>(text.front() - 'a' + 'A');
  if (rng_.chance(0.05)) text.push_back(rng_.chance(0.5) ? '?' : ',');
  return text;
}

std::string QueryGenerator::phrase() {
  if (vocabulary_.collocation_count() == 0) return word();
  std::string text = "\"";
  for (const std::size_t rank :
       vocabulary_.collocation(rng_.below(vocabulary_.collocation_count()))) {
    if (text.size() > 1) text.push_back(' ');
    text.append(vocabulary_.term(rank));
  }
  text.push_back('"');
  return text;
}

std::string QueryGenerator::prefix() {
  // Mid-frequency words are long enough that a 3- or 4-letter prefix selects tens of terms.
  const std::string_view term = vocabulary_.term(100 + rng_.below(vocabulary_.size() - 100));
  const std::size_t length = std::min<std::size_t>(term.size(), 3 + rng_.below(2));
  return std::string(term.substr(0, length)) + "*";
}

std::string QueryGenerator::next() {
  const std::uint64_t form = rng_.below(100);
  if (form < 30) return word();
  if (form < 45) return word() + " " + word();
  if (form < 55) return word() + " AND " + word();
  if (form < 65) return word() + " OR " + word();
  if (form < 75) return word() + " AND NOT " + word();
  if (form < 85) return phrase();
  if (form < 93) return prefix();
  return "(" + word() + " OR " + phrase() + ") " + word();
}

}  // namespace memsoak::workload

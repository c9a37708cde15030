// Tokenization shared by indexing, queries and snippets, so that a word typed in a query
// matches the word as indexed. A text splits into words at ASCII whitespace; a word
// normalizes to its ASCII letters and digits, lowercased ("Don't," -> "dont"); a word with
// nothing left ("--") is not a token and takes no position.
#pragma once

#include <cstddef>
#include <string_view>

namespace memsoak::workload {

inline bool is_word_separator(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

inline bool is_term_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

inline char fold_case(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Appends the normalized form of `word` to `out` (any string type: std::string, pmr::string).
template <class String>
void append_normalized(std::string_view word, String& out) {
  for (const char c : word) {
    if (is_term_char(c)) out.push_back(fold_case(c));
  }
}

// True if `word` normalizes to exactly `term`; allocates nothing (the snippet module's need).
inline bool normalizes_to(std::string_view word, std::string_view term) {
  std::size_t matched = 0;
  for (const char c : word) {
    if (!is_term_char(c)) continue;
    if (matched == term.size() || fold_case(c) != term[matched]) return false;
    ++matched;
  }
  return matched == term.size() && matched > 0;
}

// Calls visit(word) for each whitespace-separated word of `text`, in order.
template <class Visit>
void for_each_word(std::string_view text, Visit&& visit) {
  std::size_t begin = 0;
  while (begin < text.size()) {
    while (begin < text.size() && is_word_separator(text[begin])) ++begin;
    std::size_t end = begin;
    while (end < text.size() && !is_word_separator(text[end])) ++end;
    if (end > begin) visit(text.substr(begin, end - begin));
    begin = end;
  }
}

// True if the word has at least one term character, i.e. it is a token.
inline bool is_token(std::string_view word) {
  for (const char c : word) {
    if (is_term_char(c)) return true;
  }
  return false;
}

}  // namespace memsoak::workload

// The query language and its parser. Grammar, loosest binding first:
//   query   := or
//   or      := and ("OR" and)*
//   and     := not (["AND"] not)*        two operands side by side mean AND
//   not     := "NOT" not | primary
//   primary := word | word* | "two or more words" | "(" or ")"
// Operators are the upper-case words AND, OR, NOT. Words normalize as indexed text does
// (text.h); a word ending in '*' matches every term it prefixes; a quoted phrase matches its
// words at consecutive positions. NOT without a left operand matches every live document
// without its operand. Malformed queries throw QueryError with the byte position at fault.
#pragma once

#include <cstddef>
#include <memory_resource>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace memsoak::workload {

enum class QueryOp { kTerm, kPrefix, kPhrase, kAnd, kOr, kNot };

struct QueryNode {
  QueryNode(QueryOp op_in, std::pmr::memory_resource* arena)
      : op(op_in), terms(arena), children(arena) {}

  QueryOp op;
  std::pmr::vector<std::pmr::string> terms;     // kTerm, kPrefix: 1; kPhrase: 2 or more
  std::pmr::vector<const QueryNode*> children;  // kAnd, kOr: 2 or more; kNot: 1
};

class QueryError : public std::invalid_argument {
 public:
  QueryError(std::size_t position, const std::string& problem);
  std::size_t position() const { return position_; }

 private:
  std::size_t position_;
};

// Parses `query` into a tree that lives entirely in `arena`, nodes and strings alike. Nodes
// are never destroyed one by one, so `arena` must be a resource that frees everything at
// once (a bump arena, std::pmr::monotonic_buffer_resource); the tree lives as long as it.
const QueryNode& parse_query(std::string_view query, std::pmr::memory_resource* arena);

// A canonical, fully parenthesized form, e.g. (AND cat (OR dog* "big fish")): for tests
// and error reports.
std::string to_string(const QueryNode& node);

}  // namespace memsoak::workload

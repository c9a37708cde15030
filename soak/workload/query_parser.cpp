#include "soak/workload/query_parser.h"

#include "soak/workload/text.h"

namespace memsoak::workload {
namespace {

// Parsing recurses per nesting level; the cap keeps a hostile query from exhausting the stack.
constexpr int kMaxNesting = 100;
constexpr std::string_view kExpectedOperand = "a word, a \"phrase\", a prefix* or '('";

struct Lexeme {
  enum Kind { kWord, kPhrase, kOpen, kClose, kEnd };
  Kind kind;
  std::string_view text;  // the word, or the inside of the quotes
  std::size_t position;
};

class Lexer {
 public:
  explicit Lexer(std::string_view query) : query_(query) {}

  Lexeme next() {
    while (at_ < query_.size() && is_word_separator(query_[at_])) ++at_;
    const std::size_t start = at_;
    if (at_ == query_.size()) return {Lexeme::kEnd, {}, start};
    const char c = query_[at_];
    if (c == '(' || c == ')') {
      ++at_;
      return {c == '(' ? Lexeme::kOpen : Lexeme::kClose, query_.substr(start, 1), start};
    }
    if (c == '"') return phrase(start);
    while (at_ < query_.size() && !is_word_separator(query_[at_]) && query_[at_] != '(' &&
           query_[at_] != ')' && query_[at_] != '"') {
      ++at_;
    }
    return {Lexeme::kWord, query_.substr(start, at_ - start), start};
  }

 private:
  Lexeme phrase(std::size_t start) {
    const std::size_t close = query_.find('"', start + 1);
    if (close == std::string_view::npos) {
      throw QueryError(start, "the '\"' opening a phrase has no closing '\"'");
    }
    at_ = close + 1;
    return {Lexeme::kPhrase, query_.substr(start + 1, close - start - 1), start};
  }

  std::string_view query_;
  std::size_t at_ = 0;
};

class Parser {
 public:
  Parser(std::string_view query, std::pmr::memory_resource* arena)
      : lexer_(query), arena_(arena), current_(lexer_.next()) {}

  const QueryNode& parse() {
    if (current_.kind == Lexeme::kEnd) throw QueryError(0, "empty query");
    const QueryNode& root = parse_or();
    if (current_.kind != Lexeme::kEnd) throw unexpected();
    return root;
  }

 private:
  bool at_word(std::string_view word) const {
    return current_.kind == Lexeme::kWord && current_.text == word;
  }
  bool at_operand_start() const {
    return current_.kind == Lexeme::kPhrase || current_.kind == Lexeme::kOpen ||
           (current_.kind == Lexeme::kWord && !at_word("AND") && !at_word("OR"));
  }
  void advance() { current_ = lexer_.next(); }

  // Counts one nesting level ('(' or NOT) for as long as it lives.
  class Nesting {
   public:
    Nesting(int& depth, std::size_t position) : depth_(depth) {
      if (++depth_ > kMaxNesting) {
        throw QueryError(position, "nesting deeper than " + std::to_string(kMaxNesting) +
                                       " levels of '(' or NOT");
      }
    }
    Nesting(const Nesting&) = delete;
    Nesting& operator=(const Nesting&) = delete;
    ~Nesting() { --depth_; }

   private:
    int& depth_;
  };

  QueryError unexpected() const {
    if (current_.kind == Lexeme::kEnd) {
      return QueryError(current_.position,
                        "the query ends where " + std::string(kExpectedOperand) + " should be");
    }
    return QueryError(current_.position, "unexpected '" + std::string(current_.text) +
                                             "': expected " + std::string(kExpectedOperand));
  }

  QueryNode* make(QueryOp op) {
    return std::pmr::polymorphic_allocator<QueryNode>(arena_).new_object<QueryNode>(op, arena_);
  }

  const QueryNode& parse_or() {
    const QueryNode& first = parse_and();
    if (!at_word("OR")) return first;
    QueryNode* node = make(QueryOp::kOr);
    node->children.push_back(&first);
    while (at_word("OR")) {
      advance();
      node->children.push_back(&parse_and());
    }
    return *node;
  }

  const QueryNode& parse_and() {
    const QueryNode& first = parse_not();
    if (!at_word("AND") && !at_operand_start()) return first;
    QueryNode* node = make(QueryOp::kAnd);
    node->children.push_back(&first);
    while (at_word("AND") || at_operand_start()) {
      if (at_word("AND")) advance();
      node->children.push_back(&parse_not());
    }
    return *node;
  }

  const QueryNode& parse_not() {
    if (!at_word("NOT")) return parse_primary();
    const Nesting nesting(depth_, current_.position);
    advance();
    QueryNode* node = make(QueryOp::kNot);
    node->children.push_back(&parse_not());
    return *node;
  }

  const QueryNode& parse_primary() {
    const Lexeme lexeme = current_;
    switch (lexeme.kind) {
      case Lexeme::kOpen: {
        const Nesting nesting(depth_, lexeme.position);
        advance();
        const QueryNode& inner = parse_or();
        if (current_.kind != Lexeme::kClose) {
          if (current_.kind == Lexeme::kEnd) {
            throw QueryError(lexeme.position, "the '(' here has no closing ')'");
          }
          throw unexpected();
        }
        advance();
        return inner;
      }
      case Lexeme::kPhrase:
        advance();
        return phrase(lexeme);
      case Lexeme::kWord:
        if (at_word("AND") || at_word("OR")) throw unexpected();
        advance();
        return word(lexeme);
      default:
        throw unexpected();
    }
  }

  const QueryNode& word(const Lexeme& lexeme) {
    const bool prefix = lexeme.text.ends_with('*');
    const std::string_view body =
        prefix ? lexeme.text.substr(0, lexeme.text.size() - 1) : lexeme.text;
    if (!is_token(body)) {
      throw QueryError(lexeme.position,
                       "'" + std::string(lexeme.text) + "' has no letter or digit to search for");
    }
    QueryNode* node = make(prefix ? QueryOp::kPrefix : QueryOp::kTerm);
    append_normalized(body, node->terms.emplace_back());
    return *node;
  }

  const QueryNode& phrase(const Lexeme& lexeme) {
    QueryNode* node = make(QueryOp::kPhrase);
    for_each_word(lexeme.text, [&](std::string_view word) {
      if (is_token(word)) append_normalized(word, node->terms.emplace_back());
    });
    if (node->terms.empty()) {
      throw QueryError(lexeme.position, "the phrase has no letter or digit to search for");
    }
    if (node->terms.size() == 1) node->op = QueryOp::kTerm;
    return *node;
  }

  Lexer lexer_;
  std::pmr::memory_resource* arena_;
  Lexeme current_;
  int depth_ = 0;
};

void append_canonical(const QueryNode& node, std::string& out) {
  switch (node.op) {
    case QueryOp::kTerm:
      out += node.terms.front();
      return;
    case QueryOp::kPrefix:
      out += node.terms.front();
      out += '*';
      return;
    case QueryOp::kPhrase:
      out += '"';
      for (std::size_t i = 0; i < node.terms.size(); ++i) {
        if (i > 0) out += ' ';
        out += node.terms[i];
      }
      out += '"';
      return;
    default:
      break;
  }
  out += node.op == QueryOp::kAnd ? "(AND" : node.op == QueryOp::kOr ? "(OR" : "(NOT";
  for (const QueryNode* child : node.children) {
    out += ' ';
    append_canonical(*child, out);
  }
  out += ')';
}

}  // namespace

QueryError::QueryError(std::size_t position, const std::string& problem)
    : std::invalid_argument("query error at position " + std::to_string(position) + ": " + problem),
      position_(position) {}

const QueryNode& parse_query(std::string_view query, std::pmr::memory_resource* arena) {
  return Parser(query, arena).parse();
}

std::string to_string(const QueryNode& node) {
  std::string out;
  append_canonical(node, out);
  return out;
}

}  // namespace memsoak::workload

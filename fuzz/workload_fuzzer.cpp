// Fuzz target `workload`: the soak workload's query parser and tokenizer, on any text. Each
// query is parsed three times — into a per-query memsoak::Arena, into a long-lived arena under
// an ArenaScope, and with plain heap allocation (a tracking new/delete resource, emptied after)
// — and the three must agree: the same tree (to_string) or the same QueryError at the same
// position. Each text is tokenized into std::string and into a pmr::string on an arena, and the
// tokenizer's predicates must agree with the words it produced. Crashes and sanitizer reports
// are failures too: the parser must turn every malformed query into a QueryError.
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz/run.h"
#include "fuzz/tracking_resource.h"
#include "harness/arena.h"
#include "harness/arena_resource.h"
#include "soak/workload/query_parser.h"
#include "soak/workload/text.h"

namespace memsoak::fuzz {
namespace {

using workload::append_normalized;
using workload::for_each_word;
using workload::is_token;
using workload::normalizes_to;
using workload::parse_query;
using workload::QueryError;

enum Opcode : std::uint8_t { kParse, kTokenize, kResetSharedArena };

constexpr OpSpec kOps[] = {
    {"parse", {{{"query", ArgKind::kText}}}, 1},
    {"tokenize", {{{"text", ArgKind::kText}}}, 1},
    {"reset_shared_arena", {}, 0},
};
constexpr OpTable kTable{"workload", kOps};

// What parsing one query gave: its canonical tree, or its error.
struct ParseOutcome {
  bool parsed = false;
  std::string text;  // to_string(tree), or the error message
  std::size_t error_position = 0;

  bool operator==(const ParseOutcome&) const = default;
};

ParseOutcome parse(std::string_view query, std::pmr::memory_resource* resource) {
  try {
    return ParseOutcome{true, to_string(parse_query(query, resource)), 0};
  } catch (const QueryError& error) {
    return ParseOutcome{false, error.what(), error.position()};
  }
}

class WorkloadMachine {
 public:
  void execute(const Op& op) {
    switch (op.code) {
      case kParse:
        parse_three_ways(op.text);
        break;
      case kTokenize:
        tokenize(op.text);
        break;
      default:
        shared_arena_.reset();
        break;
    }
  }

  void teardown() { shared_arena_.release(); }

 private:
  void parse_three_ways(std::string_view query) {
    Arena per_query_arena;
    ArenaResource per_query(per_query_arena);
    const ParseOutcome in_arena = parse(query, &per_query);

    ParseOutcome in_scope;
    {
      const ArenaScope scope(shared_arena_);
      ArenaResource shared(shared_arena_);
      in_scope = parse(query, &shared);
    }

    ParseOutcome on_heap;
    {
      TrackingResource heap;
      on_heap = parse(query, &heap);
      heap.release_all();
    }
    expect(in_arena == in_scope && in_arena == on_heap,
           "parsing one query gave different results: per-query arena '%s', scoped arena '%s', "
           "heap '%s'",
           in_arena.text.c_str(), in_scope.text.c_str(), on_heap.text.c_str());
    expect(in_arena.parsed || in_arena.error_position <= query.size(),
           "QueryError at position %zu of a %zu-byte query", in_arena.error_position, query.size());
  }

  void tokenize(std::string_view text) {
    const ArenaScope scope(shared_arena_);
    ArenaResource arena(shared_arena_);
    for_each_word(text, [&](std::string_view word) {
      expect(!word.empty() && word.find_first_of(" \t\n\r\f\v") == std::string_view::npos,
             "for_each_word produced an empty word or one with a separator");
      std::string on_heap;
      std::pmr::string in_arena(&arena);
      append_normalized(word, on_heap);
      append_normalized(word, in_arena);
      expect(std::string_view(in_arena) == on_heap, "normalizing into an arena string differs");
      expect(is_token(word) == !on_heap.empty(), "is_token disagrees with the normalized form");
      expect(on_heap.empty() || normalizes_to(word, on_heap),
             "normalizes_to rejects the word's own normalized form");
    });
  }

  Arena shared_arena_;
};

}  // namespace
}  // namespace memsoak::fuzz

MEMSOAK_FUZZ_TARGET(memsoak::fuzz::kTable, memsoak::fuzz::WorkloadMachine)

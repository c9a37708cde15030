#include "soak/workload/query_evaluator.h"

#include <algorithm>
#include <iterator>

namespace memsoak::workload {
namespace {

using DocList = std::pmr::vector<DocId>;

class Evaluator {
 public:
  Evaluator(const InvertedIndex& index, std::pmr::memory_resource* arena)
      : index_(index), arena_(arena), scoring_terms_(arena) {}

  Matches run(const QueryNode& query) {
    DocList docs = evaluate(query, true);
    return Matches{.docs = std::move(docs), .scoring_terms = std::move(scoring_terms_)};
  }

 private:
  // `scoring` is false under an odd number of NOTs: those terms exclude, they do not rank.
  DocList evaluate(const QueryNode& node, bool scoring) {
    switch (node.op) {
      case QueryOp::kTerm:
        return term(node.terms.front(), scoring);
      case QueryOp::kPrefix:
        return prefix(node.terms.front(), scoring);
      case QueryOp::kPhrase:
        return phrase(node, scoring);
      case QueryOp::kAnd:
        return conjunction(node, scoring);
      case QueryOp::kOr:
        return disjunction(node, scoring);
      case QueryOp::kNot:
        return difference(all_live(), evaluate(*node.children.front(), !scoring));
    }
    return DocList(arena_);
  }

  DocList live_docs(std::string_view term, const PostingList& postings, bool scoring) {
    DocList docs(arena_);
    for (const DocId doc : postings.docs()) {
      if (index_.is_live(doc)) docs.push_back(doc);
    }
    if (scoring) scoring_terms_.push_back(ScoringTerm{term, &postings, docs.size()});
    return docs;
  }

  DocList term(std::string_view term, bool scoring) {
    const PostingList* postings = index_.postings(term);
    return postings == nullptr ? DocList(arena_) : live_docs(term, *postings, scoring);
  }

  DocList prefix(std::string_view prefix, bool scoring) {
    DocList docs(arena_);
    index_.for_each_term_with_prefix(prefix, [&](std::string_view term, const PostingList& list) {
      const DocList expansion = live_docs(term, list, scoring);
      docs.insert(docs.end(), expansion.begin(), expansion.end());
    });
    std::sort(docs.begin(), docs.end());
    docs.erase(std::unique(docs.begin(), docs.end()), docs.end());
    return docs;
  }

  DocList phrase(const QueryNode& node, bool scoring) {
    std::pmr::vector<const PostingList*> lists(arena_);
    DocList candidates(arena_);
    for (const std::pmr::string& word : node.terms) {
      const PostingList* list = index_.postings(word);
      if (list == nullptr) return DocList(arena_);
      lists.push_back(list);
      DocList docs = live_docs(word, *list, scoring);
      candidates = lists.size() == 1 ? std::move(docs) : intersection(candidates, docs);
    }
    std::erase_if(candidates, [&](DocId doc) { return !has_phrase_at_some_position(lists, doc); });
    return candidates;
  }

  static bool has_phrase_at_some_position(std::span<const PostingList* const> lists, DocId doc) {
    const auto positions_in = [doc](const PostingList& list) {
      const auto docs = list.docs();
      return list.positions(std::lower_bound(docs.begin(), docs.end(), doc) - docs.begin());
    };
    for (const std::uint32_t start : positions_in(*lists.front())) {
      bool all_follow = true;
      for (std::size_t i = 1; i < lists.size() && all_follow; ++i) {
        const auto positions = positions_in(*lists[i]);
        all_follow = std::binary_search(positions.begin(), positions.end(), start + i);
      }
      if (all_follow) return true;
    }
    return false;
  }

  DocList conjunction(const QueryNode& node, bool scoring) {
    std::pmr::vector<DocList> included(arena_);
    std::pmr::vector<DocList> excluded(arena_);
    for (const QueryNode* child : node.children) {
      if (child->op == QueryOp::kNot) {
        excluded.push_back(evaluate(*child->children.front(), !scoring));
      } else {
        included.push_back(evaluate(*child, scoring));
      }
    }
    DocList docs = included.empty() ? all_live() : std::move(included.front());
    for (std::size_t i = 1; i < included.size(); ++i) docs = intersection(docs, included[i]);
    for (const DocList& subtract : excluded) docs = difference(docs, subtract);
    return docs;
  }

  DocList disjunction(const QueryNode& node, bool scoring) {
    DocList docs(arena_);
    for (const QueryNode* child : node.children) {
      const DocList more = evaluate(*child, scoring);
      DocList merged(arena_);
      merged.reserve(docs.size() + more.size());
      std::set_union(docs.begin(), docs.end(), more.begin(), more.end(),
                     std::back_inserter(merged));
      docs = std::move(merged);
    }
    return docs;
  }

  DocList all_live() {
    DocList docs(arena_);
    docs.reserve(index_.live_documents());
    index_.for_each_live([&](DocId doc) { docs.push_back(doc); });
    return docs;
  }

  DocList intersection(const DocList& a, const DocList& b) {
    DocList out(arena_);
    std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
    return out;
  }

  DocList difference(const DocList& a, const DocList& b) {
    DocList out(arena_);
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
    return out;
  }

  const InvertedIndex& index_;
  std::pmr::memory_resource* arena_;
  std::pmr::vector<ScoringTerm> scoring_terms_;
};

}  // namespace

Matches evaluate(const QueryNode& query, const InvertedIndex& index,
                 std::pmr::memory_resource* arena) {
  return Evaluator(index, arena).run(query);
}

}  // namespace memsoak::workload

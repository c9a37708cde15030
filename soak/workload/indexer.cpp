#include "soak/workload/indexer.h"

#include <memory>
#include <new>
#include <unordered_map>

#include "soak/workload/text.h"

namespace memsoak::workload {
namespace {

// Owns the ParsedDocuments placed in scratch memory by raw allocation and placement new
// (the way objects land in a bump arena), and destroys them unless told to skip.
class StagedDocuments {
 public:
  StagedDocuments(std::pmr::memory_resource* scratch, StagedDestructors destructors)
      : scratch_(scratch), destructors_(destructors), staged_(scratch) {}
  StagedDocuments(const StagedDocuments&) = delete;
  StagedDocuments& operator=(const StagedDocuments&) = delete;
  ~StagedDocuments() {
    if (destructors_ == StagedDestructors::kSkip) return;
    for (ParsedDocument* parsed : staged_) {
      std::destroy_at(parsed);
      scratch_->deallocate(parsed, sizeof(ParsedDocument), alignof(ParsedDocument));
    }
  }

  const ParsedDocument& stage(std::string_view text) {
    staged_.reserve(staged_.size() + 1);  // so push_back below cannot throw and leak
    void* storage = scratch_->allocate(sizeof(ParsedDocument), alignof(ParsedDocument));
    try {
      staged_.push_back(new (storage) ParsedDocument{text, tokenize(text)});
    } catch (...) {
      scratch_->deallocate(storage, sizeof(ParsedDocument), alignof(ParsedDocument));
      throw;
    }
    return *staged_.back();
  }

 private:
  std::pmr::memory_resource* scratch_;
  StagedDestructors destructors_;
  std::pmr::vector<ParsedDocument*> staged_;
};

PreparedDocument prepare(const ParsedDocument& parsed, std::pmr::memory_resource* scratch) {
  PreparedDocument prepared{.text = parsed.text,
                            .tokens = static_cast<std::uint32_t>(parsed.tokens.size()),
                            .terms = std::pmr::vector<PreparedTerm>(scratch)};
  std::pmr::unordered_map<std::string_view, std::size_t> term_slots(scratch);
  term_slots.reserve(parsed.tokens.size());
  for (std::uint32_t position = 0; position < parsed.tokens.size(); ++position) {
    const auto [it, inserted] =
        term_slots.try_emplace(parsed.tokens[position], prepared.terms.size());
    if (inserted) {
      prepared.terms.push_back(
          PreparedTerm{.term = it->first, .positions = std::pmr::vector<std::uint32_t>(scratch)});
    }
    prepared.terms[it->second].positions.push_back(position);
  }
  return prepared;
}

}  // namespace

std::vector<std::string> tokenize(std::string_view text) {
  std::vector<std::string> tokens;
  for_each_word(text, [&](std::string_view word) {
    if (!is_token(word)) return;
    append_normalized(word, tokens.emplace_back());
  });
  return tokens;
}

IndexedBatch index_batch(const Batch& batch, SearchIndex& index, std::pmr::memory_resource* scratch,
                         StagedDestructors staged_destructors) {
  StagedDocuments staged(scratch, staged_destructors);
  std::pmr::vector<PreparedDocument> prepared(scratch);
  prepared.reserve(batch.documents.size());
  for (const std::string& text : batch.documents) {
    prepared.push_back(prepare(staged.stage(text), scratch));
  }
  return index.write([&](InvertedIndex& writable) {
    IndexedBatch indexed{.documents = prepared.size()};
    for (const std::size_t age : batch.deletion_ages) {
      indexed.deleted += writable.remove_by_age(age) ? 1 : 0;
    }
    indexed.first_document = writable.add(prepared);
    return indexed;
  });
}

}  // namespace memsoak::workload

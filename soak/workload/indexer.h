// The indexing pipeline for one batch: tokenize and normalize each document, deduplicate its
// terms in a hash map, then add the batch to the index and apply its deletions in one write.
// All per-batch scratch (staged documents, term maps, position lists) comes from the
// `scratch` resource, meant to be an arena dropped or reset after the batch.
#pragma once

#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

#include "soak/workload/corpus.h"
#include "soak/workload/search_index.h"

namespace memsoak::workload {

// A tokenized document before term deduplication, staged in batch scratch. It owns heap
// memory (the token strings and their vector), so staging it in an arena is only correct if
// its destructor runs before the arena goes away.
struct ParsedDocument {
  std::string_view text;
  std::vector<std::string> tokens;  // normalized, in order
};

// kSkip is the arena-no-drop defect, the leak Meilisearch shipped with bumpalo's
// into_bump_slice: the arena is freed, but the destructors of what it held never run, so
// every heap block those objects owned is lost.
enum class StagedDestructors { kRun, kSkip };

struct IndexedBatch {
  DocId first_document = 0;
  std::size_t documents = 0;
  std::size_t deleted = 0;
};

IndexedBatch index_batch(const Batch& batch, SearchIndex& index, std::pmr::memory_resource* scratch,
                         StagedDestructors staged_destructors = StagedDestructors::kRun);

// The tokens of `text` after normalization: the rule indexing and queries share (text.h).
std::vector<std::string> tokenize(std::string_view text);

}  // namespace memsoak::workload

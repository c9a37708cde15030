#include "soak/workload/result_cache.h"

#include <functional>
#include <stdexcept>
#include <utility>

namespace memsoak::workload {

ResultCache::ResultCache(std::size_t slots, std::uint64_t max_age_batches)
    : max_age_batches_(max_age_batches), slots_(slots) {
  if (slots == 0) throw std::invalid_argument("a result cache needs at least one slot");
}

std::size_t ResultCache::slot_of(std::string_view query) const {
  return std::hash<std::string_view>{}(query) % slots_.size();
}

bool ResultCache::lookup(std::string_view query, std::uint64_t generation,
                         std::string& page) const {
  const std::lock_guard lock(mutex_);
  const Entry& entry = slots_[slot_of(query)];
  if (entry.query != query || !fresh(entry, generation)) return false;
  page = entry.page;
  return true;
}

void ResultCache::store(std::string_view query, std::string_view page, std::uint64_t generation) {
  // Built and destroyed outside the lock: only the swap is serialized.
  Entry entry{.query = std::string(query), .page = std::string(page), .generation = generation};
  const std::size_t slot = slot_of(query);
  const std::lock_guard lock(mutex_);
  std::swap(slots_[slot], entry);
}

std::size_t ResultCache::evict_stale(std::uint64_t generation) {
  std::vector<Entry> expired;
  {
    const std::lock_guard lock(mutex_);
    for (Entry& entry : slots_) {
      if (!entry.query.empty() && !fresh(entry, generation)) {
        expired.push_back(std::exchange(entry, Entry{}));
      }
    }
  }
  return expired.size();
}

std::size_t ResultCache::entries() const {
  const std::lock_guard lock(mutex_);
  std::size_t used = 0;
  for (const Entry& entry : slots_) used += !entry.query.empty();
  return used;
}

}  // namespace memsoak::workload

// The arena's slow paths: chunk management, destructor runs, rewinds and poisoning.
#include "harness/arena.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace memsoak {

Arena::Arena(ArenaOptions options) : options_(options) {
  if (options_.upstream == nullptr) {
    throw std::invalid_argument("ArenaOptions::upstream is null: pass a memory resource");
  }
  if (options_.first_chunk_bytes == 0) {
    throw std::invalid_argument("ArenaOptions::first_chunk_bytes is 0: it must be positive");
  }
  if (options_.max_chunk_bytes < options_.first_chunk_bytes) {
    throw std::invalid_argument(
        "ArenaOptions::max_chunk_bytes (" + std::to_string(options_.max_chunk_bytes) +
        ") is below first_chunk_bytes (" + std::to_string(options_.first_chunk_bytes) +
        "): raise the cap or lower the first chunk");
  }
}

Arena::~Arena() { release(); }

Arena::Arena(Arena&& other) noexcept : options_(other.options_) { swap(other); }

Arena& Arena::operator=(Arena&& other) noexcept {
  if (this != &other) {
    release();
    swap(other);
  }
  return *this;
}

void Arena::swap(Arena& other) noexcept {
  std::swap(options_, other.options_);
  std::swap(cursor_, other.cursor_);
  std::swap(end_, other.end_);
  std::swap(bytes_requested_, other.bytes_requested_);
  std::swap(chunks_, other.chunks_);
  std::swap(chunks_in_use_, other.chunks_in_use_);
  std::swap(capacity_bytes_, other.capacity_bytes_);
  std::swap(bytes_used_in_full_chunks_, other.bytes_used_in_full_chunks_);
  std::swap(destructors_, other.destructors_);
  std::swap(destructors_pending_, other.destructors_pending_);
  std::swap(high_water_bytes_, other.high_water_bytes_);
  std::swap(resets_, other.resets_);
  std::swap(upstream_allocations_, other.upstream_allocations_);
  std::swap(generation_, other.generation_);
}

void Arena::throw_bad_alignment(std::size_t align) {
  throw std::invalid_argument("Arena::allocate: alignment " + std::to_string(align) +
                              " is not a power of two; pass 1, 2, 4, 8, ...");
}

void* Arena::allocate_in_next_chunk(std::size_t bytes, std::size_t align) {
  if (!take_spare_chunk_that_fits(bytes, align)) {
    add_chunk_for(bytes, align);
  }
  enter_next_chunk();
  return hand_out(cursor_ + padding_before(cursor_, align), bytes);
}

// Reusing a kept chunk is what makes reset() cheaper than release(); spares have no live
// blocks and no mark refers to them, so their order is free to change.
bool Arena::take_spare_chunk_that_fits(std::size_t bytes, std::size_t align) {
  for (std::size_t index = chunks_in_use_; index < chunks_.size(); ++index) {
    const Chunk& spare = chunks_[index];
    const std::size_t padding = padding_before(spare.begin, align);
    if (padding <= spare.bytes && bytes <= spare.bytes - padding) {
      std::swap(chunks_[index], chunks_[chunks_in_use_]);
      return true;
    }
  }
  return false;
}

// Places a fresh chunk that fits the request at index chunks_in_use_.
void Arena::add_chunk_for(std::size_t bytes, std::size_t align) {
  const std::size_t worst_padding = align > kChunkAlignment ? align - kChunkAlignment : 0;
  if (bytes > SIZE_MAX - worst_padding) {
    throw std::bad_alloc();
  }
  Chunk chunk{nullptr, next_regular_chunk_bytes(), kChunkAlignment};
  if (bytes + worst_padding > chunk.bytes) {
    chunk = Chunk{nullptr, bytes, std::max(align, kChunkAlignment)};
  }
  chunks_.reserve(chunks_.size() + 1);  // so that nothing can throw once the chunk is ours
  chunk.begin = static_cast<std::byte*>(options_.upstream->allocate(chunk.bytes, chunk.alignment));
  poison_bytes(chunk.begin, chunk.bytes);
  ++upstream_allocations_;
  capacity_bytes_ += chunk.bytes;
  chunks_.push_back(chunk);
  std::swap(chunks_.back(), chunks_[chunks_in_use_]);
}

std::size_t Arena::next_regular_chunk_bytes() const {
  return std::clamp(capacity_bytes_, options_.first_chunk_bytes, options_.max_chunk_bytes);
}

void Arena::enter_next_chunk() {
  if (chunks_in_use_ > 0) {
    bytes_used_in_full_chunks_ +=
        static_cast<std::size_t>(cursor_ - chunks_[chunks_in_use_ - 1].begin);
  }
  const Chunk& next = chunks_[chunks_in_use_++];
  cursor_ = next.begin;
  end_ = usable_end(next);
}

std::byte* Arena::usable_end(const Chunk& chunk) {
  if constexpr (kArenaDefect == ArenaDefect::chunk_boundary_overlap) {
    // PLANTED DEFECT: the end is off by one, so the last block may cross it.
    return chunk.begin + chunk.bytes + 1;
  }
  return chunk.begin + chunk.bytes;
}

void Arena::run_destructors_until(const DestructorRecord* survivor) {
  while (destructors_ != survivor) {
    DestructorRecord* newest = destructors_;
    destructors_ = newest->older;
    --destructors_pending_;
    if constexpr (kArenaDefect != ArenaDefect::destructor_skipped) {  // else: PLANTED DEFECT
      newest->destroy(newest->object);
    }
  }
}

// Poisons every byte handed out since `mark` (whole chunks past the mark's chunk: their
// unused tails are poisoned already).
void Arena::poison_blocks_after(const Mark& mark) const {
  const std::size_t first = mark.chunks_in_use == 0 ? 0 : mark.chunks_in_use - 1;
  for (std::size_t index = first; index < chunks_in_use_; ++index) {
    const Chunk& chunk = chunks_[index];
    std::byte* from = index + 1 == mark.chunks_in_use ? mark.cursor : chunk.begin;
    poison_bytes(from, static_cast<std::size_t>(chunk.begin + chunk.bytes - from));
  }
}

void Arena::move_to(const Mark& mark) {
  chunks_in_use_ = mark.chunks_in_use;
  cursor_ = mark.cursor;
  end_ = chunks_in_use_ == 0 ? nullptr : usable_end(chunks_[chunks_in_use_ - 1]);
  bytes_used_in_full_chunks_ = mark.bytes_used_in_full_chunks;
  bytes_requested_ = mark.bytes_requested;
}

Arena::Mark Arena::mark() const {
  return Mark{chunks_in_use_,   cursor_,      bytes_used_in_full_chunks_,
              bytes_requested_, destructors_, destructors_pending_,
              generation_};
}

void Arena::rewind(const Mark& mark) {
  if (mark.generation != generation_) {
    return;  // a reset() or release() already freed everything the mark covers
  }
  note_high_water();
  run_destructors_until(mark.destructors);
  poison_blocks_after(mark);
  move_to(mark);
}

void Arena::reset() {
  note_high_water();
  run_destructors_until(nullptr);
  if constexpr (kArenaDefect != ArenaDefect::reset_no_poison) {  // else: PLANTED DEFECT
    poison_blocks_after(Mark{});
  }
  move_to(Mark{});
  ++resets_;
  ++generation_;
}

void Arena::release() {
  note_high_water();
  run_destructors_until(nullptr);
  move_to(Mark{});
  for (const Chunk& chunk : chunks_) {
    return_chunk(chunk);
  }
  chunks_.clear();
  ++generation_;
}

// Keeps spares in order while they fit under the cap: after a reset the first (small) chunks
// stay and the large chunks a rare huge batch left behind go back upstream.
void Arena::trim(std::size_t retain_bytes) {
  std::size_t retained_bytes = capacity_bytes_;
  for (std::size_t index = chunks_in_use_; index < chunks_.size(); ++index) {
    retained_bytes -= chunks_[index].bytes;
  }
  std::size_t kept = chunks_in_use_;
  for (std::size_t index = chunks_in_use_; index < chunks_.size(); ++index) {
    const Chunk spare = chunks_[index];
    if (retained_bytes + spare.bytes <= retain_bytes) {
      retained_bytes += spare.bytes;
      chunks_[kept++] = spare;
    } else {
      return_chunk(spare);
    }
  }
  chunks_.resize(kept);
}

void Arena::return_chunk(const Chunk& chunk) {
  unpoison_bytes(chunk.begin, chunk.bytes);  // the upstream may hand these bytes out again
  options_.upstream->deallocate(chunk.begin, chunk.bytes, chunk.alignment);
  capacity_bytes_ -= chunk.bytes;
}

void Arena::note_high_water() { high_water_bytes_ = std::max(high_water_bytes_, bytes_used()); }

std::size_t Arena::bytes_used() const {
  if (chunks_in_use_ == 0) {
    return 0;
  }
  return bytes_used_in_full_chunks_ +
         static_cast<std::size_t>(cursor_ - chunks_[chunks_in_use_ - 1].begin);
}

ArenaStats Arena::stats() const {
  const std::size_t used = bytes_used();
  return ArenaStats{
      .bytes_requested = bytes_requested_,
      .bytes_used = used,
      .capacity_bytes = capacity_bytes_,
      .chunks = chunks_.size(),
      .chunks_in_use = chunks_in_use_,
      .high_water_bytes = std::max(high_water_bytes_, used),
      .resets = resets_,
      .destructors_pending = destructors_pending_,
      .upstream_allocations = upstream_allocations_,
  };
}

}  // namespace memsoak

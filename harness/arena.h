// memsoak::Arena — a chunked bump arena (the C++ counterpart of bumpalo and LLVM's
// BumpPtrAllocator). Blocks are carved from chunks drawn from an upstream
// std::pmr::memory_resource; single blocks are never freed, only everything at once.
//
// Policies (each one is a decision a long-running service depends on):
//  - Growth: each new chunk is as large as all chunks held together (so capacity doubles),
//    at least first_chunk_bytes and at most max_chunk_bytes. A request that does not fit in
//    such a chunk gets a chunk of its own, sized exactly; the rest of the current chunk is
//    then left unused.
//  - Lifetimes: reset() frees every block and KEEPS the chunks for reuse, so capacity stays
//    at its high-water mark; trim(retain_bytes) returns the spare chunks beyond a cap;
//    release() (and the destructor) returns every chunk upstream. ArenaScope frees what was
//    allocated during its lifetime; scopes nest.
//  - Destructors: make<T> runs ~T() (newest first) when its block is freed by reset(),
//    release(), a scope's end or the arena's destruction, unless T is trivially
//    destructible. allocate_array<T> hands out raw storage and therefore refuses at compile
//    time any T whose destructor would be needed: a skipped destructor of an object owning
//    heap memory is a leak no arena statistic can see.
//  - Errors: an alignment that is not a power of two throws std::invalid_argument; upstream
//    exhaustion throws std::bad_alloc (from the upstream resource). A zero-byte request is
//    served as one byte, so every call returns a distinct non-null pointer.
//  - Under AddressSanitizer exactly the bytes handed out are addressable: alignment padding,
//    unused chunk tails and every freed block are poisoned, so a use after reset() or after a
//    scope's end is reported as "use-after-poison".
//  - Bookkeeping (the chunk list) lives on the global heap; only chunks come from upstream.
//  - Not thread-safe: one arena per thread, per query or per batch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include "harness/arena_defect.h"
#include "harness/asan_poison.h"

namespace memsoak {

struct ArenaOptions {
  std::size_t first_chunk_bytes = std::size_t{4} << 10;
  std::size_t max_chunk_bytes = std::size_t{1} << 20;  // caps growth, not request size
  std::pmr::memory_resource* upstream = std::pmr::new_delete_resource();
};

struct ArenaStats {
  std::size_t bytes_requested = 0;       // sizes asked for by the live blocks' callers
  std::size_t bytes_used = 0;            // bytes_requested + alignment padding + dtor records
  std::size_t capacity_bytes = 0;        // bytes of all chunks held, in use or spare
  std::size_t chunks = 0;                // chunks held, in use or spare
  std::size_t chunks_in_use = 0;         // chunks holding live blocks
  std::size_t high_water_bytes = 0;      // the largest bytes_used ever
  std::size_t resets = 0;                // reset() calls
  std::size_t destructors_pending = 0;   // registered by make<T>, not yet run
  std::size_t upstream_allocations = 0;  // chunks ever drawn from upstream
};

class Arena {
 public:
  explicit Arena(ArenaOptions options = {});
  ~Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  Arena(Arena&& other) noexcept;
  Arena& operator=(Arena&& other) noexcept;

  // `align` must be a power of two (any size: chunks are over-aligned on demand).
  void* allocate(std::size_t bytes, std::size_t align) {
    // Not std::has_single_bit: without -mpopcnt that is a call to libgcc's __popcountdi2,
    // which triples the cost of a call through ArenaResource (alignment not known at compile
    // time).
    if (align == 0 || (align & (align - 1)) != 0) [[unlikely]] {
      throw_bad_alignment(align);
    }
    return allocate_aligned(bytes, align);
  }

  // Constructs a T in the arena; its destructor runs when the arena frees the block.
  template <class T, class... Args>
  T* make(Args&&... args) {
    static_assert(std::is_nothrow_destructible_v<T>,
                  "Arena::make<T>: ~T() runs during reset() and must not throw");
    if constexpr (std::is_trivially_destructible_v<T>) {
      return ::new (allocate_aligned(sizeof(T), alignof(T))) T(std::forward<Args>(args)...);
    } else {
      // The record is taken first so that nothing can fail between constructing the object
      // and registering its destructor; a throwing constructor only wastes the two blocks.
      void* record = allocate_destructor_record();
      T* object = ::new (allocate_aligned(sizeof(T), alignof(T))) T(std::forward<Args>(args)...);
      register_destructor(record, object,
                          [](void* doomed) noexcept { static_cast<T*>(doomed)->~T(); });
      return object;
    }
  }

  // Uninitialised storage for `count` objects of T: only for T that need no destructor.
  template <class T>
  T* allocate_array(std::size_t count) {
    static_assert(std::is_trivially_destructible_v<T>,
                  "Arena::allocate_array<T>: T has a destructor that raw storage would never "
                  "run; construct each object with Arena::make<T>() instead");
    if (count > SIZE_MAX / sizeof(T)) {
      throw std::bad_array_new_length();
    }
    return static_cast<T*>(allocate_aligned(count * sizeof(T), alignof(T)));
  }

  // Runs pending destructors and frees every block; chunks are kept for reuse.
  void reset();
  // Runs pending destructors and returns every chunk upstream.
  void release();
  // Returns spare chunks (none of them holds live blocks) upstream until the capacity held is
  // at most retain_bytes or no spare is left; after reset() every chunk is spare.
  void trim(std::size_t retain_bytes);

  ArenaStats stats() const;

 private:
  friend class ArenaScope;

  struct Chunk {
    std::byte* begin;
    std::size_t bytes;
    std::size_t alignment;  // as requested from upstream, needed to give it back
  };

  struct DestructorRecord {
    void (*destroy)(void*) noexcept;
    void* object;
    DestructorRecord* older;
  };

  // Everything needed to return the arena to an earlier state; reset() returns to Mark{}.
  struct Mark {
    std::size_t chunks_in_use = 0;
    std::byte* cursor = nullptr;
    std::size_t bytes_used_in_full_chunks = 0;
    std::size_t bytes_requested = 0;
    DestructorRecord* destructors = nullptr;
    std::size_t destructors_pending = 0;
    std::size_t generation = 0;  // reset() and release() invalidate older marks
  };

  static constexpr std::size_t kChunkAlignment = alignof(std::max_align_t);

  // The hot path: a request that fits in the current chunk costs a few instructions.
  void* allocate_aligned(std::size_t bytes, std::size_t align) {
    bytes += static_cast<std::size_t>(bytes == 0);
    const std::size_t padding = padding_before(cursor_, align);
    const auto remaining = static_cast<std::size_t>(end_ - cursor_);
    if (bytes > remaining || padding > remaining - bytes) [[unlikely]] {
      return allocate_in_next_chunk(bytes, align);
    }
    return hand_out(cursor_ + padding, bytes);
  }

  static std::size_t padding_before(const std::byte* address, std::size_t align) {
    const auto value = reinterpret_cast<std::uintptr_t>(address);
    if constexpr (kArenaDefect == ArenaDefect::align_off_by_one) {
      // PLANTED DEFECT: rounds to one byte short of the aligned address.
      return (0 - value - 1) & (align - 1);
    }
    return (0 - value) & (align - 1);
  }

  void* hand_out(std::byte* block, std::size_t bytes) {
    cursor_ = block + bytes;
    bytes_requested_ += bytes;
    unpoison_bytes(block, bytes);
    return block;
  }

  // The record is the arena's overhead, not the caller's: it counts in bytes_used only.
  void* allocate_destructor_record() {
    void* record = allocate_aligned(sizeof(DestructorRecord), alignof(DestructorRecord));
    bytes_requested_ -= sizeof(DestructorRecord);
    return record;
  }

  [[noreturn]] static void throw_bad_alignment(std::size_t align);
  void* allocate_in_next_chunk(std::size_t bytes, std::size_t align);
  bool take_spare_chunk_that_fits(std::size_t bytes, std::size_t align);
  void add_chunk_for(std::size_t bytes, std::size_t align);
  std::size_t next_regular_chunk_bytes() const;
  void enter_next_chunk();
  static std::byte* usable_end(const Chunk& chunk);

  void register_destructor(void* record, void* object, void (*destroy)(void*) noexcept) {
    destructors_ = ::new (record) DestructorRecord{destroy, object, destructors_};
    ++destructors_pending_;
  }
  void run_destructors_until(const DestructorRecord* survivor);
  void poison_blocks_after(const Mark& mark) const;
  void move_to(const Mark& mark);
  void note_high_water();
  std::size_t bytes_used() const;
  void return_chunk(const Chunk& chunk);

  Mark mark() const;
  void rewind(const Mark& mark);
  void swap(Arena& other) noexcept;

  ArenaOptions options_;
  std::byte* cursor_ = nullptr;  // next free byte of the current chunk
  std::byte* end_ = nullptr;     // end of the current chunk
  std::size_t bytes_requested_ = 0;
  // Chunks [0, chunks_in_use_) hold live blocks (the last one is current); the rest are spare.
  std::vector<Chunk> chunks_;
  std::size_t chunks_in_use_ = 0;
  std::size_t capacity_bytes_ = 0;
  std::size_t bytes_used_in_full_chunks_ = 0;  // chunks in use before the current one
  DestructorRecord* destructors_ = nullptr;    // newest first
  std::size_t destructors_pending_ = 0;
  std::size_t high_water_bytes_ = 0;
  std::size_t resets_ = 0;
  std::size_t upstream_allocations_ = 0;
  std::size_t generation_ = 0;
};

// Frees, at the end of a C++ scope, every block allocated in the arena during the scope
// (running their destructors): per-query or per-batch scratch without an arena per unit.
// Scopes nest like the C++ scopes that hold them. A scope that outlives a reset() or
// release() of its arena frees nothing more. The arena must outlive the scope and must not
// be moved while the scope exists.
class ArenaScope {
 public:
  explicit ArenaScope(Arena& arena) : arena_(arena), mark_(arena.mark()) {}
  ~ArenaScope() { arena_.rewind(mark_); }
  ArenaScope(const ArenaScope&) = delete;
  ArenaScope& operator=(const ArenaScope&) = delete;

  Arena& arena() const { return arena_; }

 private:
  Arena& arena_;
  Arena::Mark mark_;
};

}  // namespace memsoak

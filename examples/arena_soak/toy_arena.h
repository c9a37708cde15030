// A request-scoped bump arena of this project's own: blocks come from 64 KiB chunks taken with
// malloc and are all given back by reset().
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

class ToyArena {
 public:
  ToyArena() = default;
  ToyArena(const ToyArena&) = delete;
  ToyArena& operator=(const ToyArena&) = delete;
  ~ToyArena() { reset(); }

  void* allocate(std::size_t bytes) {
    bytes = (bytes + 15) & ~std::size_t{15};
    if (chunks_.empty() || used_ + bytes > kChunkBytes) {
      void* chunk = std::malloc(bytes > kChunkBytes ? bytes : kChunkBytes);
      if (chunk == nullptr) throw std::bad_alloc();
      chunks_.push_back(chunk);
      used_ = 0;
    }
    void* block = static_cast<std::byte*>(chunks_.back()) + used_;
    used_ += bytes;
    return block;
  }

  void reset() {
    for (void* chunk : chunks_) std::free(chunk);
    chunks_.clear();
    used_ = 0;
  }

 private:
  static constexpr std::size_t kChunkBytes = 64 * 1024;
  std::vector<void*> chunks_;
  std::size_t used_ = 0;
};

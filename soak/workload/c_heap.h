// Where the engine's C-style modules (the stored-document text and the snippet builder) get
// their memory. process() is plain malloc/free: whichever allocator the process runs with,
// LD_PRELOADed or not. glibc_direct() binds glibc's own malloc/free through
// dlsym(dlopen("libc.so.6")), the way a statically linked C library keeps allocating from
// glibc while the rest of the process uses a preloaded allocator. (libmimalloc also exports
// __libc_malloc, so that name would not reach glibc.) Each heap counts its live bytes, so a
// report can say how much memory each allocator holds for the program.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

namespace memsoak::workload {

class CHeap {
 public:
  static const CHeap& process();
  // Throws std::runtime_error if libc.so.6 or its malloc/free cannot be found.
  static const CHeap& glibc_direct();

  CHeap(const CHeap&) = delete;
  CHeap& operator=(const CHeap&) = delete;

  // Never returns null: throws std::bad_alloc instead.
  void* allocate(std::size_t bytes) const;
  void release(void* block) const noexcept;

  std::string_view name() const { return name_; }
  std::int64_t live_bytes() const { return live_bytes_.load(std::memory_order_relaxed); }

 private:
  using MallocFunction = void* (*)(std::size_t);
  using FreeFunction = void (*)(void*);
  CHeap(std::string_view name, MallocFunction malloc_function, FreeFunction free_function);

  std::string_view name_;
  MallocFunction malloc_;
  FreeFunction free_;
  mutable std::atomic<std::int64_t> live_bytes_{0};
};

// One heap block, freed on destruction: how C++ code holds what a C module returns.
class CBuffer {
 public:
  CBuffer() = default;
  CBuffer(const CHeap& heap, std::size_t bytes)
      : heap_(&heap), data_(static_cast<char*>(heap.allocate(bytes))), size_(bytes) {}
  CBuffer(CBuffer&& other) noexcept
      : heap_(other.heap_),
        data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)) {}
  CBuffer& operator=(CBuffer&& other) noexcept {
    CBuffer moved(std::move(other));
    std::swap(heap_, moved.heap_);
    std::swap(data_, moved.data_);
    std::swap(size_, moved.size_);
    return *this;
  }
  ~CBuffer() {
    if (data_ != nullptr) heap_->release(data_);
  }

  char* data() { return data_; }
  std::string_view view() const { return {data_, size_}; }

 private:
  const CHeap* heap_ = nullptr;
  char* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace memsoak::workload

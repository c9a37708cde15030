// A std::pmr::memory_resource that forwards to an upstream and keeps a thread-safe count of
// the bytes it holds: given to arenas as their upstream, it tells how much memory a family
// of arenas (all query arenas, all batch arenas) holds at any moment, readable from any
// thread at the cost of one relaxed atomic add per chunk.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory_resource>

namespace memsoak::workload {

class CountingResource final : public std::pmr::memory_resource {
 public:
  explicit CountingResource(std::pmr::memory_resource* upstream = std::pmr::new_delete_resource())
      : upstream_(upstream) {}

  std::int64_t bytes_held() const { return bytes_held_.load(std::memory_order_relaxed); }

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    void* block = upstream_->allocate(bytes, alignment);
    bytes_held_.fetch_add(static_cast<std::int64_t>(bytes), std::memory_order_relaxed);
    return block;
  }
  void do_deallocate(void* block, std::size_t bytes, std::size_t alignment) override {
    bytes_held_.fetch_sub(static_cast<std::int64_t>(bytes), std::memory_order_relaxed);
    upstream_->deallocate(block, bytes, alignment);
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }

  std::pmr::memory_resource* upstream_;
  std::atomic<std::int64_t> bytes_held_{0};
};

}  // namespace memsoak::workload

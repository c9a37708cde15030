// A std::pmr::memory_resource for tests: forwards to new/delete and records every block it
// hands out, so a test can check exactly what an arena draws from and returns upstream.
// A deallocation of an unknown block or with the wrong size is reported as a test failure.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <map>
#include <memory_resource>
#include <vector>

namespace memsoak::testing {

class RecordingResource final : public std::pmr::memory_resource {
 public:
  std::size_t allocations() const { return allocations_; }
  std::size_t deallocations() const { return deallocations_; }
  std::size_t live_blocks() const { return live_.size(); }
  std::size_t live_bytes() const { return live_bytes_; }
  const std::vector<std::size_t>& allocation_sizes() const { return allocation_sizes_; }

  // True if [address, address + bytes) lies inside one live block.
  bool contains(const void* address, std::size_t bytes) const {
    const auto* begin = static_cast<const std::byte*>(address);
    auto after = live_.upper_bound(begin);
    if (after == live_.begin()) {
      return false;
    }
    const auto& [block, block_bytes] = *std::prev(after);
    return begin + bytes <= block + block_bytes;
  }

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    void* block = std::pmr::new_delete_resource()->allocate(bytes, alignment);
    live_.emplace(static_cast<const std::byte*>(block), bytes);
    ++allocations_;
    live_bytes_ += bytes;
    allocation_sizes_.push_back(bytes);
    return block;
  }

  void do_deallocate(void* block, std::size_t bytes, std::size_t alignment) override {
    const auto found = live_.find(static_cast<const std::byte*>(block));
    if (found == live_.end() || found->second != bytes) {
      ADD_FAILURE() << "deallocate(" << block << ", " << bytes << ") of a block not allocated here";
      return;
    }
    live_.erase(found);
    ++deallocations_;
    live_bytes_ -= bytes;
    std::pmr::new_delete_resource()->deallocate(block, bytes, alignment);
  }

  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }

  std::map<const std::byte*, std::size_t> live_;
  std::size_t allocations_ = 0;
  std::size_t deallocations_ = 0;
  std::size_t live_bytes_ = 0;
  std::vector<std::size_t> allocation_sizes_;
};

}  // namespace memsoak::testing

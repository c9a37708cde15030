// A std::pmr::memory_resource for the upstream side of the resources under test (the arena's
// chunks, the pmr pools' chunks): it hands out memory from new/delete and keeps its own list
// of what is outstanding (a fixed array: no allocation of its own), so a target knows the
// bounds of every chunk, checks that each comes back with exactly the size and alignment it
// was given, and can tell whether everything came back. It also serves as "plain heap
// allocation" for code that only frees everything at once (release_all).
#pragma once

#include <array>
#include <cstddef>
#include <memory_resource>

namespace memsoak::fuzz {

class TrackingResource final : public std::pmr::memory_resource {
 public:
  static constexpr std::size_t kMaxOutstanding = 1024;

  std::size_t outstanding() const { return count_; }
  std::size_t outstanding_bytes() const { return bytes_; }
  std::size_t allocations() const { return allocations_; }

  // Frees everything still outstanding: for users that never deallocate one by one.
  void release_all();

  // Whether [data, data + size) lies inside one outstanding allocation.
  bool contains(const std::byte* data, std::size_t size) const;

 private:
  struct Allocation {
    std::byte* data;
    std::size_t bytes;
    std::size_t alignment;
  };

  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  void do_deallocate(void* data, std::size_t bytes, std::size_t alignment) override;
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }

  // Entries at and past count_ are never read: left uninitialized, so a resource per input
  // (or per parse) costs nothing to set up.
  std::array<Allocation, kMaxOutstanding> allocations_list_;
  std::size_t count_ = 0;
  std::size_t bytes_ = 0;
  std::size_t allocations_ = 0;
};

}  // namespace memsoak::fuzz

#include "fuzz/tracking_resource.h"

#include "fuzz/oracle.h"

namespace memsoak::fuzz {

bool TrackingResource::contains(const std::byte* data, std::size_t size) const {
  for (std::size_t i = 0; i < count_; ++i) {
    const Allocation& allocation = allocations_list_[i];
    if (data >= allocation.data && data + size <= allocation.data + allocation.bytes) return true;
  }
  return false;
}

void TrackingResource::release_all() {
  while (count_ > 0) {
    const Allocation& last = allocations_list_[count_ - 1];
    do_deallocate(last.data, last.bytes, last.alignment);
  }
}

void* TrackingResource::do_allocate(std::size_t bytes, std::size_t alignment) {
  expect(count_ < kMaxOutstanding, "more than %zu upstream allocations outstanding",
         kMaxOutstanding);
  void* data = std::pmr::new_delete_resource()->allocate(bytes, alignment);
  allocations_list_[count_++] = Allocation{static_cast<std::byte*>(data), bytes, alignment};
  bytes_ += bytes;
  ++allocations_;
  return data;
}

void TrackingResource::do_deallocate(void* data, std::size_t bytes, std::size_t alignment) {
  for (std::size_t i = 0; i < count_; ++i) {
    Allocation& allocation = allocations_list_[i];
    if (allocation.data != data) continue;
    expect(allocation.bytes == bytes && allocation.alignment == alignment,
           "%p of %zu bytes (alignment %zu) returned upstream as %zu bytes (alignment %zu)", data,
           allocation.bytes, allocation.alignment, bytes, alignment);
    bytes_ -= bytes;
    allocation = allocations_list_[--count_];
    std::pmr::new_delete_resource()->deallocate(data, bytes, alignment);
    return;
  }
  fail("%p returned upstream, which is not outstanding", data);
}

}  // namespace memsoak::fuzz

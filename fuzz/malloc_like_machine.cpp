#include "fuzz/malloc_like_machine.h"

#include <algorithm>

namespace memsoak::fuzz {
namespace {

// A huge block (over kCommonSizeMaxBytes) costs ASan an mmap, a shadow memset and a page fault
// per page it touches. The corpus keeps inputs that reach huge sizes and libFuzzer splices them
// into others, so rare encodings alone would let huge blocks dominate every input; every huge
// size stays reachable, within this much per input.
constexpr std::size_t kMaxHugeBytesPerInput = std::size_t{1} << 20;

SlackPoisoning poisoning_for(const MallocLike& allocator) {
  return allocator.usable_size ? SlackPoisoning::kOn : SlackPoisoning::kOff;
}

}  // namespace

MallocLikeMachine::MallocLikeMachine(const MallocLike& allocator)
    : allocator_(allocator), model_(poisoning_for(allocator)) {
  expect(allocator.allocate && allocator.deallocate,
         "a MallocLike needs allocate and deallocate callables");
}

void MallocLikeMachine::execute(const Op& op) {
  switch (static_cast<KitOp>(op.code)) {
    case KitOp::kAllocate:
      allocate(op.slot(0), op.bytes(1), op.bytes(2));
      break;
    case KitOp::kAllocateZeroed:
      allocate_zeroed(op.slot(0), op.bytes(1));
      break;
    case KitOp::kReallocate:
      reallocate(op.slot(0), op.bytes(1));
      break;
    case KitOp::kDeallocate:
      deallocate(op.slot(0), op.args[1] % 2 == 1);
      break;
    default:
      check();
      break;
  }
}

void MallocLikeMachine::teardown() {
  for (std::size_t slot = 0; slot < kSlotCount; ++slot) deallocate(slot, slot % 2 == 1);
  check_bytes_in_use();
}

void MallocLikeMachine::allocate(std::size_t slot, std::size_t size, std::size_t alignment) {
  alignment = std::min(alignment, allocator_.guarantees.max_alignment);
  allocate_with(slot, size, alignment, false, [&] { return allocator_.allocate(size, alignment); });
}

void MallocLikeMachine::allocate_zeroed(std::size_t slot, std::size_t size) {
  if (!allocator_.allocate_zeroed) {
    allocate(slot, size, 1);
    return;
  }
  allocate_with(slot, size, 1, true, [&] { return allocator_.allocate_zeroed(size); });
}

// A resize keeps the block's canary seed, so the kept prefix must still read as its canary.
void MallocLikeMachine::reallocate(std::size_t slot, std::size_t size) {
  if (!allocator_.reallocate) {
    allocate(slot, size, 1);
    return;
  }
  if (!model_.live(slot)) {
    allocate_with(slot, size, 1, false, [&] { return allocator_.reallocate(nullptr, 0, size); });
    return;
  }
  if (!take_allowance(size, model_[slot].requested_bytes)) return;
  const Block old = model_.release(slot);
  void* data = allocator_.reallocate(old.data, old.requested_bytes, size);
  if (size == 0 && data == nullptr && allocator_.guarantees.realloc_to_zero_frees) {
    check_bytes_in_use();
    return;
  }
  expect(data != nullptr, "reallocate to %zu bytes returned null", size);
  adopt(slot, data, size, 1, Expect{.resized_from_bytes = old.requested_bytes}, old.seed);
}

void MallocLikeMachine::deallocate(std::size_t slot, bool usable) {
  if (!model_.live(slot)) return;
  const Block block = model_.release(slot);
  const bool pass_usable = usable && allocator_.guarantees.sized_free_takes_usable_size;
  allocator_.deallocate(block.data, pass_usable ? block.usable_bytes : block.requested_bytes,
                        block.alignment);
}

void MallocLikeMachine::check() const {
  model_.check_all();
  check_bytes_in_use();
}

void MallocLikeMachine::forget_all() {
  for (std::size_t slot = 0; slot < kSlotCount; ++slot) {
    if (model_.live(slot)) model_.release(slot);
  }
}

bool MallocLikeMachine::take_allowance(std::size_t size, std::size_t freed_bytes) {
  if (!within_budget(model_.live_requested_bytes() - freed_bytes, size)) return false;
  if (size <= kCommonSizeMaxBytes) return true;
  if (size > kMaxHugeBytesPerInput - huge_bytes_) return false;
  huge_bytes_ += size;
  return true;
}

void MallocLikeMachine::adopt(std::size_t slot, void* data, std::size_t size, std::size_t alignment,
                              const Expect& expectation, std::uint64_t seed) {
  Block block;
  block.data = static_cast<std::byte*>(data);
  block.requested_bytes = size;
  block.alignment = alignment;
  block.seed = seed != 0 ? seed : model_.next_seed();
  const std::size_t promised = std::max(alignment, allocator_.guarantees.min_alignment);
  const auto address = reinterpret_cast<std::uintptr_t>(data);
  if (address % promised != 0) {
    expect(
        allocator_.tolerate_misalignment && allocator_.tolerate_misalignment(data, size, promised),
        "block %p (%zu bytes) is not aligned to %zu bytes", data, size, promised);
    block.alignment = address & ~(address - 1);  // what it really has
  }
  expect(!allocator_.owns || allocator_.owns(data, size),
         "block %p (+%zu) is not inside memory the allocator owns", data, size);
  // Asked only of a block that passed the checks above: a stray pointer may crash the query.
  block.usable_bytes = allocator_.usable_size ? allocator_.usable_size(data) : size;
  model_.adopt(slot, block, expectation);
  check_bytes_in_use();
}

void MallocLikeMachine::check_bytes_in_use() const {
  if (!allocator_.bytes_in_use) return;
  const std::size_t counted = allocator_.bytes_in_use();
  if (allocator_.guarantees.bytes_in_use_exact) {
    std::size_t live_bytes = 0;
    model_.for_each_live([&](std::size_t, const Block& block) {
      live_bytes += std::max<std::size_t>(block.requested_bytes, 1);
    });
    expect(counted == live_bytes, "the allocator counts %zu bytes in use, the live blocks hold %zu",
           counted, live_bytes);
    return;
  }
  const std::size_t live_bytes = model_.live_requested_bytes();
  expect(counted >= live_bytes,
         "the allocator counts %zu bytes in use, fewer than the %zu bytes of live blocks", counted,
         live_bytes);
}

}  // namespace memsoak::fuzz

// The fuzz kit's entry points (include/memsoak/fuzz.h): its operation table, the adaptor for
// memory resources, and one input's run.
#include <memory_resource>
#include <string>

#include "fuzz/malloc_like_machine.h"
#include "fuzz/run.h"

namespace memsoak::fuzz {
namespace {

// Indexed by KitOp (fuzz/malloc_like_machine.h).
constexpr OpSpec kOps[] = {
    {"allocate",
     {{{"slot", ArgKind::kSlot}, {"size", ArgKind::kSizeRareHuge}, {"align", ArgKind::kAlign}}},
     3},
    {"allocate_zeroed", {{{"slot", ArgKind::kSlot}, {"size", ArgKind::kSizeRareHuge}}}, 2},
    {"reallocate", {{{"slot", ArgKind::kSlot}, {"size", ArgKind::kSizeRareHuge}}}, 2},
    {"deallocate", {{{"slot", ArgKind::kSlot}, {"usable_size", ArgKind::kByte}}}, 2},
    {"check", {}, 0},
};

}  // namespace

const OpTable& malloc_like_table(std::string_view target) {
  static const std::string name(target);  // a binary defines one target
  static const OpTable table{name, kOps};
  return table;
}

MallocLike malloc_like(std::pmr::memory_resource& resource) {
  MallocLike allocator;
  allocator.allocate = [&resource](std::size_t bytes, std::size_t alignment) {
    return resource.allocate(bytes, alignment);
  };
  allocator.deallocate = [&resource](void* block, std::size_t bytes, std::size_t alignment) {
    resource.deallocate(block, bytes, alignment);
  };
  return allocator;
}

int run_malloc_like(const MallocLike& allocator, std::span<const std::uint8_t> input) {
  MallocLikeMachine machine(allocator);
  return run_program(target_op_table(), input, machine);
}

}  // namespace memsoak::fuzz

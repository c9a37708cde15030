// The fuzz kit's machine (include/memsoak/fuzz.h): the slots of one program over a MallocLike
// allocator, every block through the shadow model. Targets of the kit run its own operation
// table through execute(); built-in targets with tables of their own (system, pmr) call the
// operations directly, allocate_with() for entry points beyond MallocLike::allocate.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fuzz/limits.h"
#include "fuzz/oracle.h"
#include "fuzz/program.h"
#include "fuzz/shadow.h"
#include "memsoak/fuzz.h"

namespace memsoak::fuzz {

// The operations of the kit's table (malloc_like_table), by opcode.
enum class KitOp : std::uint8_t { kAllocate, kAllocateZeroed, kReallocate, kDeallocate, kCheck };

class MallocLikeMachine {
 public:
  // `allocator` must outlive the machine.
  explicit MallocLikeMachine(const MallocLike& allocator);
  MallocLikeMachine(const MallocLikeMachine&) = delete;
  MallocLikeMachine& operator=(const MallocLikeMachine&) = delete;

  void execute(const Op& op);  // an operation of the kit's table (malloc_like_table)
  void teardown();             // frees every block, then checks the allocator's count

  void allocate(std::size_t slot, std::size_t size, std::size_t alignment);
  void allocate_zeroed(std::size_t slot, std::size_t size);
  void reallocate(std::size_t slot, std::size_t size);
  // Frees the block in `slot` (if any), with its usable size as the size when `usable` and the
  // allocator accepts that.
  void deallocate(std::size_t slot, bool usable = false);
  void check() const;
  // Forgets every block without freeing it: the allocator gave all of them back at once.
  void forget_all();

  // Allocates with `call()`, which must return a block of `size` bytes aligned to `alignment`
  // (zeroed if `zeroed`), freed later by MallocLike::deallocate.
  template <typename Call>
  void allocate_with(std::size_t slot, std::size_t size, std::size_t alignment, bool zeroed,
                     Call&& call) {
    deallocate(slot);
    if (!take_allowance(size, 0)) return;
    void* data = call();
    expect(data != nullptr, "the allocator returned null for %zu bytes", size);
    adopt(slot, data, size, alignment, zeroed ? Expect{.zero_from_bytes = 0} : Expect{}, 0);
  }

  const ShadowModel& model() const { return model_; }

 private:
  bool take_allowance(std::size_t size, std::size_t freed_bytes);
  void adopt(std::size_t slot, void* data, std::size_t size, std::size_t alignment,
             const Expect& expectation, std::uint64_t seed);
  void check_bytes_in_use() const;

  const MallocLike& allocator_;
  ShadowModel model_;
  std::size_t huge_bytes_ = 0;  // allocated in huge blocks by this input so far
};

}  // namespace memsoak::fuzz

// The fuzz kit (include/memsoak/fuzz.h) as a user's target runs it: a sound allocator passes
// any program, and each broken promise is caught and named, with the operation that broke it.
#include <gtest/gtest.h>
#include <malloc.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <memory_resource>
#include <random>
#include <string_view>
#include <vector>

#include "fuzz/program.h"
#include "memsoak/fuzz.h"

const memsoak::fuzz::OpTable& memsoak::fuzz::target_op_table() {
  return malloc_like_table("kit_test");
}

namespace memsoak::fuzz {
namespace {

MallocLike sound_malloc() {
  MallocLike allocator;
  allocator.allocate = [](std::size_t bytes, std::size_t alignment) {
    return std::aligned_alloc(alignment, (bytes + alignment - 1) / alignment * alignment);
  };
  allocator.deallocate = [](void* block, std::size_t, std::size_t) { std::free(block); };
  allocator.reallocate = [](void* block, std::size_t, std::size_t bytes) {
    return std::realloc(block, bytes);
  };
  allocator.allocate_zeroed = [](std::size_t bytes) { return std::calloc(1, bytes); };
  allocator.usable_size = [](void* block) { return malloc_usable_size(block); };
  allocator.guarantees.min_alignment = alignof(std::max_align_t);
  allocator.guarantees.realloc_to_zero_frees = true;
  return allocator;
}

void run(const MallocLike& allocator, std::string_view program) {
  const std::vector<std::uint8_t> input = assemble_program(target_op_table(), program);
  run_malloc_like(allocator, input);
}

TEST(FuzzKit, ASoundAllocatorPassesRandomPrograms) {
  const MallocLike allocator = sound_malloc();
  std::mt19937 random(7);
  std::vector<std::uint8_t> input(512);
  for (int program = 0; program < 500; ++program) {
    for (std::uint8_t& byte : input) byte = static_cast<std::uint8_t>(random());
    EXPECT_EQ(run_malloc_like(allocator, input), 0);
  }
}

TEST(FuzzKit, AMemoryResourcePassesAndGetsEverySizeAndAlignmentBack) {
  std::pmr::unsynchronized_pool_resource pool;
  run(malloc_like(pool), "allocate 0 48 16\nallocate 1 4000 64\nreallocate 0 100\ncheck\n");
}

TEST(FuzzKitDeathTest, ABlockAlignedLessThanPromisedIsNamed) {
  MallocLike allocator = sound_malloc();
  allocator.allocate = [](std::size_t bytes, std::size_t) {
    auto* block = static_cast<std::byte*>(std::malloc(bytes + 16));  // never freed: it aborts
    return block + 8;
  };
  allocator.usable_size = nullptr;
  EXPECT_DEATH(run(allocator, "allocate 0 64 1\n"),
               "not aligned to 16 bytes\nmemsoak-fuzz: in target kit_test, operation #0 at byte 0: "
               "allocate slot=0 size=64 align=1");
}

TEST(FuzzKitDeathTest, OverlappingBlocksAreNamed) {
  static std::array<std::byte, 4096> one_buffer;
  MallocLike allocator = sound_malloc();
  allocator.allocate = [](std::size_t, std::size_t) { return one_buffer.data(); };
  allocator.deallocate = [](void*, std::size_t, std::size_t) {};
  allocator.usable_size = nullptr;
  allocator.guarantees.min_alignment = 1;
  EXPECT_DEATH(run(allocator, "allocate 0 64 1\nallocate 1 64 1\n"), "overlaps live block");
}

TEST(FuzzKitDeathTest, AResizeThatLosesTheContentsIsNamed) {
  MallocLike allocator = sound_malloc();
  allocator.reallocate = [](void* block, std::size_t, std::size_t bytes) {
    std::free(block);
    return std::calloc(1, bytes);
  };
  EXPECT_DEATH(run(allocator, "allocate 0 64 1\nreallocate 0 200\n"), "lost its contents");
}

TEST(FuzzKitDeathTest, AZeroedBlockThatIsNotZeroIsNamed) {
  MallocLike allocator = sound_malloc();
  allocator.allocate_zeroed = [](std::size_t bytes) {
    return std::memset(std::malloc(bytes), 0xAB, bytes);
  };
  EXPECT_DEATH(run(allocator, "allocate_zeroed 0 64\n"), "has a non-zero byte at offset 0");
}

TEST(FuzzKitDeathTest, ACountOfBytesInUseThatMissesFreesIsNamed) {
  static std::size_t counted = 0;
  MallocLike allocator = sound_malloc();
  allocator.allocate = [](std::size_t bytes, std::size_t) {
    counted += bytes;
    return std::malloc(bytes);
  };
  allocator.bytes_in_use = [] { return counted; };
  allocator.guarantees.bytes_in_use_exact = true;
  EXPECT_DEATH(run(allocator, "allocate 0 64 1\ndeallocate 0 0\ncheck\n"),
               "counts 64 bytes in use, the live blocks hold 0");
}

TEST(FuzzKitDeathTest, ABlockOutsideTheAllocatorsMemoryIsNamed) {
  MallocLike allocator = sound_malloc();
  allocator.owns = [](void*, std::size_t) { return false; };
  EXPECT_DEATH(run(allocator, "allocate 0 64 1\n"), "not inside memory the allocator owns");
}

TEST(FuzzKitDeathTest, AMisalignmentToleratedAsAKnownBugIsNotAFailure) {
  MallocLike allocator = sound_malloc();
  allocator.allocate = [](std::size_t bytes, std::size_t) {  // 16 past a multiple of 64
    return static_cast<std::byte*>(std::aligned_alloc(64, 64 + (bytes + 63) / 64 * 64)) + 16;
  };
  allocator.deallocate = [](void* block, std::size_t, std::size_t) {
    std::free(static_cast<std::byte*>(block) - 16);
  };
  allocator.usable_size = nullptr;
  allocator.tolerate_misalignment = [](void*, std::size_t, std::size_t alignment) {
    return alignment == 4096;
  };
  run(allocator, "allocate 0 64 4096\ndeallocate 0 0\n");
  EXPECT_DEATH(run(allocator, "allocate 0 64 1024\n"), "not aligned to 1024 bytes");
}

TEST(FuzzKit, SizedFreeGetsTheUsableSizeOnlyWhenPromised) {
  static std::vector<std::size_t> freed_sizes;
  MallocLike allocator = sound_malloc();
  allocator.allocate = [](std::size_t bytes, std::size_t) {
    return std::malloc(std::max<std::size_t>(bytes, 32));
  };
  allocator.deallocate = [](void* block, std::size_t bytes, std::size_t) {
    freed_sizes.push_back(bytes);
    std::free(block);
  };
  run(allocator, "allocate 0 20 1\ndeallocate 0 1\n");
  allocator.guarantees.sized_free_takes_usable_size = true;
  run(allocator, "allocate 0 20 1\ndeallocate 0 1\n");
  ASSERT_EQ(freed_sizes.size(), 2U);
  EXPECT_EQ(freed_sizes[0], 20U);
  EXPECT_GE(freed_sizes[1], 32U);
}

}  // namespace
}  // namespace memsoak::fuzz

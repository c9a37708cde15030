// The structure-aware mutator (fuzz/mutator.cpp, memsoak/fuzz.h): whatever it is given, it
// returns whole operations the decoder reads to the last byte, within max_size, and it draws
// sizes from the boundaries allocators care about.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <set>
#include <span>
#include <vector>

#include "fuzz/program.h"
#include "memsoak/fuzz.h"

namespace memsoak::fuzz {
namespace {

constexpr std::array<OpSpec, 4> kOps{{
    {"malloc", {{{"slot", ArgKind::kSlot}, {"size", ArgKind::kSize}}}, 2},
    {"aligned",
     {{{"slot", ArgKind::kSlot}, {"size", ArgKind::kSizeRareHuge}, {"align", ArgKind::kAlign}}},
     3},
    {"tag", {{{"slot", ArgKind::kSlot}, {"text", ArgKind::kText}, {"flags", ArgKind::kByte}}}, 3},
    {"free_all", {}, 0},
}};
constexpr OpTable kTable{"mutator-test", kOps};

// The bytes the decoder reads as whole operations.
std::size_t decoded_bytes(std::span<const std::uint8_t> input, std::size_t* ops = nullptr) {
  ProgramReader reader(kTable, input);
  Op op;
  std::size_t count = 0;
  while (reader.next(op)) ++count;
  if (ops != nullptr) *ops = count;
  return count == 0 ? 0 : reader.position();
}

std::vector<std::uint8_t> random_bytes(std::mt19937& random, std::size_t size) {
  std::vector<std::uint8_t> bytes(size);
  for (std::uint8_t& byte : bytes) byte = static_cast<std::uint8_t>(random());
  return bytes;
}

TEST(ProgramMutator, EveryOutputIsWholeOperationsWithinMaxSize) {
  std::mt19937 random(7);
  std::vector<std::uint8_t> input;
  for (unsigned seed = 0; seed < 20'000; ++seed) {
    if (seed % 100 == 0) input = random_bytes(random, random() % 64);  // start over sometimes
    const std::size_t max_size = 16 + random() % 200;
    std::vector<std::uint8_t> buffer = input;
    buffer.resize(std::max(input.size(), max_size));
    const std::size_t size =
        mutate_program(kTable, buffer.data(), std::min(input.size(), max_size), max_size, seed);
    ASSERT_LE(size, max_size);
    input.assign(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(size));
    std::size_t ops = 0;
    ASSERT_EQ(decoded_bytes(input, &ops), size) << "seed " << seed;
    ASSERT_LE(ops, kMaxOpsPerInput);
  }
}

TEST(ProgramMutator, CrossOverJoinsWholeOperationsOfBoth) {
  std::mt19937 random(11);
  for (unsigned seed = 0; seed < 5'000; ++seed) {
    std::vector<std::uint8_t> first = random_bytes(random, random() % 80);
    std::vector<std::uint8_t> second = random_bytes(random, random() % 80);
    std::vector<std::uint8_t> out(128);
    const std::size_t size = cross_over_programs(kTable, first.data(), first.size(), second.data(),
                                                 second.size(), out.data(), out.size(), seed);
    out.resize(size);
    ASSERT_EQ(decoded_bytes(out), size) << "seed " << seed;
  }
}

TEST(ProgramMutator, AnEmptyInputGrowsOneOperation) {
  std::vector<std::uint8_t> input(64);
  const std::size_t size = mutate_program(kTable, input.data(), 0, input.size(), 3);
  std::size_t ops = 0;
  EXPECT_EQ(decoded_bytes(std::span(input.data(), size), &ops), size);
  EXPECT_EQ(ops, 1U);
}

TEST(ProgramMutator, DrawsSizesFromAllocatorBoundaries) {
  std::set<std::size_t> sizes;
  for (unsigned seed = 0; seed < 4'000; ++seed) {
    std::vector<std::uint8_t> input(8);
    const std::size_t size = mutate_program(kTable, input.data(), 0, input.size(), seed);
    ProgramReader reader(kTable, std::span(input.data(), size));
    Op op;
    while (reader.next(op)) {
      if (op.code <= 1) sizes.insert(op.bytes(1));
    }
  }
  for (const std::size_t boundary : {0UL, 16UL, 255UL, 256UL, 257UL, 4096UL, 32768UL, 1048576UL}) {
    EXPECT_TRUE(sizes.contains(boundary)) << boundary;
  }
}

}  // namespace
}  // namespace memsoak::fuzz

#include "fuzz/shadow.h"

#include <sanitizer/asan_interface.h>

#include <algorithm>

#include "fuzz/canary.h"
#include "fuzz/oracle.h"

namespace memsoak::fuzz {
namespace {

std::uintptr_t address(const std::byte* data) { return reinterpret_cast<std::uintptr_t>(data); }

bool overlap(const Block& a, const Block& b) {
  return address(a.data) < address(b.data) + b.usable_bytes &&
         address(b.data) < address(a.data) + a.usable_bytes;
}

}  // namespace

std::size_t ShadowModel::live_count() const {
  std::size_t count = 0;
  for_each_live([&](std::size_t, const Block&) { ++count; });
  return count;
}

std::size_t ShadowModel::live_requested_bytes() const {
  std::size_t bytes = 0;
  for_each_live([&](std::size_t, const Block& block) { bytes += block.requested_bytes; });
  return bytes;
}

void ShadowModel::check_fresh(std::size_t slot, const Block& block,
                              const Expect& expectation) const {
  expect(!blocks_[slot].live(), "harness bug: slot %zu is already live", slot);
  expect(address(block.data) % block.alignment == 0, "block %p is not aligned to %zu bytes",
         static_cast<void*>(block.data), block.alignment);
  expect(block.usable_bytes >= block.requested_bytes,
         "usable size %zu of block %p is less than the %zu bytes requested", block.usable_bytes,
         static_cast<void*>(block.data), block.requested_bytes);
  for_each_live([&](std::size_t other_slot, const Block& other) {
    expect(!overlap(block, other),
           "block %p (+%zu, slot %zu) overlaps live block %p (+%zu, slot %zu)",
           static_cast<void*>(block.data), block.usable_bytes, slot, static_cast<void*>(other.data),
           other.usable_bytes, other_slot);
  });
  if (expectation.zero_from_bytes < block.requested_bytes) {
    const std::size_t nonzero = find_nonzero(block.data, block.requested_bytes,
                                             expectation.zero_from_bytes, block.requested_bytes);
    expect(nonzero == kNoMismatch, "zeroed block %p (%zu bytes) has a non-zero byte at offset %zu",
           static_cast<void*>(block.data), block.requested_bytes, nonzero);
  }
}

void ShadowModel::adopt(std::size_t slot, const Block& block, const Expect& expectation) {
  check_fresh(slot, block, expectation);
  const std::size_t kept_bytes = std::min(expectation.resized_from_bytes, block.requested_bytes);
  const std::size_t mismatch =
      find_canary_mismatch(block.data, expectation.resized_from_bytes, block.seed, 0, kept_bytes);
  expect(mismatch == kNoMismatch,
         "resized block %p lost its contents: byte %zu of the %zu kept bytes differs",
         static_cast<void*>(block.data), mismatch, kept_bytes);
  fill_canary(block.data, block.requested_bytes, block.seed);
  if (poisoning_ == SlackPoisoning::kOn) {
    ASAN_POISON_MEMORY_REGION(block.data + block.requested_bytes,
                              block.usable_bytes - block.requested_bytes);
  }
  blocks_[slot] = block;
}

void ShadowModel::check_intact(const Block& block) const {
  const std::size_t mismatch =
      find_canary_mismatch(block.data, block.requested_bytes, block.seed, 0, block.requested_bytes);
  expect(mismatch == kNoMismatch, "block %p (%zu bytes) was overwritten at offset %zu",
         static_cast<void*>(block.data), block.requested_bytes, mismatch);
}

Block ShadowModel::release(std::size_t slot) {
  const Block block = blocks_[slot];
  expect(block.live(), "harness bug: slot %zu is empty", slot);
  check_intact(block);
  if (poisoning_ == SlackPoisoning::kOn) {
    ASAN_UNPOISON_MEMORY_REGION(block.data + block.requested_bytes,
                                block.usable_bytes - block.requested_bytes);
  }
  blocks_[slot] = Block{};
  return block;
}

void ShadowModel::check_all() const {
  for_each_live([&](std::size_t, const Block& block) { check_intact(block); });
}

}  // namespace memsoak::fuzz

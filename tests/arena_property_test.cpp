// Randomized property tests: a seeded sequence of allocations, objects, nested scopes,
// resets, trims and releases runs against the arena and a simple model of what must be
// live; after every step the arena's statistics must match the model, and regularly every
// live block is checked for alignment, containment in an upstream chunk, overlap and content.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <deque>
#include <random>
#include <vector>

#include "harness/arena.h"
#include "tests/support/recording_resource.h"

namespace memsoak {
namespace {

using testing::RecordingResource;

// An arena object whose destruction the model can count.
struct Counted {
  explicit Counted(std::size_t& destroyed) : destroyed(destroyed) {}
  Counted(const Counted&) = delete;
  Counted& operator=(const Counted&) = delete;
  ~Counted() { ++destroyed; }
  std::size_t& destroyed;
};

struct LiveBlock {
  const std::byte* address;
  std::size_t bytes;
  std::size_t align;
  std::byte fill;       // every byte of a raw block holds it
  bool counted_object;  // a Counted made with make<>, checked through its reference instead
};

// What the model must restore when the scope ends (the scope itself rewinds the arena).
struct ScopeModel {
  std::size_t live_blocks;
  std::size_t bytes_requested;
  std::size_t bytes_used;
  std::size_t generation;
};

struct OpenScope {
  OpenScope(Arena& arena, const ScopeModel& model) : scope(arena), model(model) {}
  ArenaScope scope;
  ScopeModel model;
};

class ArenaModel {
 public:
  explicit ArenaModel(std::uint64_t seed)
      : random_(seed),
        arena_(ArenaOptions{.first_chunk_bytes = std::size_t{256} << (seed % 6),
                            .max_chunk_bytes = std::size_t{16} << 10,
                            .upstream = &upstream_}) {}

  void step() {
    const int dice = pick(0, 999);
    if (dice < 650) {
      allocate();
    } else if (dice < 750) {
      make_counted();
    } else if (dice < 860) {
      open_scope();
    } else if (dice < 985) {
      close_scope();
    } else if (dice < 993) {
      reset();
    } else if (dice < 998) {
      trim();
    } else {
      release();
    }
  }

  void close_all_scopes() {
    while (!scopes_.empty()) {
      close_scope();
    }
  }

  void check_statistics() {
    const ArenaStats stats = arena_.stats();
    ASSERT_EQ(stats.bytes_requested, bytes_requested_);
    ASSERT_GE(stats.bytes_used, bytes_requested_);
    ASSERT_EQ(stats.destructors_pending, live_counted_);
    ASSERT_EQ(destroyed_, expected_destroyed_);
    ASSERT_EQ(stats.resets, resets_);
    ASSERT_EQ(stats.capacity_bytes, upstream_.live_bytes());
    ASSERT_EQ(stats.chunks, upstream_.live_blocks());
    ASSERT_LE(stats.chunks_in_use, stats.chunks);
    ASSERT_EQ(stats.upstream_allocations, upstream_.allocations());
    highest_bytes_used_ = std::max(highest_bytes_used_, stats.bytes_used);
    ASSERT_EQ(stats.high_water_bytes, highest_bytes_used_);
  }

  void check_blocks() const {
    std::vector<LiveBlock> by_address = blocks_;
    std::sort(by_address.begin(), by_address.end(),
              [](const LiveBlock& a, const LiveBlock& b) { return a.address < b.address; });
    for (std::size_t index = 0; index < by_address.size(); ++index) {
      const LiveBlock& block = by_address[index];
      ASSERT_EQ(reinterpret_cast<std::uintptr_t>(block.address) % block.align, 0U);
      ASSERT_TRUE(upstream_.contains(block.address, block.bytes));
      if (index + 1 < by_address.size()) {
        ASSERT_LE(block.address + block.bytes, by_address[index + 1].address) << "overlap";
      }
      ASSERT_TRUE(holds_its_content(block));
    }
  }

 private:
  int pick(int low, int high) { return std::uniform_int_distribution<int>(low, high)(random_); }

  std::size_t random_bytes() {
    const int dice = pick(0, 99);
    if (dice < 5) {
      return 0;
    }
    if (dice < 85) {
      return static_cast<std::size_t>(pick(1, 64));
    }
    if (dice < 97) {
      return static_cast<std::size_t>(pick(65, 2000));
    }
    return static_cast<std::size_t>(pick(2001, 40000));  // beyond the chunk cap
  }

  std::size_t random_align() {
    return std::size_t{1} << (pick(0, 3) == 0 ? pick(5, 12) : pick(0, 4));
  }

  void allocate() {
    const std::size_t bytes = random_bytes();
    const std::size_t align = random_align();
    auto* block = static_cast<std::byte*>(arena_.allocate(bytes, align));
    const auto fill = static_cast<std::byte>(pick(0, 255));
    const std::size_t served_bytes = std::max<std::size_t>(bytes, 1);  // 0 is served as 1
    std::memset(block, static_cast<int>(fill), served_bytes);
    blocks_.push_back(LiveBlock{block, served_bytes, align, fill, false});
    bytes_requested_ += served_bytes;
  }

  void make_counted() {
    const Counted* object = arena_.make<Counted>(destroyed_);
    blocks_.push_back(LiveBlock{reinterpret_cast<const std::byte*>(object), sizeof(Counted),
                                alignof(Counted), std::byte{}, true});
    bytes_requested_ += sizeof(Counted);
    ++live_counted_;
  }

  void open_scope() {
    scopes_.emplace_back(arena_, ScopeModel{blocks_.size(), bytes_requested_,
                                            arena_.stats().bytes_used, generation_});
  }

  void close_scope() {
    if (scopes_.empty()) {
      return;
    }
    const ScopeModel closing = scopes_.back().model;
    scopes_.pop_back();
    if (closing.generation != generation_) {
      return;  // a reset or release freed the scope's blocks already
    }
    forget_blocks_from(closing.live_blocks);
    bytes_requested_ = closing.bytes_requested;
    ASSERT_EQ(arena_.stats().bytes_used, closing.bytes_used);
  }

  void reset() {
    arena_.reset();
    forget_blocks_from(0);
    bytes_requested_ = 0;
    ++resets_;
    ++generation_;
    ASSERT_EQ(arena_.stats().bytes_used, 0U);
  }

  void trim() {
    const auto retain_bytes = static_cast<std::size_t>(pick(0, 64 << 10));
    arena_.trim(retain_bytes);
    const ArenaStats stats = arena_.stats();
    ASSERT_TRUE(stats.capacity_bytes <= retain_bytes || stats.chunks == stats.chunks_in_use);
  }

  void release() {
    arena_.release();
    forget_blocks_from(0);
    bytes_requested_ = 0;
    ++generation_;
    ASSERT_EQ(upstream_.live_blocks(), 0U);
  }

  void forget_blocks_from(std::size_t first) {
    for (std::size_t index = first; index < blocks_.size(); ++index) {
      if (blocks_[index].counted_object) {
        --live_counted_;
        ++expected_destroyed_;
      }
    }
    blocks_.resize(first);
  }

  bool holds_its_content(const LiveBlock& block) const {
    if (block.counted_object) {
      return &reinterpret_cast<const Counted*>(block.address)->destroyed == &destroyed_;
    }
    return std::all_of(block.address, block.address + block.bytes,
                       [&](std::byte value) { return value == block.fill; });
  }

  std::mt19937_64 random_;
  RecordingResource upstream_;
  std::size_t destroyed_ = 0;
  Arena arena_;
  std::vector<LiveBlock> blocks_;
  std::deque<OpenScope> scopes_;  // a deque: scopes cannot move
  std::size_t bytes_requested_ = 0;
  std::size_t live_counted_ = 0;
  std::size_t expected_destroyed_ = 0;
  std::size_t resets_ = 0;
  std::size_t generation_ = 0;
  std::size_t highest_bytes_used_ = 0;
};

class ArenaProperty : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(ArenaProperty, MatchesTheModelOverRandomOperations) {
  constexpr int kSteps = 5000;
  constexpr int kStepsBetweenBlockChecks = 25;
  ArenaModel model(GetParam());
  for (int step = 1; step <= kSteps; ++step) {
    ASSERT_NO_FATAL_FAILURE(model.step()) << "seed " << GetParam() << " step " << step;
    ASSERT_NO_FATAL_FAILURE(model.check_statistics()) << "seed " << GetParam() << " step " << step;
    if (step % kStepsBetweenBlockChecks == 0) {
      ASSERT_NO_FATAL_FAILURE(model.check_blocks()) << "seed " << GetParam() << " step " << step;
    }
  }
  model.close_all_scopes();
  ASSERT_NO_FATAL_FAILURE(model.check_statistics());
  ASSERT_NO_FATAL_FAILURE(model.check_blocks());
}

INSTANTIATE_TEST_SUITE_P(Seeds, ArenaProperty, ::testing::Values(1, 2, 3, 4, 5, 6));

}  // namespace
}  // namespace memsoak

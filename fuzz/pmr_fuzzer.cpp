// Fuzz target `pmr`: the std::pmr resources of libstdc++ — monotonic_buffer_resource (with and
// without an initial buffer), unsynchronized_pool_resource and synchronized_pool_resource with
// options from the input — over a tracking upstream, over another resource (a pool over a
// monotonic buffer) and over new_delete_resource. Blocks allocated straight from the resource
// go through the shadow model (alignment, no overlap, canary) and must lie inside memory the
// resource drew from upstream; pmr containers on the resource must hold what std containers
// hold; release() and destruction must give the tracking upstream back everything, each
// allocation with its own size and alignment.
#include <array>
#include <map>
#include <memory>
#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/known_bugs.h"
#include "fuzz/malloc_like_machine.h"
#include "fuzz/run.h"
#include "fuzz/tracking_resource.h"

namespace memsoak::fuzz {
namespace {

enum Opcode : std::uint8_t {
  kSelect,
  kAllocate,
  kDeallocate,
  kRelease,
  kContainers,
  kCheck,
};

// `kind` of select: 0 monotonic, 1 monotonic with a 4 KiB initial buffer, 2 unsynchronized
// pool, 3 synchronized pool (all over the tracking upstream), 4 unsynchronized pool over a
// monotonic buffer, 5 synchronized pool over new_delete_resource. `options` sets the pools'
// max_blocks_per_chunk (low 3 bits, as a power of two) and largest_required_pool_block.
constexpr OpSpec kOps[] = {
    {"select", {{{"kind", ArgKind::kByte}, {"options", ArgKind::kByte}}}, 2},
    {"allocate",
     {{{"slot", ArgKind::kSlot}, {"size", ArgKind::kSize}, {"align", ArgKind::kAlign}}},
     3},
    {"deallocate", {{{"slot", ArgKind::kSlot}}}, 1},
    {"release", {}, 0},
    {"containers", {{{"steps", ArgKind::kByte}, {"seed", ArgKind::kByte}}}, 2},
    {"check", {}, 0},
};
constexpr OpTable kTable{"pmr", kOps};

// The pools pick the pool for max(bytes, alignment) and ignore the alignment after that: a
// 24-byte request aligned to 16 lands in the pool of 24-byte blocks, every other one of which
// is only 8-aligned. (polymorphic_allocator never asks this way: sizes of types are multiples
// of their alignment.)
constexpr KnownBug kPoolIgnoresAlignment{
    "libstdcxx-pool-ignores-alignment", "libstdc++", "20220819",
    "unsynchronized_pool_resource and synchronized_pool_resource return blocks aligned to less "
    "than asked when the size is not a multiple of the alignment, e.g. allocate(24, 16)"};

// The libstdc++ release the headers come from (__GLIBCXX__, a date); the pools live in the
// shared library of the same release.
std::string_view libstdcxx_version() {
  static const std::string version = std::to_string(__GLIBCXX__);
  return version;
}

enum class Kind : std::uint8_t {
  kMonotonic,
  kMonotonicWithBuffer,
  kUnsynchronizedPool,
  kSynchronizedPool,
  kPoolOverMonotonic,
  kPoolOverNewDelete,
};
constexpr std::size_t kKinds = 6;
constexpr std::size_t kInitialBufferBytes = 4096;

// The resource under test and what it stands on.
class ResourceStack {
 public:
  ResourceStack(Kind kind, std::uint64_t options) : kind_(kind) {
    const std::pmr::pool_options pool{
        .max_blocks_per_chunk = std::size_t{1} << (options & 7),
        .largest_required_pool_block = std::size_t{16} << (options >> 3 & 15)};
    switch (kind) {
      case Kind::kMonotonic:
        top_ = emplace(monotonic_, &upstream_);
        break;
      case Kind::kMonotonicWithBuffer:
        top_ = emplace(monotonic_, initial_buffer_.data(), initial_buffer_.size(), &upstream_);
        break;
      case Kind::kUnsynchronizedPool:
        top_ = emplace(unsynchronized_, pool, &upstream_);
        break;
      case Kind::kSynchronizedPool:
        top_ = emplace(synchronized_, pool, &upstream_);
        break;
      case Kind::kPoolOverMonotonic:
        top_ = emplace(unsynchronized_, pool, emplace(monotonic_, &upstream_));
        break;
      case Kind::kPoolOverNewDelete:
        top_ = emplace(synchronized_, pool, std::pmr::new_delete_resource());
        break;
    }
  }
  ResourceStack(const ResourceStack&) = delete;
  ResourceStack& operator=(const ResourceStack&) = delete;

  ~ResourceStack() {
    unsynchronized_.reset();
    synchronized_.reset();
    monotonic_.reset();
    expect(upstream_.outstanding() == 0,
           "a destroyed pmr resource (kind %d) kept %zu upstream allocations (%zu bytes)",
           static_cast<int>(kind_), upstream_.outstanding(), upstream_.outstanding_bytes());
  }

  std::pmr::memory_resource& top() { return *top_; }
  const TrackingResource& upstream() const { return upstream_; }
  bool tracked() const { return kind_ != Kind::kPoolOverNewDelete; }
  bool pooled() const { return kind_ != Kind::kMonotonic && kind_ != Kind::kMonotonicWithBuffer; }
  // Whether every block's bytes came from the tracking upstream (no initial buffer).
  bool all_from_upstream() const { return tracked() && kind_ != Kind::kMonotonicWithBuffer; }

  // Whether a block lies in memory the resource took from upstream (or its initial buffer).
  bool owns(const std::byte* data, std::size_t size) const {
    const std::byte* buffer = initial_buffer_.data();
    if (kind_ == Kind::kMonotonicWithBuffer && data >= buffer &&
        data + size <= buffer + initial_buffer_.size()) {
      return true;
    }
    return !tracked() || upstream_.contains(data, size);
  }

  // Frees every block at once; all memory must then be back upstream.
  void release() {
    if (unsynchronized_) unsynchronized_->release();
    if (synchronized_) synchronized_->release();
    if (monotonic_) monotonic_->release();
    expect(upstream_.outstanding() == 0,
           "release() on a pmr resource (kind %d) kept %zu upstream allocations (%zu bytes)",
           static_cast<int>(kind_), upstream_.outstanding(), upstream_.outstanding_bytes());
  }

 private:
  template <typename Resource, typename... Args>
  static Resource* emplace(std::unique_ptr<Resource>& slot, Args&&... args) {
    slot = std::make_unique<Resource>(std::forward<Args>(args)...);
    return slot.get();
  }

  Kind kind_;
  TrackingResource upstream_;
  alignas(std::max_align_t) std::array<std::byte, kInitialBufferBytes> initial_buffer_{};
  // On the heap (not std::optional): g++ 12 warns falsely about optionals nested this deep.
  std::unique_ptr<std::pmr::monotonic_buffer_resource> monotonic_;
  std::unique_ptr<std::pmr::unsynchronized_pool_resource> unsynchronized_;
  std::unique_ptr<std::pmr::synchronized_pool_resource> synchronized_;
  std::pmr::memory_resource* top_ = nullptr;
};

// The resource under test as the fuzz kit sees it: blocks inside what it drew from upstream,
// and the upstream's outstanding bytes covering every live block; the pools' misalignment is a
// known bug.
MallocLike as_malloc_like(ResourceStack& stack) {
  MallocLike allocator = malloc_like(stack.top());
  allocator.owns = [&stack](void* block, std::size_t bytes) {
    return stack.owns(static_cast<const std::byte*>(block), bytes);
  };
  if (stack.all_from_upstream()) {
    allocator.bytes_in_use = [&stack] { return stack.upstream().outstanding_bytes(); };
  }
  allocator.tolerate_misalignment = [&stack](void*, std::size_t bytes, std::size_t alignment) {
    if (bytes % alignment == 0 || !stack.pooled()) return false;
    known_bug(kPoolIgnoresAlignment, libstdcxx_version());
    return true;
  };
  return allocator;
}

class PmrMachine {
 public:
  void execute(const Op& op) {
    switch (op.code) {
      case kSelect:
        select(static_cast<Kind>(op.args[0] % kKinds), op.args[1]);
        break;
      case kAllocate:
        blocks_->allocate(op.slot(0), op.bytes(1), op.bytes(2));
        break;
      case kDeallocate:
        blocks_->deallocate(op.slot(0));
        break;
      case kRelease:
        blocks_->forget_all();
        stack_->release();
        break;
      case kContainers:
        containers(op.args[0], op.args[1]);
        break;
      default:
        blocks_->check();
        break;
    }
  }

  void teardown() {
    blocks_->teardown();
    blocks_.reset();
    stack_.reset();
  }

 private:
  void select(Kind kind, std::uint64_t options) {
    blocks_->forget_all();
    blocks_.reset();
    stack_.reset();
    stack_ = std::make_unique<ResourceStack>(kind, options);
    allocator_ = as_malloc_like(*stack_);
    blocks_ = std::make_unique<MallocLikeMachine>(allocator_);
  }

  // A vector of strings and a map on the resource, driven like their std twins.
  void containers(std::size_t steps, std::uint64_t seed) {
    std::pmr::vector<std::pmr::string> pmr_strings(&stack_->top());
    std::pmr::map<int, std::pmr::string> pmr_map(&stack_->top());
    std::vector<std::string> strings;
    std::map<int, std::string> map;
    for (std::size_t step = 0; step < steps; ++step) {
      const std::uint64_t choice = (seed * 131 + step) * 0x9E3779B97F4A7C15ULL >> 40;
      const int key = static_cast<int>(choice % 16);
      const std::string text(choice % 50, static_cast<char>('a' + step % 26));
      switch (choice % 4) {
        case 0:
          strings.push_back(text);
          pmr_strings.emplace_back(text);
          break;
        case 1:
          if (!strings.empty()) {
            strings.erase(strings.begin() + static_cast<std::ptrdiff_t>(choice % strings.size()));
            pmr_strings.erase(pmr_strings.begin() +
                              static_cast<std::ptrdiff_t>(choice % pmr_strings.size()));
          }
          break;
        case 2:
          map[key] += text;
          pmr_map[key] += text;
          break;
        default:
          map.erase(key);
          pmr_map.erase(key);
          break;
      }
    }
    expect(pmr_strings.size() == strings.size() && pmr_map.size() == map.size(),
           "pmr containers hold %zu strings and %zu keys, std ones %zu and %zu", pmr_strings.size(),
           pmr_map.size(), strings.size(), map.size());
    for (std::size_t i = 0; i < strings.size(); ++i) {
      expect(std::string_view(pmr_strings[i]) == strings[i], "pmr string %zu differs", i);
    }
    for (const auto& [key, value] : map) {
      expect(pmr_map.contains(key) && std::string_view(pmr_map.at(key)) == value,
             "pmr map entry %d differs", key);
    }
  }

  std::unique_ptr<ResourceStack> stack_ =
      std::make_unique<ResourceStack>(Kind::kUnsynchronizedPool, 0);
  MallocLike allocator_ = as_malloc_like(*stack_);
  std::unique_ptr<MallocLikeMachine> blocks_ = std::make_unique<MallocLikeMachine>(allocator_);
};

}  // namespace
}  // namespace memsoak::fuzz

MEMSOAK_FUZZ_TARGET(memsoak::fuzz::kTable, memsoak::fuzz::PmrMachine)

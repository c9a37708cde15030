// Fuzz target `arena`: memsoak::Arena, our chunked bump arena. Two arenas (default chunks, and
// tiny chunks so blocks keep landing at chunk boundaries), each drawing chunks from a tracking
// upstream resource. Operations: allocate, make<T> of objects whose destructors log
// themselves, reset, trim, release, nested ArenaScopes, and std::pmr containers on the
// ArenaResource adaptor checked against std containers. Checked beyond the shadow model: every
// block lies inside one chunk its arena drew; destructors run exactly once, newest first, when
// their block is freed and never before; under ASan freed blocks are poisoned; the arena's
// statistics match the model and the upstream's own count; chunks go back upstream on
// release() and trim(), and every chunk is back when the input ends.
#include <array>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/asan.h"
#include "fuzz/limits.h"
#include "fuzz/run.h"
#include "fuzz/shadow.h"
#include "fuzz/tracking_resource.h"
#include "harness/arena.h"
#include "harness/arena_resource.h"

#ifdef MEMSOAK_FUZZ_UNDER_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace memsoak::fuzz {
namespace {

enum Opcode : std::uint8_t {
  kAllocate,
  kMakeObject,
  kReset,
  kTrim,
  kRelease,
  kScopeBegin,
  kScopeEnd,
  kPmrContainers,
  kCheck,
};

constexpr OpSpec kOps[] = {
    {"allocate",
     {{{"slot", ArgKind::kSlot},
       {"arena", ArgKind::kByte},
       {"size", ArgKind::kSizeRareHuge},
       {"align", ArgKind::kAlign}}},
     4},
    {"make_object", {{{"arena", ArgKind::kByte}, {"payload", ArgKind::kByte}}}, 2},
    {"reset", {{{"arena", ArgKind::kByte}}}, 1},
    {"trim", {{{"arena", ArgKind::kByte}, {"retain", ArgKind::kSizeRareHuge}}}, 2},
    {"release", {{{"arena", ArgKind::kByte}}}, 1},
    {"scope_begin", {{{"arena", ArgKind::kByte}}}, 1},
    {"scope_end", {{{"arena", ArgKind::kByte}}}, 1},
    {"pmr_containers",
     {{{"arena", ArgKind::kByte}, {"steps", ArgKind::kByte}, {"seed", ArgKind::kByte}}},
     3},
    {"check", {}, 0},
};
constexpr OpTable kTable{"arena", kOps};

constexpr std::size_t kArenas = 2;
constexpr std::size_t kMaxScopes = 4;    // nested per arena
constexpr std::size_t kMaxObjects = 64;  // make_object per input
// Steps of one pmr_containers: its strings are erased from the front, so cost is quadratic.
constexpr std::size_t kMaxContainerSteps = 64;
constexpr std::size_t kMaxTextBytes = 40;  // appended or pushed per step
// What the reference containers of one pmr_containers allocate at most, never freeing: the
// strings (at most 63 * 39 characters, twice over as they grow) and the vector (twice 64
// strings of 32 bytes), with room to spare. Running out throws bad_alloc, a harness bug.
constexpr std::size_t kReferenceBufferBytes = 32768;

// Objects made with Arena::make: each logs its destruction, which the harness checks.
class ObjectLog;

struct Tracked {
  Tracked(ObjectLog& log, std::size_t id, std::size_t payload_bytes)
      : log(&log), id(id), canary(~id * 0x9E3779B97F4A7C15ULL), payload(payload_bytes, 'x') {}
  ~Tracked();
  Tracked(const Tracked&) = delete;
  Tracked& operator=(const Tracked&) = delete;

  ObjectLog* log;
  std::size_t id;
  std::uint64_t canary;
  std::string payload;  // owns heap memory when long: a skipped destructor leaks it
};

class ObjectLog {
 public:
  struct Record {
    const Tracked* object = nullptr;
    std::size_t arena = 0;
    std::size_t sequence = 0;  // its place in its arena's order of allocation
    bool alive = false;
  };

  std::size_t count() const { return count_; }
  bool full() const { return count_ == kMaxObjects; }
  const Record& operator[](std::size_t id) const { return records_[id]; }

  std::size_t add(std::size_t arena, std::size_t sequence) {
    records_[count_] = Record{nullptr, arena, sequence, true};
    return count_++;
  }
  void constructed(std::size_t id, const Tracked* object) { records_[id].object = object; }

  // Objects freed together must die newest first, each once, with intact contents.
  void begin_batch() { newest_allowed_ = SIZE_MAX; }
  void destroyed(const Tracked& object) {
    const std::size_t id = object.id;
    expect(id < count_ && records_[id].alive && records_[id].object == &object,
           "a destructor ran for object %zu, which is not alive", id);
    expect(object.canary == (~id * 0x9E3779B97F4A7C15ULL), "object %zu was overwritten", id);
    expect(id < newest_allowed_, "object %zu destroyed after an older one", id);
    newest_allowed_ = id;
    records_[id].alive = false;
  }

 private:
  std::array<Record, kMaxObjects> records_{};
  std::size_t count_ = 0;
  std::size_t newest_allowed_ = SIZE_MAX;
};

Tracked::~Tracked() { log->destroyed(*this); }

bool is_poisoned([[maybe_unused]] const std::byte* data) {
#ifdef MEMSOAK_FUZZ_UNDER_ASAN
  return __asan_address_is_poisoned(data) != 0;
#else
  return true;
#endif
}

// Per-arena model state beyond the blocks: its scopes and its reset generation. Blocks and
// objects are numbered in the order they were made; a scope frees those numbered from the
// count at its beginning on.
struct ArenaState {
  TrackingResource upstream;
  std::optional<Arena> arena;
  std::array<std::optional<ArenaScope>, kMaxScopes> scopes;
  std::array<std::size_t, kMaxScopes> scope_generation{};
  std::array<std::size_t, kMaxScopes> scope_first_sequence{};
  std::size_t depth = 0;
  std::size_t made = 0;        // blocks and objects made so far: the next sequence number
  std::size_t generation = 0;  // reset() and release() make open scopes inert
};

class ArenaMachine {
 public:
  ArenaMachine() {
    states_[0].arena.emplace(ArenaOptions{.upstream = &states_[0].upstream});
    states_[1].arena.emplace(ArenaOptions{
        .first_chunk_bytes = 256, .max_chunk_bytes = 4096, .upstream = &states_[1].upstream});
  }

  void execute(const Op& op) {
    const std::size_t index = op.args[op.code == kAllocate ? 1 : 0] % kArenas;
    switch (op.code) {
      case kAllocate:
        allocate(op.slot(0), index, op.bytes(2), op.bytes(3));
        break;
      case kMakeObject:
        make_object(index, op.args[1]);
        break;
      case kReset:
        free_all(index, [&] { arena(index).reset(); });
        ++states_[index].generation;
        break;
      case kTrim:
        trim(index, op.bytes(1));
        break;
      case kRelease:
        free_all(index, [&] { arena(index).release(); });
        ++states_[index].generation;
        expect(states_[index].upstream.outstanding() == 0,
               "release() kept %zu chunks of %zu bytes from upstream",
               states_[index].upstream.outstanding(), states_[index].upstream.outstanding_bytes());
        break;
      case kScopeBegin:
        begin_scope(index);
        break;
      case kScopeEnd:
        end_scope(index);
        break;
      case kPmrContainers:
        pmr_containers(index, op.args[1] % kMaxContainerSteps, op.args[2]);
        break;
      default:
        model_.check_all();
        for (std::size_t i = 0; i < kArenas; ++i) check_statistics(i);
        break;
    }
  }

  void teardown() {
    for (std::size_t index = 0; index < kArenas; ++index) {
      while (states_[index].depth > 0) end_scope(index);
      check_statistics(index);
      free_all(index, [&] { states_[index].arena.reset(); });
      expect(states_[index].upstream.outstanding() == 0,
             "the destroyed arena %zu kept %zu chunks from upstream", index,
             states_[index].upstream.outstanding());
    }
  }

 private:
  Arena& arena(std::size_t index) { return *states_[index].arena; }

  void allocate(std::size_t slot, std::size_t index, std::size_t size, std::size_t alignment) {
    if (model_.live(slot) || !within_budget(model_.live_requested_bytes(), size)) return;
    void* data = arena(index).allocate(size, alignment);
    Block block;
    block.data = static_cast<std::byte*>(data);
    block.requested_bytes = size;
    block.usable_bytes = std::max<std::size_t>(size, 1);  // a zero-byte request takes one
    block.alignment = alignment;
    block.owner = static_cast<unsigned>(index);
    block.api_flags = static_cast<unsigned>(states_[index].made++);
    block.seed = model_.next_seed();
    expect(states_[index].upstream.contains(block.data, block.usable_bytes),
           "block %p (+%zu) of arena %zu is not inside any chunk the arena drew", data,
           block.usable_bytes, index);
    model_.adopt(slot, block);
    check_statistics(index);
  }

  void make_object(std::size_t index, std::size_t payload_bytes) {
    if (objects_.full()) return;
    const std::size_t id = objects_.add(index, states_[index].made++);
    const Tracked* object = arena(index).make<Tracked>(objects_, id, payload_bytes);
    objects_.constructed(id, object);
    expect(states_[index].upstream.contains(reinterpret_cast<const std::byte*>(object),
                                            sizeof(Tracked)),
           "object %zu of arena %zu is not inside any chunk the arena drew", id, index);
    check_statistics(index);
  }

  // Runs `free` (a reset, release or scope end), which must free exactly the blocks and
  // objects of `index` numbered `first_sequence` or later.
  template <typename Free>
  void free_all(std::size_t index, Free free, std::size_t first_sequence = 0) {
    std::array<const std::byte*, kSlotCount> freed{};
    std::size_t freed_count = 0;
    for (std::size_t slot = 0; slot < kSlotCount; ++slot) {
      if (model_.live(slot) && model_[slot].owner == index &&
          model_[slot].api_flags >= first_sequence) {
        freed[freed_count++] = model_.release(slot).data;
      }
    }
    objects_.begin_batch();
    free();
    for (std::size_t i = 0; i < freed_count; ++i) {
      expect(is_poisoned(freed[i]), "freed block %p of arena %zu is still addressable",
             static_cast<const void*>(freed[i]), index);
    }
    for (std::size_t id = 0; id < objects_.count(); ++id) {
      const ObjectLog::Record& record = objects_[id];
      const bool freed_now = record.arena == index && record.sequence >= first_sequence;
      expect(!(freed_now && record.alive),
             "object %zu of arena %zu was freed without its destructor", id, index);
    }
  }

  void trim(std::size_t index, std::size_t retain_bytes) {
    arena(index).trim(retain_bytes);
    const ArenaStats stats = arena(index).stats();
    expect(stats.capacity_bytes <= retain_bytes || stats.chunks == stats.chunks_in_use,
           "trim(%zu) left %zu bytes in %zu chunks, %zu of them spare", retain_bytes,
           stats.capacity_bytes, stats.chunks, stats.chunks - stats.chunks_in_use);
    check_statistics(index);
  }

  void begin_scope(std::size_t index) {
    ArenaState& state = states_[index];
    if (state.depth == kMaxScopes) return;
    state.scopes[state.depth].emplace(*state.arena);
    state.scope_generation[state.depth] = state.generation;
    state.scope_first_sequence[state.depth] = state.made;
    ++state.depth;
  }

  // A scope frees what was made while it was open, unless its arena was reset or released
  // since it began: then it frees nothing.
  void end_scope(std::size_t index) {
    ArenaState& state = states_[index];
    if (state.depth == 0) return;
    const std::size_t depth = state.depth--;
    if (state.scope_generation[depth - 1] != state.generation) {
      state.scopes[depth - 1].reset();
      return;
    }
    free_all(
        index, [&] { state.scopes[depth - 1].reset(); }, state.scope_first_sequence[depth - 1]);
    check_statistics(index);
  }

  // std::pmr containers on the arena hold what the same containers hold on a reference
  // resource; a scope takes their memory back afterwards. The reference is a monotonic buffer
  // in static storage, not the heap: heap strings and their ASan bookkeeping took a third of
  // this target's time.
  void pmr_containers(std::size_t index, std::size_t steps, std::uint64_t seed) {
    const ArenaScope scope(arena(index));
    ArenaResource resource(arena(index));
    alignas(std::max_align_t) static std::array<std::byte, kReferenceBufferBytes> buffer;
    std::pmr::monotonic_buffer_resource reference_resource(buffer.data(), buffer.size(),
                                                           std::pmr::null_memory_resource());
    std::pmr::vector<std::pmr::string> arena_strings(&resource);
    std::pmr::vector<std::pmr::string> reference_strings(&reference_resource);
    std::array<char, kMaxTextBytes> letters{};
    for (std::size_t step = 0; step < steps; ++step) {
      const std::uint64_t choice = (seed + step) * 0x9E3779B97F4A7C15ULL >> 56;
      letters.fill(static_cast<char>('a' + step % 26));
      const std::string_view text(letters.data(), choice % kMaxTextBytes);
      if (choice % 5 == 4 && !reference_strings.empty()) {
        reference_strings.erase(reference_strings.begin());
        arena_strings.erase(arena_strings.begin());
      } else if (choice % 5 == 3 && !reference_strings.empty()) {
        reference_strings.back() += text;
        arena_strings.back() += text;
      } else {
        reference_strings.emplace_back(text);
        arena_strings.emplace_back(text);
      }
    }
    expect(arena_strings.size() == reference_strings.size(),
           "pmr vector has %zu strings, the reference %zu", arena_strings.size(),
           reference_strings.size());
    for (std::size_t i = 0; i < reference_strings.size(); ++i) {
      expect(arena_strings[i] == reference_strings[i], "pmr string %zu differs from the reference",
             i);
    }
  }

  void check_statistics(std::size_t index) {
    const ArenaStats stats = arena(index).stats();
    const TrackingResource& upstream = states_[index].upstream;
    std::size_t requested = 0;
    model_.for_each_live([&](std::size_t, const Block& block) {
      if (block.owner == index) requested += block.usable_bytes;
    });
    std::size_t objects = 0;
    for (std::size_t id = 0; id < objects_.count(); ++id) {
      objects += objects_[id].alive && objects_[id].arena == index;
    }
    requested += objects * sizeof(Tracked);
    expect(stats.chunks == upstream.outstanding() &&
               stats.capacity_bytes == upstream.outstanding_bytes() &&
               stats.upstream_allocations == upstream.allocations(),
           "arena %zu reports %zu chunks of %zu bytes (%zu drawn), upstream counts %zu of %zu "
           "(%zu drawn)",
           index, stats.chunks, stats.capacity_bytes, stats.upstream_allocations,
           upstream.outstanding(), upstream.outstanding_bytes(), upstream.allocations());
    expect(stats.bytes_requested == requested && stats.destructors_pending == objects,
           "arena %zu reports %zu bytes requested and %zu destructors pending; the model holds "
           "%zu bytes and %zu objects",
           index, stats.bytes_requested, stats.destructors_pending, requested, objects);
    expect(stats.bytes_used >= stats.bytes_requested &&
               stats.high_water_bytes >= stats.bytes_used && stats.chunks_in_use <= stats.chunks &&
               stats.bytes_used <= stats.capacity_bytes,
           "arena %zu statistics disagree: used %zu, requested %zu, high water %zu, chunks %zu in "
           "use of %zu, capacity %zu",
           index, stats.bytes_used, stats.bytes_requested, stats.high_water_bytes,
           stats.chunks_in_use, stats.chunks, stats.capacity_bytes);
  }

  ShadowModel model_{SlackPoisoning::kOff};  // the arena poisons its own slack
  ObjectLog objects_;
  std::array<ArenaState, kArenas> states_;
};

}  // namespace
}  // namespace memsoak::fuzz

MEMSOAK_FUZZ_TARGET(memsoak::fuzz::kTable, memsoak::fuzz::ArenaMachine)

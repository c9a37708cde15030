// Fuzz target `jemalloc`: jemalloc's own API (mallocx, rallocx, xallocx, sallocx, nallocx,
// dallocx, sdallocx) with alignment, zero, tcache and arena flags, explicit thread caches
// (tcache.create/flush/destroy) and arenas (arenas.create, arena.<i>.destroy) through mallctl.
// Rules the harness keeps, as jemalloc documents them: no size 0 (a 0 becomes 1); sdallocx gets
// a size in [the request, sallocx(p)] and the allocation's alignment (after an xallocx the
// request is the new size if it names the new size class, else the new usable size); before an
// arena is destroyed every thread cache that may hold its regions is flushed. Checked beyond the
// shadow model: sallocx equals nallocx of the request, a failed xallocx leaves the size alone,
// MALLOCX_ZERO zeroes what a resize adds, per-arena statistics (after flushing caches) equal the
// usable bytes the model holds there, a destroyed arena's blocks are no longer jemalloc's
// (arenas.lookup fails) and its address space goes back as far as opt.retain promises.
#include <fcntl.h>
#include <jemalloc/jemalloc.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <optional>

#include "fuzz/known_bugs.h"
#include "fuzz/limits.h"
#include "fuzz/run.h"
#include "fuzz/shadow.h"

namespace memsoak::fuzz {
namespace {

enum Opcode : std::uint8_t {
  kMallocx,
  kRallocx,
  kXallocx,
  kDallocx,
  kSdallocx,
  kArenaCreate,
  kArenaDestroy,
  kTcacheCreate,
  kTcacheFlush,
  kTcacheDestroy,
  kCheckStats,
};

// `flags` bytes: bit 0 MALLOCX_ZERO; bits 1-2 the thread cache (0 automatic, 1 none, 2-3 the
// created tcache 0-1); bits 3-4 the arena (0 automatic, 1-3 the created arena 0-2).
constexpr OpSpec kOps[] = {
    {"mallocx",
     {{{"slot", ArgKind::kSlot},
       {"size", ArgKind::kSize},
       {"align", ArgKind::kAlign},
       {"flags", ArgKind::kByte}}},
     4},
    {"rallocx",
     {{{"slot", ArgKind::kSlot},
       {"size", ArgKind::kSize},
       {"align", ArgKind::kAlign},
       {"flags", ArgKind::kByte}}},
     4},
    {"xallocx",
     {{{"slot", ArgKind::kSlot},
       {"size", ArgKind::kSize},
       {"extra", ArgKind::kSize},
       {"flags", ArgKind::kByte}}},
     4},
    {"dallocx", {{{"slot", ArgKind::kSlot}, {"flags", ArgKind::kByte}}}, 2},
    {"sdallocx",
     {{{"slot", ArgKind::kSlot}, {"size_pick", ArgKind::kByte}, {"flags", ArgKind::kByte}}},
     3},
    {"arena_create", {{{"arena", ArgKind::kByte}}}, 1},
    {"arena_destroy", {{{"arena", ArgKind::kByte}}}, 1},
    {"tcache_create", {{{"tcache", ArgKind::kByte}}}, 1},
    {"tcache_flush", {{{"tcache", ArgKind::kByte}}}, 1},
    {"tcache_destroy", {{{"tcache", ArgKind::kByte}}}, 1},
    {"check_stats", {}, 0},
};
constexpr OpTable kTable{"jemalloc", kOps};

constexpr std::size_t kArenas = 3;
constexpr std::size_t kTcaches = 2;
constexpr unsigned kZeroBit = 0x01;

template <typename T>
int read_ctl(const char* name, T& value) {
  std::size_t length = sizeof(T);
  return mallctl(name, &value, &length, nullptr, 0);
}

// large_ralloc_no_move() retries a failed in-place growth to size+extra with `size` alone, but
// tests the retry's result inverted: the block grows to size's class while xallocx reports the
// old size. A caller then passes a stale size to sdallocx.
constexpr KnownBug kXallocxUnreportedGrowth{
    "jemalloc-xallocx-unreported-growth", "jemalloc", "5.3.0",
    "xallocx(p, size, extra) grows a large block to size's class when size+extra does not fit, "
    "yet returns the old usable size"};

// The process's virtual size (/proc/self/statm, first field), read without allocating.
std::size_t process_virtual_bytes() {
  static const int statm = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  char text[64] = {};
  expect(statm >= 0 && pread(statm, text, sizeof text - 1, 0) > 0, "cannot read /proc/self/statm");
  return std::strtoull(text, nullptr, 10) * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

std::string_view jemalloc_version() {
  const char* version = "";
  read_ctl("version", version);
  return version;
}

int run_ctl(const char* name) { return mallctl(name, nullptr, nullptr, nullptr, 0); }

// opt.retain: jemalloc keeps unused virtual memory instead of unmapping it (the 64-bit Linux
// default). An arena's base block then stays mapped when the arena is destroyed.
bool retains_virtual_memory() {
  static const bool retain = [] {
    bool value = false;
    expect(read_ctl("opt.retain", value) == 0, "reading opt.retain failed");
    return value;
  }();
  return retain;
}

// The arena jemalloc placed `data` in (arenas.lookup), or nullopt if the address is not its.
std::optional<unsigned> arena_of(const void* data) {
  unsigned arena = 0;
  std::size_t length = sizeof arena;
  if (mallctl("arenas.lookup", &arena, &length, &data, sizeof data) != 0) return std::nullopt;
  return arena;
}

class JemallocMachine {
 public:
  void execute(const Op& op) {
    switch (op.code) {
      case kMallocx:
        mallocx_block(op.slot(0), op.bytes(1), op.bytes(2), op.args[3]);
        break;
      case kRallocx:
        rallocx_block(op.slot(0), op.bytes(1), op.bytes(2), op.args[3]);
        break;
      case kXallocx:
        xallocx_block(op.slot(0), op.bytes(1), op.bytes(2), op.args[3]);
        break;
      case kDallocx:
        free_block(op.slot(0), op.args[1], std::nullopt);
        break;
      case kSdallocx:
        free_block(op.slot(0), op.args[2], op.args[1]);
        break;
      case kArenaCreate:
        create_arena(op.args[0] % kArenas);
        break;
      case kArenaDestroy:
        destroy_arena(op.args[0] % kArenas);
        break;
      case kTcacheCreate:
        create_tcache(op.args[0] % kTcaches);
        break;
      case kTcacheFlush:
        flush_tcache(op.args[0] % kTcaches);
        break;
      case kTcacheDestroy:
        destroy_tcache(op.args[0] % kTcaches);
        break;
      default:
        check_arena_statistics();
        break;
    }
  }

  void teardown() {
    for (std::size_t slot = 0; slot < kSlotCount; ++slot) free_block(slot, 0, std::nullopt);
    check_arena_statistics();
    for (std::size_t arena = 0; arena < kArenas; ++arena) destroy_arena(arena);
    for (std::size_t tcache = 0; tcache < kTcaches; ++tcache) destroy_tcache(tcache);
  }

 private:
  // mallocx flags from a `flags` byte and an alignment; unset choices fall back to automatic.
  int mallocx_flags(std::uint64_t choice, std::size_t alignment) const {
    int flags = alignment > 1 ? MALLOCX_ALIGN(alignment) : 0;
    if ((choice & kZeroBit) != 0) flags |= MALLOCX_ZERO;
    return flags | tcache_flags(choice) | arena_flags(choice);
  }

  int tcache_flags(std::uint64_t choice) const {
    const unsigned pick = (choice >> 1) & 3;
    if (pick == 1) return MALLOCX_TCACHE_NONE;
    if (pick >= 2 && tcaches_[pick - 2]) return MALLOCX_TCACHE(*tcaches_[pick - 2]);
    return 0;
  }

  int arena_flags(std::uint64_t choice) const {
    const unsigned pick = (choice >> 3) & 3;
    if (pick >= 1 && arenas_[pick - 1]) return MALLOCX_ARENA(*arenas_[pick - 1]);
    return 0;
  }

  static int alignment_flags(const Block& block) {
    return block.alignment > 1 ? MALLOCX_ALIGN(block.alignment) : 0;
  }

  void adopt(std::size_t slot, void* data, std::size_t size, std::size_t alignment,
             std::size_t usable_bytes, const Expect& expectation, std::uint64_t seed) {
    Block block;
    block.data = static_cast<std::byte*>(data);
    block.requested_bytes = size;
    block.usable_bytes = usable_bytes;
    block.alignment = alignment;
    block.seed = seed;
    const std::optional<unsigned> arena = arena_of(data);
    expect(arena.has_value(), "arenas.lookup does not know block %p that jemalloc returned", data);
    block.owner = *arena;
    expect(sallocx(data, 0) == usable_bytes, "sallocx(%p) = %zu, but the allocation said %zu", data,
           sallocx(data, 0), usable_bytes);
    model_.adopt(slot, block, expectation);
  }

  void mallocx_block(std::size_t slot, std::size_t size, std::size_t alignment,
                     std::uint64_t choice) {
    free_block(slot, 0, std::nullopt);
    size = std::max<std::size_t>(size, 1);
    if (!within_budget(model_.live_requested_bytes(), size)) return;
    const int flags = mallocx_flags(choice, alignment);
    void* data = mallocx(size, flags);
    expect(data != nullptr, "mallocx(%zu, 0x%x) returned null", size, flags);
    const std::size_t usable = sallocx(data, 0);
    expect(usable == nallocx(size, flags), "sallocx = %zu but nallocx(%zu, 0x%x) = %zu", usable,
           size, flags, nallocx(size, flags));
    const bool zero = (flags & MALLOCX_ZERO) != 0;
    adopt(slot, data, size, alignment, usable, zero ? Expect{.zero_from_bytes = 0} : Expect{},
          model_.next_seed());
  }

  void rallocx_block(std::size_t slot, std::size_t size, std::size_t alignment,
                     std::uint64_t choice) {
    if (!model_.live(slot)) {
      mallocx_block(slot, size, alignment, choice);
      return;
    }
    size = std::max<std::size_t>(size, 1);
    if (!within_budget(model_.live_requested_bytes() - model_[slot].requested_bytes, size)) return;
    const int flags = mallocx_flags(choice, alignment);
    const Block old = model_.release(slot);
    void* data = rallocx(old.data, size, flags);
    expect(data != nullptr, "rallocx(%p, %zu, 0x%x) returned null", static_cast<void*>(old.data),
           size, flags);
    const std::size_t usable = sallocx(data, 0);
    expect(usable == nallocx(size, flags), "after rallocx sallocx = %zu but nallocx = %zu", usable,
           nallocx(size, flags));
    adopt(slot, data, size, alignment, usable, resize_expectation(old, flags), old.seed);
  }

  // MALLOCX_ZERO on a resize zeroes from the old usable size on (jemalloc's manual).
  static Expect resize_expectation(const Block& old, int flags) {
    Expect expectation{.resized_from_bytes = old.requested_bytes};
    if ((flags & MALLOCX_ZERO) != 0) expectation.zero_from_bytes = old.usable_bytes;
    return expectation;
  }

  void xallocx_block(std::size_t slot, std::size_t size, std::size_t extra, std::uint64_t choice) {
    if (!model_.live(slot)) return;
    size = std::max<std::size_t>(size, 1);
    if (!within_budget(model_.live_requested_bytes() - model_[slot].requested_bytes,
                       size + extra)) {
      return;
    }
    const Block old = model_.release(slot);
    // xallocx cannot move the block: only the zero and alignment flags mean anything here.
    const int flags = alignment_flags(old) | ((choice & kZeroBit) != 0 ? MALLOCX_ZERO : 0);
    std::size_t usable = xallocx(old.data, size, extra, flags);
    if (usable < size && sallocx(old.data, 0) != usable) {
      known_bug(kXallocxUnreportedGrowth, jemalloc_version());
      usable = sallocx(old.data, 0);
    }
    if (usable < size) {
      expect(usable == old.usable_bytes,
             "xallocx failed to resize %p yet changed its size %zu -> %zu",
             static_cast<void*>(old.data), old.usable_bytes, usable);
      adopt(slot, old.data, old.requested_bytes, old.alignment, usable,
            Expect{.resized_from_bytes = old.requested_bytes}, old.seed);
      return;
    }
    // sdallocx needs a size of the block's class: `size` if it names it, else the class size.
    const std::size_t request = nallocx(size, alignment_flags(old)) == usable ? size : usable;
    adopt(slot, old.data, request, old.alignment, usable, resize_expectation(old, flags), old.seed);
  }

  // dallocx, or sdallocx with a size picked from the range the manual allows.
  void free_block(std::size_t slot, std::uint64_t choice, std::optional<std::uint64_t> size_pick) {
    if (!model_.live(slot)) return;
    const Block block = model_.release(slot);
    const int flags = alignment_flags(block) | tcache_flags(choice);
    if (!size_pick) {
      dallocx(block.data, flags);
      return;
    }
    const std::size_t size =
        block.requested_bytes + *size_pick % (block.usable_bytes - block.requested_bytes + 1);
    sdallocx(block.data, size, flags);
  }

  void create_arena(std::size_t index) {
    if (arenas_[index]) return;
    unsigned arena = 0;
    expect(read_ctl("arenas.create", arena) == 0, "arenas.create failed");
    arenas_[index] = arena;
  }

  void create_tcache(std::size_t index) {
    if (tcaches_[index]) return;
    unsigned tcache = 0;
    expect(read_ctl("tcache.create", tcache) == 0, "tcache.create failed");
    tcaches_[index] = tcache;
  }

  void flush_tcache(std::size_t index) {
    if (!tcaches_[index]) return;
    expect(mallctl("tcache.flush", nullptr, nullptr, &*tcaches_[index], sizeof(unsigned)) == 0,
           "tcache.flush(%u) failed", *tcaches_[index]);
  }

  void destroy_tcache(std::size_t index) {
    if (!tcaches_[index]) return;
    expect(mallctl("tcache.destroy", nullptr, nullptr, &*tcaches_[index], sizeof(unsigned)) == 0,
           "tcache.destroy(%u) failed", *tcaches_[index]);
    tcaches_[index].reset();
  }

  void flush_all_tcaches() {
    expect(run_ctl("thread.tcache.flush") == 0, "thread.tcache.flush failed");
    for (std::size_t index = 0; index < kTcaches; ++index) flush_tcache(index);
  }

  // Destroys the arena with the blocks it still holds: they are discarded, not freed. Its
  // address space must go back: all of it (stats.arenas.<i>.mapped + retained) without
  // opt.retain; with it, base_unmap() purges the base block instead of unmapping it, so only the
  // extents must go: the pages of its active, dirty and muzzy extents plus the retained ones.
  // (stats.arenas.<i>.base counts the bytes used inside the base block, not the block itself.)
  void destroy_arena(std::size_t index) {
    if (!arenas_[index]) return;
    const unsigned arena = *arenas_[index];
    flush_all_tcaches();
    refresh_statistics();
    const std::size_t retained_bytes = arena_statistic(arena, "retained");
    const std::size_t owed_bytes = retains_virtual_memory()
                                       ? arena_extent_bytes(arena) + retained_bytes
                                       : arena_statistic(arena, "mapped") + retained_bytes;
    std::array<const void*, kSlotCount> discarded{};
    std::size_t discarded_count = 0;
    for (std::size_t slot = 0; slot < kSlotCount; ++slot) {
      if (model_.live(slot) && model_[slot].owner == arena) {
        discarded[discarded_count++] = model_.release(slot).data;
      }
    }
    char name[64];
    std::snprintf(name, sizeof name, "arena.%u.destroy", arena);
    const std::size_t virtual_before = process_virtual_bytes();
    expect(run_ctl(name) == 0, "%s failed", name);
    const std::size_t virtual_after = process_virtual_bytes();
    const std::size_t released_bytes =
        virtual_before > virtual_after ? virtual_before - virtual_after : 0;
    arenas_[index].reset();
    expect(released_bytes >= owed_bytes,
           "%s (opt.retain %s) released %zu bytes of address space, the arena's %s held %zu", name,
           retains_virtual_memory() ? "on" : "off", released_bytes,
           retains_virtual_memory() ? "extents" : "mappings", owed_bytes);
    for (std::size_t i = 0; i < discarded_count; ++i) {
      expect(!arena_of(discarded[i]), "block %p of destroyed arena %u still belongs to jemalloc",
             discarded[i], arena);
    }
  }

  // After flushing every cache, an arena's allocated bytes are exactly its live blocks.
  void check_arena_statistics() {
    flush_all_tcaches();
    refresh_statistics();
    for (const std::optional<unsigned>& arena : arenas_) {
      if (!arena) continue;
      std::size_t modelled = 0;
      model_.for_each_live([&](std::size_t, const Block& block) {
        if (block.owner == *arena) modelled += block.usable_bytes;
      });
      const std::size_t counted = arena_allocated_bytes(*arena);
      expect(counted == modelled, "arena %u counts %zu bytes allocated, its live blocks hold %zu",
             *arena, counted, modelled);
    }
  }

  static void refresh_statistics() {
    std::uint64_t epoch = 1;
    std::size_t length = sizeof epoch;
    expect(mallctl("epoch", &epoch, &length, &epoch, length) == 0, "epoch refresh failed");
  }

  static std::size_t arena_statistic(unsigned arena, const char* statistic) {
    char name[80];
    std::snprintf(name, sizeof name, "stats.arenas.%u.%s", arena, statistic);
    std::size_t bytes = 0;
    expect(read_ctl(name, bytes) == 0, "reading %s failed", name);
    return bytes;
  }

  // The bytes of the arena's active, dirty and muzzy extents: its mapped bytes less its base.
  static std::size_t arena_extent_bytes(unsigned arena) {
    static const std::size_t page_bytes = [] {
      std::size_t bytes = 0;
      expect(read_ctl("arenas.page", bytes) == 0, "reading arenas.page failed");
      return bytes;
    }();
    return (arena_statistic(arena, "pactive") + arena_statistic(arena, "pdirty") +
            arena_statistic(arena, "pmuzzy")) *
           page_bytes;
  }

  static std::size_t arena_allocated_bytes(unsigned arena) {
    return arena_statistic(arena, "small.allocated") + arena_statistic(arena, "large.allocated");
  }

  ShadowModel model_{SlackPoisoning::kOn};
  std::array<std::optional<unsigned>, kArenas> arenas_{};
  std::array<std::optional<unsigned>, kTcaches> tcaches_{};
};

}  // namespace
}  // namespace memsoak::fuzz

MEMSOAK_FUZZ_TARGET(memsoak::fuzz::kTable, memsoak::fuzz::JemallocMachine)

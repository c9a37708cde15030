// Planted arena defects for proving that the fuzz suite catches real arena bugs.
// A normal build has none. Configuring with -DMEMSOAK_ARENA_DEFECT=<name> (a CMake cache
// option, see harness/CMakeLists.txt) defines MEMSOAK_ARENA_DEFECT=<name> for every target
// that uses the harness, and exactly one `if constexpr` in the arena switches on:
//   align_off_by_one        a block starts one byte before the aligned address
//   reset_no_poison         reset() leaves freed bytes addressable (use after reset unseen)
//   destructor_skipped      destructors registered by make<T> never run
//   chunk_boundary_overlap  the last block of a chunk may run one byte past the chunk's end
#pragma once

namespace memsoak {

enum class ArenaDefect {
  none,
  align_off_by_one,
  reset_no_poison,
  destructor_skipped,
  chunk_boundary_overlap,
};

#if defined(MEMSOAK_ARENA_DEFECT)
inline constexpr ArenaDefect kArenaDefect = ArenaDefect::MEMSOAK_ARENA_DEFECT;
#else
inline constexpr ArenaDefect kArenaDefect = ArenaDefect::none;
#endif

}  // namespace memsoak

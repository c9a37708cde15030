// Bounds every target keeps so that one input stays fast and libFuzzer's memory limits hold
// (its -malloc_limit_mb does not see mallocx or mi_malloc: the harness caps sizes itself).
#pragma once

#include <cstddef>

namespace memsoak::fuzz {

inline constexpr std::size_t kMaxLiveBytes = std::size_t{4} << 20;  // per input, all slots

// Whether a program may allocate `bytes` more while holding `live_bytes`.
inline bool within_budget(std::size_t live_bytes, std::size_t bytes) {
  return bytes <= kMaxLiveBytes && live_bytes <= kMaxLiveBytes - bytes;
}

}  // namespace memsoak::fuzz

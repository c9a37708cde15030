// Manual AddressSanitizer poisoning for memory the harness manages itself (arena chunks).
// ASan only knows about malloc/new; without these calls a read of an arena block after
// reset() is an ordinary read of live heap memory. Every helper is a no-op without ASan,
// so callers poison at the exact points unconditionally.
#pragma once

#include <cstddef>

#include "harness/sanitizer_build.h"  // MEMSOAK_ASAN, kAsanEnabled

#if defined(MEMSOAK_ASAN)
#include <sanitizer/asan_interface.h>
#endif

namespace memsoak {

// Marks [address, address + bytes) unaddressable: any access is an ASan "use-after-poison".
// ASan tracks 8-byte granules, so a range that starts mid-granule keeps the granule's
// addressable prefix (the live bytes of a neighbouring block stay valid).
inline void poison_bytes([[maybe_unused]] const void* address,
                         [[maybe_unused]] std::size_t bytes) noexcept {
#if defined(MEMSOAK_ASAN)
  __asan_poison_memory_region(address, bytes);
#endif
}

// Makes [address, address + bytes) addressable again; needed before handing the bytes out
// and before returning poisoned memory to an allocator that will reuse it.
inline void unpoison_bytes([[maybe_unused]] const void* address,
                           [[maybe_unused]] std::size_t bytes) noexcept {
#if defined(MEMSOAK_ASAN)
  __asan_unpoison_memory_region(address, bytes);
#endif
}

}  // namespace memsoak

// Which sanitizer this translation unit is built with, for the code and the tests that must
// know whose malloc they run on. g++ says so with __SANITIZE_ADDRESS__ / __SANITIZE_THREAD__,
// clang with __has_feature. Under either, the sanitizer's runtime defines malloc and its
// interceptors serve every call: no allocator can be preloaded under it (ASan refuses to start
// unless its runtime is loaded first; under TSan a preloaded malloc would take the heap from
// under the interceptors), and malloc_provider() names the runtime instead ("asan", "tsan").
#pragma once

#include <string_view>

#if defined(__SANITIZE_ADDRESS__)
#define MEMSOAK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MEMSOAK_ASAN 1
#endif
#endif

#if defined(__SANITIZE_THREAD__)
#define MEMSOAK_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MEMSOAK_TSAN 1
#endif
#endif

namespace memsoak {

#if defined(MEMSOAK_ASAN)
inline constexpr bool kAsanEnabled = true;
#else
inline constexpr bool kAsanEnabled = false;
#endif

#if defined(MEMSOAK_TSAN)
inline constexpr bool kTsanEnabled = true;
#else
inline constexpr bool kTsanEnabled = false;
#endif

// Whether a sanitizer's runtime owns malloc in this build.
inline constexpr bool kSanitizerOwnsMalloc = kAsanEnabled || kTsanEnabled;

// The allocator malloc_provider() reports when nothing is preloaded: the sanitizer's runtime
// in a sanitizer build, glibc otherwise.
inline constexpr std::string_view kBuildMalloc = kAsanEnabled   ? "asan"
                                                 : kTsanEnabled ? "tsan"
                                                                : "system";

}  // namespace memsoak

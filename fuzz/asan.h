// Whether this build runs under AddressSanitizer (g++ says so with __SANITIZE_ADDRESS__, clang
// with __has_feature): under ASan, ASan's allocator owns malloc and keeps exact statistics.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define MEMSOAK_FUZZ_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MEMSOAK_FUZZ_UNDER_ASAN 1
#endif
#endif

namespace memsoak::fuzz {

#ifdef MEMSOAK_FUZZ_UNDER_ASAN
inline constexpr bool kUnderAsan = true;
#else
inline constexpr bool kUnderAsan = false;
#endif

}  // namespace memsoak::fuzz

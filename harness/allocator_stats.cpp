#include "harness/allocator_stats.h"

#include <dlfcn.h>
#include <fmt/format.h>
#include <gnu/libc-version.h>
#include <malloc.h>
#include <sys/auxv.h>

#include <array>
#include <cstddef>
#include <filesystem>
#include <stdexcept>

#include "harness/counted_glibc.h"

namespace memsoak {
namespace {

// ---- symbols -------------------------------------------------------------------------------

template <typename Function>
Function* find_symbol(const char* name) {
  return reinterpret_cast<Function*>(::dlsym(RTLD_DEFAULT, name));
}

// Only called for the allocator that was detected, which exports all of these.
template <typename Function>
Function& require_symbol(const char* name) {
  if (Function* function = find_symbol<Function>(name)) return *function;
  throw std::runtime_error(
      fmt::format("{} serves malloc but exports no '{}'", malloc_provider().allocator, name));
}

struct LoadedObject {
  const void* base = nullptr;
  std::string path;
};

// Symlinks resolved, so that paths compare equal to the registry's resolved libraries.
std::string canonical_path(const char* path) {
  std::error_code error;
  const std::filesystem::path resolved = std::filesystem::canonical(path, error);
  return error ? std::string(path) : resolved.string();
}

// The loaded object (executable or shared library) that defines the global `symbol`.
std::optional<LoadedObject> object_defining(const char* symbol) {
  void* address = ::dlsym(RTLD_DEFAULT, symbol);
  Dl_info info{};
  if (address == nullptr || ::dladdr(address, &info) == 0) return std::nullopt;
  Dl_info main_info{};
  // The kernel hands over where the executable's program headers are as an integer.
  const auto* main_headers =
      reinterpret_cast<const void*>(::getauxval(AT_PHDR));  // NOLINT(performance-no-int-to-ptr)
  const bool in_main_program =
      ::dladdr(main_headers, &main_info) != 0 && main_info.dli_fbase == info.dli_fbase;
  return LoadedObject{info.dli_fbase,
                      canonical_path(in_main_program ? "/proc/self/exe" : info.dli_fname)};
}

std::uint64_t to_u64(std::size_t value) { return static_cast<std::uint64_t>(value); }

// ---- jemalloc ------------------------------------------------------------------------------

using MallctlFunction = int(const char*, void*, std::size_t*, void*, std::size_t);

// MALLCTL_ARENAS_ALL in <jemalloc/jemalloc.h> (5.x): "all arenas" in arena.<i>.* names.
constexpr int kJemallocAllArenas = 4096;

MallctlFunction& jemalloc_mallctl() {
  static MallctlFunction& mallctl = require_symbol<MallctlFunction>("mallctl");
  return mallctl;
}

std::optional<std::uint64_t> jemalloc_size_stat(const char* name) {
  std::size_t value = 0;
  std::size_t length = sizeof(value);
  if (jemalloc_mallctl()(name, &value, &length, nullptr, 0) != 0) return std::nullopt;
  return to_u64(value);
}

AllocatorStats read_jemalloc_stats() {
  // stats.* are snapshots taken when `epoch` is written; without it they never move.
  std::uint64_t epoch = 1;
  std::size_t length = sizeof(epoch);
  jemalloc_mallctl()("epoch", &epoch, &length, &epoch, sizeof(epoch));
  return AllocatorStats{.live_bytes = jemalloc_size_stat("stats.allocated"),
                        .active_bytes = jemalloc_size_stat("stats.active"),
                        .resident_bytes = jemalloc_size_stat("stats.resident"),
                        .mapped_bytes = jemalloc_size_stat("stats.mapped"),
                        .retained_bytes = jemalloc_size_stat("stats.retained")};
}

bool purge_jemalloc() {
  const std::string name = fmt::format("arena.{}.purge", kJemallocAllArenas);
  jemalloc_mallctl()(name.c_str(), nullptr, nullptr, nullptr, 0);
  return true;
}

std::optional<std::string> jemalloc_version() {
  const char* version = nullptr;
  std::size_t length = sizeof(version);
  if (jemalloc_mallctl()("version", static_cast<void*>(&version), &length, nullptr, 0) != 0) {
    return std::nullopt;
  }
  return std::string(version);
}

// ---- glibc ---------------------------------------------------------------------------------

AllocatorStats read_glibc_stats() {
  const struct mallinfo2 info = ::mallinfo2();
  // Chunks above the mmap threshold are mapped one by one: in use by definition.
  return AllocatorStats{.live_bytes = to_u64(info.uordblks + info.hblkhd),
                        .mapped_bytes = to_u64(info.arena + info.hblkhd)};
}

// Under memsoak's counting library: no walk of the free lists, so no mapped bytes either.
AllocatorStats read_counted_glibc_stats() {
  static auto& live_bytes = require_symbol<std::uint64_t() noexcept>(kCountedGlibcLiveBytes);
  return AllocatorStats{.live_bytes = live_bytes()};
}

bool purge_glibc() {
  ::malloc_trim(0);
  return true;
}

std::optional<std::string> glibc_version() { return std::string(::gnu_get_libc_version()); }

// ---- tcmalloc (gperftools) -----------------------------------------------------------------

std::optional<std::uint64_t> tcmalloc_property(const char* name) {
  using GetPropertyFunction = int(const char*, std::size_t*);
  static GetPropertyFunction& get_property =
      require_symbol<GetPropertyFunction>("MallocExtension_GetNumericProperty");
  std::size_t value = 0;
  if (get_property(name, &value) == 0) return std::nullopt;
  return to_u64(value);
}

AllocatorStats read_tcmalloc_stats() {
  const std::optional<std::uint64_t> heap = tcmalloc_property("generic.heap_size");
  const std::optional<std::uint64_t> unmapped =
      tcmalloc_property("tcmalloc.pageheap_unmapped_bytes");
  // heap_size counts the unmapped (returned) pages too.
  std::optional<std::uint64_t> mapped;
  if (heap && unmapped) mapped = *heap - *unmapped;
  return AllocatorStats{.live_bytes = tcmalloc_property("generic.current_allocated_bytes"),
                        .resident_bytes = tcmalloc_property("generic.total_physical_bytes"),
                        .mapped_bytes = mapped,
                        .retained_bytes = unmapped};
}

bool purge_tcmalloc() {
  require_symbol<void()>("MallocExtension_ReleaseFreeMemory")();
  return true;
}

std::optional<std::string> tcmalloc_version() {
  using VersionFunction = const char*(int*, int*, const char**);
  int major = 0;
  int minor = 0;
  const char* patch = nullptr;
  return std::string(require_symbol<VersionFunction>("tc_version")(&major, &minor, &patch));
}

// ---- mimalloc ------------------------------------------------------------------------------

AllocatorStats read_mimalloc_stats() {
  using ProcessInfoFunction = void(std::size_t*, std::size_t*, std::size_t*, std::size_t*,
                                   std::size_t*, std::size_t*, std::size_t*, std::size_t*);
  static ProcessInfoFunction& process_info = require_symbol<ProcessInfoFunction>("mi_process_info");
  std::size_t commit = 0;
  process_info(nullptr, nullptr, nullptr, nullptr, nullptr, &commit, nullptr, nullptr);
  return AllocatorStats{.mapped_bytes = to_u64(commit)};
}

bool purge_mimalloc() {
  require_symbol<void(bool)>("mi_collect")(true);
  return true;
}

std::optional<std::string> mimalloc_version() {
  const int version = require_symbol<int()>("mi_version")();  // 209 is 2.0.9
  return fmt::format("{}.{}.{}", version / 100, version / 10 % 10, version % 10);
}

bool mimalloc_owns(const void* block) {
  return require_symbol<bool(const void*)>("mi_is_in_heap_region")(block);
}

// ---- sanitizers (ASan, TSan) ---------------------------------------------------------------

// Both runtimes export sanitizer_common's allocator interface; only ASan's exports a purge.
std::optional<std::uint64_t> sanitizer_counter(const char* name) {
  auto* counter = find_symbol<std::size_t()>(name);
  if (counter == nullptr) return std::nullopt;
  return to_u64(counter());
}

AllocatorStats read_sanitizer_stats() {
  return AllocatorStats{.live_bytes = sanitizer_counter("__sanitizer_get_current_allocated_bytes"),
                        .mapped_bytes = sanitizer_counter("__sanitizer_get_heap_size"),
                        .retained_bytes = sanitizer_counter("__sanitizer_get_unmapped_bytes")};
}

bool purge_sanitizer() {
  auto* purge = find_symbol<void()>("__sanitizer_purge_allocator");
  if (purge == nullptr) return false;
  purge();
  return true;
}

constexpr MallocOwningSanitizer kAsan{"asan", "AddressSanitizer", "an ASan build"};
constexpr MallocOwningSanitizer kTsan{"tsan", "ThreadSanitizer", "a TSan build"};

std::optional<std::string> no_version() { return std::nullopt; }

// ---- the table -----------------------------------------------------------------------------

struct AllocatorProbe {
  std::string_view allocator;
  const char* marker_symbol;  // defined by this allocator, in the object that defines its malloc
  AllocatorStats (*read_stats)();
  bool (*purge)();  // false: no purge hook after all
  std::optional<std::string> (*version)();
  bool (*owns)(const void* block);  // for allocators without live bytes
  const MallocOwningSanitizer* sanitizer = nullptr;
};

// The sanitizers come first: their runtime defines malloc, and must win over anything it
// wraps. Each is told apart by its own init symbol, since both export the allocator interface.
constexpr std::array kProbes{
    AllocatorProbe{kAsan.allocator, "__asan_init", read_sanitizer_stats, purge_sanitizer,
                   no_version, nullptr, &kAsan},
    AllocatorProbe{kTsan.allocator, "__tsan_init", read_sanitizer_stats, purge_sanitizer,
                   no_version, nullptr, &kTsan},
    AllocatorProbe{"jemalloc", "mallctl", read_jemalloc_stats, purge_jemalloc, jemalloc_version,
                   nullptr},
    AllocatorProbe{"mimalloc", "mi_version", read_mimalloc_stats, purge_mimalloc, mimalloc_version,
                   mimalloc_owns},
    AllocatorProbe{"tcmalloc", "MallocExtension_GetNumericProperty", read_tcmalloc_stats,
                   purge_tcmalloc, tcmalloc_version, nullptr},
    AllocatorProbe{"system", kCountedGlibcLiveBytes, read_counted_glibc_stats, purge_glibc,
                   glibc_version, nullptr},
    AllocatorProbe{"system", "gnu_get_libc_version", read_glibc_stats, purge_glibc, glibc_version,
                   nullptr},
};

struct Detection {
  MallocProvider provider;
  const AllocatorProbe* probe = nullptr;  // null: unknown
};

Detection detect() {
  const std::optional<LoadedObject> serving = object_defining("malloc");
  if (!serving) return Detection{MallocProvider{"unknown", ""}, nullptr};
  for (const AllocatorProbe& probe : kProbes) {
    const std::optional<LoadedObject> marker = object_defining(probe.marker_symbol);
    if (marker && marker->base == serving->base) {
      return Detection{MallocProvider{std::string(probe.allocator), serving->path}, &probe};
    }
  }
  return Detection{MallocProvider{"unknown", serving->path}, nullptr};
}

const Detection& detection() {
  static const Detection detected = detect();
  return detected;
}

}  // namespace

const MallocProvider& malloc_provider() { return detection().provider; }

AllocatorStats read_allocator_stats() {
  const AllocatorProbe* probe = detection().probe;
  return probe == nullptr ? AllocatorStats{} : probe->read_stats();
}

bool purge_allocator() {
  const AllocatorProbe* probe = detection().probe;
  return probe != nullptr && probe->purge();
}

const MallocOwningSanitizer* malloc_owning_sanitizer() {
  const AllocatorProbe* probe = detection().probe;
  return probe == nullptr ? nullptr : probe->sanitizer;
}

std::string sanitizer_owns_malloc_advice(const MallocOwningSanitizer& sanitizer) {
  return fmt::format(
      "{}'s interceptors own malloc in {}; use a release build (the release preset) to choose "
      "an allocator",
      sanitizer.name, sanitizer.build);
}

std::optional<std::string> allocator_version() {
  const AllocatorProbe* probe = detection().probe;
  return probe == nullptr ? std::nullopt : probe->version();
}

bool allocator_accounting_sees_malloc() {
  const AllocatorProbe* probe = detection().probe;
  if (probe == nullptr) return false;
  // Larger than any thread cache keeps (jemalloc 32 KiB, tcmalloc 256 KiB): the allocator
  // accounts for it at once. Called through the resolved pointers so the pair is not elided.
  constexpr std::size_t kBlockBytes = std::size_t{4} << 20;
  static auto& malloc_function = require_symbol<void*(std::size_t)>("malloc");
  static auto& free_function = require_symbol<void(void*)>("free");
  const std::optional<std::uint64_t> before = probe->read_stats().live_bytes;
  void* block = malloc_function(kBlockBytes);
  const std::optional<std::uint64_t> after = probe->read_stats().live_bytes;
  const bool seen = before && after ? *after >= *before + kBlockBytes
                                    : probe->owns != nullptr && probe->owns(block);
  free_function(block);
  return seen;
}

void require_malloc_served_by(std::string_view expected) {
  const MallocProvider& provider = malloc_provider();
  if (provider.allocator == expected) return;
  const MallocOwningSanitizer* sanitizer = malloc_owning_sanitizer();
  const std::string why =
      sanitizer != nullptr
          ? sanitizer_owns_malloc_advice(*sanitizer)
          : "the preload did not take or named another library: check LD_PRELOAD (the dynamic "
            "loader says on stderr why it ignored one)";
  throw AllocatorMismatch(fmt::format("asked for {} but malloc is served by {} ({}): {}", expected,
                                      provider.allocator, provider.library_path, why));
}

}  // namespace memsoak

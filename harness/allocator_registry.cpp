#include "harness/allocator_registry.h"

#include <elf.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "harness/counted_glibc.h"

namespace memsoak {
namespace {

// tcmalloc is gperftools' libtcmalloc_minimal: the same allocator as libtcmalloc.so.4 without
// the heap profiler and heap checker, so it needs no libunwind and no profiling hooks run in
// malloc; it is also what mimalloc-bench measures as "tc".
constexpr std::array kBackends{
    AllocatorBackend{"system", "libc.so.6", "libc6", false,
                     "glibc ptmalloc2: per-thread arenas; gives memory back from the heap top, "
                     "or anywhere with malloc_trim"},
    AllocatorBackend{"jemalloc", "libjemalloc.so.2", "libjemalloc2", true,
                     "jemalloc 5: size-class slabs; freed pages decay to the OS over "
                     "dirty_decay_ms"},
    AllocatorBackend{"mimalloc", "libmimalloc.so.2", "libmimalloc2.0", true,
                     "mimalloc 2: free lists sharded per page, segments owned by threads"},
    AllocatorBackend{"tcmalloc", "libtcmalloc_minimal.so.4", "libtcmalloc-minimal4", true,
                     "gperftools tcmalloc (minimal: no profiler): thread caches over a page "
                     "heap"},
};

std::vector<std::string> split_paths(std::string_view text, std::string_view separators) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find_first_of(separators, start), text.size());
    if (end > start) parts.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

// The files an ld.so.conf "include" pattern names (wildcards in the file name only), sorted as
// glob(3) sorts them, which is the order the loader follows.
std::vector<std::string> matching_files(const std::filesystem::path& pattern) {
  std::vector<std::string> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(pattern.parent_path(), error)) {
    if (::fnmatch(pattern.filename().c_str(), entry.path().filename().c_str(), 0) == 0) {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The directories listed in an ld.so.conf file, following "include <glob>" lines.
void append_conf_dirs(const std::string& conf_file, std::vector<std::filesystem::path>& dirs,
                      int depth) {
  std::ifstream in(conf_file);
  for (std::string line; depth < 8 && std::getline(in, line);) {
    line = line.substr(0, line.find('#'));
    const std::vector<std::string> words = split_paths(line, " \t");
    if (words.size() == 2 && words[0] == "include") {
      const std::filesystem::path pattern =
          std::filesystem::path(conf_file).parent_path() / words[1];  // if relative
      for (const std::string& included : matching_files(pattern)) {
        append_conf_dirs(included, dirs, depth + 1);
      }
    } else if (words.size() == 1) {
      dirs.emplace_back(words[0]);
    }
  }
}

// The ELF identification and machine of `path`, to skip libraries of another architecture
// (/usr/lib32 holds i386 ones) as the loader does.
std::optional<std::pair<unsigned char, Elf64_Half>> elf_class_and_machine(
    const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  Elf64_Ehdr header{};  // e_ident and e_machine sit at the same offsets in 32-bit headers
  if (!in.read(reinterpret_cast<char*>(&header), sizeof(header))) return std::nullopt;
  if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) return std::nullopt;
  return std::pair{header.e_ident[EI_CLASS], header.e_machine};
}

bool loadable_here(const std::filesystem::path& library) {
  static const auto ours = elf_class_and_machine("/proc/self/exe");
  return ours && elf_class_and_machine(library) == ours;
}

// "libtcmalloc_minimal.so.4" and "libtcmalloc.so.4" are both of family "libtcmalloc".
std::string_view library_family(std::string_view file_name) {
  return file_name.substr(0, file_name.find_first_of("._"));
}

// memsoak's counting library (counted_glibc.h) serves malloc as much as any of them.
bool is_registered_allocator(const std::filesystem::path& preload) {
  const std::string file_name = preload.filename().string();
  if (file_name == kCountedGlibcLibrary) return true;
  return std::any_of(kBackends.begin(), kBackends.end(), [&](const AllocatorBackend& backend) {
    return backend.preloaded && library_family(file_name) == library_family(backend.soname);
  });
}

// The value of LD_PRELOAD for `backend`: its library (or for glibc, the counting library if
// given) first, other non-allocator preloads kept.
std::string preload_value(const AllocatorBackend& backend, std::string_view current_value,
                          std::span<const std::filesystem::path> dirs,
                          const std::optional<std::filesystem::path>& counted_glibc) {
  std::vector<std::string> preloads;
  if (backend.preloaded) {
    preloads.push_back(require_library(backend, dirs).string());
  } else if (counted_glibc) {
    preloads.push_back(counted_glibc->string());
  }
  for (std::string& entry : split_paths(current_value, " :")) {
    if (!is_registered_allocator(entry)) preloads.push_back(std::move(entry));
  }
  return fmt::format("{}", fmt::join(preloads, ":"));
}

}  // namespace

std::span<const AllocatorBackend> allocator_backends() { return kBackends; }

const AllocatorBackend& find_allocator(std::string_view name) {
  for (const AllocatorBackend& backend : kBackends) {
    if (backend.name == name) return backend;
  }
  std::vector<std::string_view> names;
  names.reserve(kBackends.size());
  for (const AllocatorBackend& backend : kBackends) names.push_back(backend.name);
  throw UnknownAllocator(
      fmt::format("unknown allocator '{}': use one of {}", name, fmt::join(names, ", ")));
}

std::vector<std::filesystem::path> library_search_dirs() {
  std::vector<std::filesystem::path> dirs;
  // getenv races only with setenv, which memsoak never calls.
  // NOLINTNEXTLINE(concurrency-mt-unsafe)
  if (const char* library_path = std::getenv("LD_LIBRARY_PATH")) {
    for (const std::string& dir : split_paths(library_path, ":;")) dirs.emplace_back(dir);
  }
  append_conf_dirs("/etc/ld.so.conf", dirs, 0);
  dirs.emplace_back("/lib");
  dirs.emplace_back("/usr/lib");
  return dirs;
}

std::optional<std::filesystem::path> find_library(std::string_view soname,
                                                  std::span<const std::filesystem::path> dirs) {
  for (const std::filesystem::path& dir : dirs) {
    const std::filesystem::path candidate = dir / soname;
    std::error_code error;
    if (std::filesystem::is_regular_file(candidate, error) && loadable_here(candidate)) {
      return std::filesystem::canonical(candidate, error);
    }
  }
  return std::nullopt;
}

std::filesystem::path require_library(const AllocatorBackend& backend,
                                      std::span<const std::filesystem::path> dirs) {
  if (std::optional<std::filesystem::path> library = find_library(backend.soname, dirs)) {
    return *std::move(library);
  }
  std::vector<std::string> searched;
  for (const std::filesystem::path& dir : dirs) searched.push_back(dir.string());
  throw AllocatorNotInstalled(fmt::format("{} is not installed: apt-get install {} (no {} in {})",
                                          backend.name, backend.debian_package, backend.soname,
                                          fmt::join(searched, ":")));
}

std::vector<std::string> environment_for_allocator(
    const AllocatorBackend& backend, std::span<const std::string> environment,
    std::span<const std::filesystem::path> dirs,
    const std::optional<std::filesystem::path>& counted_glibc) {
  const std::string preload_prefix = "LD_PRELOAD=";
  const std::string selection_prefix = fmt::format("{}=", kAllocatorVariable);
  std::string current_preload;
  std::vector<std::string> result;
  for (const std::string& entry : environment) {
    if (entry.starts_with(preload_prefix)) {
      current_preload = entry.substr(preload_prefix.size());
    } else if (!entry.starts_with(selection_prefix)) {
      result.push_back(entry);
    }
  }
  const std::string preload = preload_value(backend, current_preload, dirs, counted_glibc);
  if (!preload.empty()) result.push_back(preload_prefix + preload);
  result.push_back(selection_prefix + std::string(backend.name));
  return result;
}

std::vector<std::string> current_environment() {
  std::vector<std::string> entries;
  for (char** entry = environ; *entry != nullptr; ++entry) entries.emplace_back(*entry);
  return entries;
}

std::optional<std::filesystem::path> library_beside_executable(std::string_view name) {
  std::error_code error;
  const std::filesystem::path library =
      std::filesystem::canonical("/proc/self/exe", error).parent_path() / name;
  if (error || !std::filesystem::is_regular_file(library, error)) return std::nullopt;
  return library;
}

}  // namespace memsoak

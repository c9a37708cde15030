#include "fuzz/known_bugs.h"

#include <array>
#include <cstdio>

#include "fuzz/oracle.h"

namespace memsoak::fuzz {
namespace {

// Which bugs this process has reported already (a fixed array: no allocation).
constexpr std::size_t kMaxKnownBugs = 16;
std::array<std::string_view, kMaxKnownBugs> reported_ids;
std::size_t reported_count = 0;

bool first_report(std::string_view id) {
  for (std::size_t i = 0; i < reported_count; ++i) {
    if (reported_ids[i] == id) return false;
  }
  if (reported_count < kMaxKnownBugs) reported_ids[reported_count++] = id;
  return true;
}

int length(std::string_view text) { return static_cast<int>(text.size()); }

}  // namespace

void known_bug(const KnownBug& bug, std::string_view running_version) {
  if (!running_version.starts_with(bug.version)) {
    fail("%.*s %.*s shows the behaviour of known bug %.*s, recorded for version %.*s only: %.*s",
         length(bug.library), bug.library.data(), length(running_version), running_version.data(),
         length(bug.id), bug.id.data(), length(bug.version), bug.version.data(),
         length(bug.summary), bug.summary.data());
  }
  if (!first_report(bug.id)) return;
  std::fprintf(stderr, "memsoak-fuzz: known bug %.*s in %.*s %.*s (tolerated): %.*s\n",
               length(bug.id), bug.id.data(), length(bug.library), bug.library.data(),
               length(bug.version), bug.version.data(), length(bug.summary), bug.summary.data());
}

}  // namespace memsoak::fuzz

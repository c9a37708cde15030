// Bugs the fuzzers found in third-party libraries, keyed by library and version. A target that
// sees one calls known_bug(): on the version the bug is recorded for it is reported (once per
// process) and the target carries on with the model corrected to what the library really did,
// so fuzzing stays green there; on any other version it fails like a new finding, to be looked
// at again. Every entry has a reproducer in corpora/<target>/regressions/ and a line in
// docs/fuzzing.md with its upstream status.
#pragma once

#include <string_view>

namespace memsoak::fuzz {

struct KnownBug {
  std::string_view id;       // also the reproducer's name: known-<id>
  std::string_view library;  // "jemalloc"
  std::string_view version;  // the version it was found in, as the library reports it
  std::string_view summary;
};

// Reports `bug` and returns if `running_version` starts with bug.version; fails otherwise.
void known_bug(const KnownBug& bug, std::string_view running_version);

}  // namespace memsoak::fuzz

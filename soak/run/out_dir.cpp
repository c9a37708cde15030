#include "soak/run/out_dir.h"

#include <fmt/format.h>

namespace memsoak {

std::filesystem::path claim_out_dir(const std::optional<std::filesystem::path>& requested,
                                    const std::filesystem::path& default_dir) {
  namespace fs = std::filesystem;
  if (requested) {
    if (fs::exists(*requested / run_dir::kSeries)) {
      throw OutDirTaken(fmt::format(
          "{} already holds a run ({}): choose another --out, or remove it to run again",
          requested->string(), run_dir::kSeries));
    }
    fs::create_directories(*requested);
    return *requested;
  }
  if (default_dir.has_parent_path()) fs::create_directories(default_dir.parent_path());
  for (int suffix = 1;; ++suffix) {
    fs::path candidate =
        suffix == 1 ? default_dir : fs::path(fmt::format("{}-{}", default_dir.string(), suffix));
    if (fs::create_directory(candidate)) return candidate;
  }
}

}  // namespace memsoak

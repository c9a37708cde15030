#include "soak/run/out_dir.h"

#include <fcntl.h>
#include <fmt/format.h>

#include <cerrno>
#include <system_error>

namespace memsoak {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void unusable(const fs::path& dir, std::string_view cause) {
  throw OutDirUnusable(fmt::format("cannot write the run into {}: {}", dir.string(), cause));
}

void make_directories(const fs::path& dir) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) unusable(dir, error.message());
  if (!fs::is_directory(dir, error)) unusable(dir, "it exists and is not a directory");
}

// The series file, created only if there is none: the one step two runs cannot both win.
std::optional<FileDescriptor> create_series(const fs::path& dir) {
  const fs::path path = dir / run_dir::kSeries;
  FileDescriptor fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (fd.is_open()) return fd;
  if (errno == EEXIST) return std::nullopt;
  unusable(dir, std::generic_category().message(errno));
}

}  // namespace

ClaimedRunDir claim_run_dir(const std::optional<fs::path>& requested, const fs::path& default_dir) {
  if (requested) {
    if (requested->empty()) unusable(*requested, "--out is empty: name a directory");
    make_directories(*requested);
    std::optional<FileDescriptor> series = create_series(*requested);
    if (!series) {
      throw OutDirTaken(fmt::format(
          "{} already holds a run ({}): choose another --out, or remove it to run again",
          requested->string(), run_dir::kSeries));
    }
    return ClaimedRunDir{
        *requested, SeriesWriter(std::move(*series), (*requested / run_dir::kSeries).string())};
  }
  if (default_dir.has_parent_path()) make_directories(default_dir.parent_path());
  for (int suffix = 1;; ++suffix) {
    const fs::path candidate =
        suffix == 1 ? default_dir : fs::path(fmt::format("{}-{}", default_dir.string(), suffix));
    std::error_code error;
    fs::create_directory(candidate, error);
    if (error) unusable(candidate, error.message());
    if (std::optional<FileDescriptor> series = create_series(candidate)) {
      return ClaimedRunDir{
          candidate, SeriesWriter(std::move(*series), (candidate / run_dir::kSeries).string())};
    }
  }
}

}  // namespace memsoak

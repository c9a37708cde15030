#include "harness/whole_file.h"

#include <cerrno>
#include <fstream>
#include <system_error>

namespace memsoak {

void write_whole_file(const std::filesystem::path& path, std::string_view text) {
  std::filesystem::path partial = path;
  partial += ".partial";
  std::error_code error;
  {
    errno = 0;
    std::ofstream file(partial, std::ios::trunc | std::ios::binary);
    file.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!file.flush()) error.assign(errno != 0 ? errno : EIO, std::generic_category());
  }
  if (!error) std::filesystem::rename(partial, path, error);
  if (error) {
    std::error_code ignored;
    std::filesystem::remove(partial, ignored);
    throw std::system_error(error, "cannot write " + path.string());
  }
}

}  // namespace memsoak

// Files a reader must never see half-written (verdict.json, a JUnit file, a node_exporter
// textfile): the text goes to PATH.partial beside it, which is then renamed over PATH.
#pragma once

#include <filesystem>
#include <string_view>

namespace memsoak {

// Throws std::system_error naming the path and the cause; leaves no PATH.partial behind.
void write_whole_file(const std::filesystem::path& path, std::string_view text);

}  // namespace memsoak

// The replay binary: the target without libFuzzer, so every compiler (g++ included) can run
// corpora as regression tests and reproduce a crash under a debugger. It also prints any input
// as its operation program and assembles hand-written programs (.ops text) into inputs.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/run.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;
using memsoak::fuzz::target_op_table;

constexpr std::string_view kUsage =
    "usage: %s [FILE|DIR]...                 run inputs (directories recursively; .ops text is\n"
    "                                         assembled first; .dict and .options are skipped)\n"
    "       %s --print FILE...               print inputs as operation programs\n"
    "       %s --assemble SOURCE.ops OUTPUT  write a hand-written program as an input\n"
    "       %s --dictionary                  print a libFuzzer dictionary of the operations\n";

std::vector<std::uint8_t> read_bytes(const fs::path& path) {
  if (fs::is_directory(path)) {
    throw std::runtime_error(path.string() + " is a directory: name an input file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::uint8_t> read_input(const fs::path& path) {
  std::vector<std::uint8_t> bytes = read_bytes(path);
  if (path.extension() != ".ops") return bytes;
  try {
    return memsoak::fuzz::assemble_program(
        target_op_table(),
        std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  } catch (const memsoak::fuzz::AssembleError& error) {
    throw std::runtime_error(path.string() + ": " + error.what());
  }
}

bool is_input(const fs::path& path) {
  return path.extension() != ".dict" && path.extension() != ".options" &&
         path.filename().string().front() != '.';
}

std::size_t replay(const fs::path& path) {
  if (!fs::is_directory(path)) {
    std::fprintf(stderr, "replaying %s\n", path.c_str());
    const std::vector<std::uint8_t> input = read_input(path);
    LLVMFuzzerTestOneInput(input.data(), input.size());
    return 1;
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(path)) {
    if (entry.is_regular_file() && is_input(entry.path())) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) replay(file);
  return files.size();
}

int run(const std::vector<std::string>& args) {
  if (args.size() >= 2 && args[0] == "--print") {
    for (std::size_t i = 1; i < args.size(); ++i) {
      const std::vector<std::uint8_t> input = read_input(args[i]);
      std::printf("# %s\n", args[i].c_str());
      memsoak::fuzz::print_program(target_op_table(), input, stdout);
    }
    return 0;
  }
  if (args.size() == 1 && args[0] == "--dictionary") {
    memsoak::fuzz::print_dictionary(target_op_table(), stdout);
    return 0;
  }
  if (args.size() == 3 && args[0] == "--assemble") {
    const std::vector<std::uint8_t> input = read_input(args[1]);
    std::ofstream out(args[2], std::ios::binary);
    out.write(reinterpret_cast<const char*>(input.data()),
              static_cast<std::streamsize>(input.size()));
    if (!out) throw std::runtime_error("cannot write " + args[2]);
    return 0;
  }
  if (args.empty() || args[0].starts_with("--")) return 2;
  std::size_t inputs = 0;
  for (const std::string& arg : args) {
    if (!fs::exists(arg)) throw std::runtime_error(arg + " does not exist");
    inputs += replay(arg);
  }
  if (inputs == 0) {
    throw std::runtime_error("nothing to replay: no input files in the directories given");
  }
  std::printf("%s: replayed %zu inputs, no failure\n",
              std::string(target_op_table().target).c_str(), inputs);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const int status = run(std::vector<std::string>(argv + 1, argv + argc));
    if (status == 2) std::fprintf(stderr, kUsage.data(), argv[0], argv[0], argv[0], argv[0]);
    return status;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "%s: %s\n", argv[0], error.what());
    return 2;
  }
}

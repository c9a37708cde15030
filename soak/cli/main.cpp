// memsoak: finds the memory failures of long-running services. See README.md.
#include <fmt/format.h>

#include <exception>

#include "soak/cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"memsoak: find the memory failures of long-running services"};
  app.require_subcommand(1);
  memsoak::add_run_command(app);
  memsoak::add_analyze_command(app);
  memsoak::add_list_command(app);
  memsoak::add_probe_allocator_command(app);
  memsoak::add_report_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // CLI11 uses 0 for --help and 106/1xx for usage errors; ours are 0 and 2.
    const int code = app.exit(error);
    return code == 0 ? memsoak::kExitPass : memsoak::kExitUsage;
  } catch (const memsoak::Exit& exit) {
    return exit.code;
  } catch (const std::exception& error) {
    fmt::print(stderr, "memsoak: internal error: {}\n", error.what());
    return memsoak::kExitInternal;
  }
  return memsoak::kExitPass;
}

// memsoak probe-allocator (hidden): prints, as one JSON line, which allocator serves malloc in
// this process and what it reports. `memsoak list` runs it under each allocator's preload.
#include <fmt/format.h>

#include "harness/allocator_report.h"
#include "soak/cli/commands.h"

namespace memsoak {

void add_probe_allocator_command(CLI::App& app) {
  CLI::App* probe = app.add_subcommand("probe-allocator", "Report the allocator serving malloc");
  probe->group("");  // hidden from --help: an internal step of `memsoak list`
  probe->callback([] {
    const nlohmann::json report = report_allocator();
    fmt::print("{}\n", report.dump());
  });
}

}  // namespace memsoak

// memsoak list: the allocators (installed or not, and whether a preload of each really takes)
// and the scenarios, with the verdict each is expected to reach on each allocator.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "soak/cli/allocator_listing.h"
#include "soak/cli/commands.h"
#include "soak/cli/scenario_listing.h"

namespace memsoak {

void add_list_command(CLI::App& app) {
  CLI::App* list = app.add_subcommand(
      "list",
      "List the allocators (installed or not) and the scenarios with their expected verdicts");
  auto json_output = std::make_shared<bool>(false);
  list->add_flag("--json", *json_output, "Print JSON instead of tables");
  list->callback([json_output] {
    const std::vector<AllocatorListing> listings = list_allocators("/proc/self/exe");
    const std::string text = *json_output
                                 ? nlohmann::json{{"allocators", allocators_json(listings)},
                                                  {"scenarios", scenarios_json(listings)}}
                                       .dump(2)
                                 : "Allocators\n" + format_allocator_table(listings) +
                                       "\nScenarios\n" + format_scenario_table(listings) +
                                       "\nRun one: memsoak run --scenario NAME --allocator NAME";
    fmt::print("{}\n", text);
  });
}

}  // namespace memsoak

// memsoak list: the allocators (installed or not, and whether a preload of each really takes).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "soak/allocator_listing.h"
#include "soak/commands.h"

namespace memsoak {

void add_list_command(CLI::App& app) {
  CLI::App* list = app.add_subcommand("list", "List the allocators and whether they are installed");
  auto json_output = std::make_shared<bool>(false);
  list->add_flag("--json", *json_output, "Print JSON instead of a table");
  list->callback([json_output] {
    const std::vector<AllocatorListing> listings = list_allocators("/proc/self/exe");
    const std::string text = *json_output
                                 ? nlohmann::json{{"allocators", allocators_json(listings)}}.dump(2)
                                 : "Allocators\n" + format_allocator_table(listings);
    std::fputs(text.c_str(), stdout);
    std::fputs("\n", stdout);
  });
}

}  // namespace memsoak

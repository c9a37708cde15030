// The scenario part of `memsoak list`: every scenario of soak/workload/scenarios.h with the verdict
// the detector is expected to reach on each allocator of the registry, and what the scenario
// models. The allocator columns follow `listings` (list_allocators()), so an allocator that is not
// installed is marked as such: its expectation holds once it is installed. Outcomes read
// `pass`, `fail` (printed FAIL) or `bound` (not a defect of the program: the run passes unless
// --rss-bound is crossed); an allocator the scenario table has no entry for reads `-`.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "soak/cli/allocator_listing.h"

namespace memsoak {

// A fixed-width table, one scenario per row and one column per allocator (`pass bounded`,
// `FAIL leak`, ...), a legend, then each scenario's `models` sentence wrapped to 100 columns.
std::string format_scenario_table(const std::vector<AllocatorListing>& listings);

// [{"name", "models", "expected": [{"allocator", "outcome", "verdict", "installed"}]}], the
// allocators in the order of `listings`; outcome and verdict are null where no entry exists.
nlohmann::json scenarios_json(const std::vector<AllocatorListing>& listings);

}  // namespace memsoak

#include "soak/cli/allocator_listing.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "harness/allocator_stats.h"
#include "harness/subprocess.h"

namespace memsoak {
namespace {

// Runs the probe under `backend` and reads its report; an error message instead on failure.
void probe(AllocatorListing& listing, const std::filesystem::path& memsoak_binary,
           std::span<const std::filesystem::path> dirs) {
  const std::vector<std::string> argv{memsoak_binary.string(), "probe-allocator"};
  const std::vector<std::string> environment =
      environment_for_allocator(*listing.backend, current_environment(), dirs);
  const CapturedRun run = run_capturing(argv, environment);
  if (run.exit_code != 0) {
    const std::string first_line = run.stderr_text.substr(0, run.stderr_text.find('\n'));
    listing.probe_error =
        fmt::format("probe failed (exit {}, signal {}): {}", run.exit_code, run.signal, first_line);
    return;
  }
  try {
    listing.probe = nlohmann::json::parse(run.stdout_text).get<AllocatorReport>();
  } catch (const nlohmann::json::exception& error) {
    listing.probe_error = fmt::format("probe printed no report: {}", error.what());
  }
}

bool serves_malloc(const AllocatorListing& listing) {
  return listing.probe && listing.probe->provider.allocator == listing.backend->name;
}

std::string status(const AllocatorListing& listing) {
  if (!listing.library) return "missing";
  if (!listing.probe) return "not probed";
  return serves_malloc(listing) ? "ok" : "served by " + listing.probe->provider.allocator;
}

// The last column: where the library is, or how to get it, or why it does not work.
std::string detail(const AllocatorListing& listing) {
  if (!listing.library) return fmt::format("apt-get install {}", listing.backend->debian_package);
  if (!listing.probe) return listing.probe_error;
  return listing.library->string();
}

}  // namespace

std::vector<AllocatorListing> list_allocators(const std::filesystem::path& memsoak_binary) {
  const std::vector<std::filesystem::path> dirs = library_search_dirs();
  std::vector<AllocatorListing> listings;
  for (const AllocatorBackend& backend : allocator_backends()) {
    AllocatorListing listing{&backend, find_library(backend.soname, dirs), std::nullopt, ""};
    const MallocOwningSanitizer* sanitizer = malloc_owning_sanitizer();
    if (listing.library && backend.preloaded && sanitizer != nullptr) {
      listing.probe_error = sanitizer_owns_malloc_advice(*sanitizer);
    } else if (listing.library) {
      probe(listing, memsoak_binary, dirs);
    }
    listings.push_back(std::move(listing));
  }
  return listings;
}

std::string format_allocator_table(const std::vector<AllocatorListing>& listings) {
  std::vector<std::array<std::string, 4>> rows{{"allocator", "status", "version", "library"}};
  for (const AllocatorListing& listing : listings) {
    rows.push_back({std::string(listing.backend->name), status(listing),
                    listing.probe ? listing.probe->version.value_or("-") : "-", detail(listing)});
  }
  std::array<std::size_t, 3> widths{};  // the last column is not padded
  for (const auto& row : rows) {
    for (std::size_t column = 0; column < widths.size(); ++column) {
      widths[column] = std::max(widths[column], row[column].size());
    }
  }
  std::string table;
  for (const auto& row : rows) {
    table += fmt::format("{:<{}}  {:<{}}  {:<{}}  {}\n", row[0], widths[0], row[1], widths[1],
                         row[2], widths[2], row[3]);
  }
  return table;
}

nlohmann::json allocators_json(const std::vector<AllocatorListing>& listings) {
  nlohmann::json allocators = nlohmann::json::array();
  for (const AllocatorListing& listing : listings) {
    const AllocatorReport* probe = listing.probe ? &*listing.probe : nullptr;
    allocators.push_back({
        {"name", listing.backend->name},
        {"summary", listing.backend->summary},
        {"package", listing.backend->debian_package},
        {"soname", listing.backend->soname},
        {"installed", listing.library.has_value()},
        {"library", listing.library ? nlohmann::json(listing.library->string()) : nullptr},
        {"preload", listing.backend->preloaded},
        {"serves_malloc", serves_malloc(listing)},
        {"served_by", probe ? nlohmann::json(probe->provider.allocator) : nullptr},
        {"version", probe && probe->version ? nlohmann::json(*probe->version) : nullptr},
        {"probe_error",
         listing.probe_error.empty() ? nullptr : nlohmann::json(listing.probe_error)},
    });
  }
  return allocators;
}

}  // namespace memsoak

#include "harness/allocator_report.h"

namespace memsoak {
namespace {

template <typename Value>
nlohmann::json optional_to_json(const std::optional<Value>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

template <typename Value>
std::optional<Value> optional_from_json(const nlohmann::json& json, const char* key) {
  const auto found = json.find(key);
  if (found == json.end() || found->is_null()) return std::nullopt;
  return found->get<Value>();
}

}  // namespace

AllocatorReport report_allocator() {
  return AllocatorReport{.provider = malloc_provider(),
                         .version = allocator_version(),
                         .accounting_confirmed = allocator_accounting_sees_malloc(),
                         .stats = read_allocator_stats()};
}

void to_json(nlohmann::json& json, const AllocatorStats& stats) {
  json = nlohmann::json::object();
  for (const auto& [key, field] : kAllocatorStatKeys) json[key] = optional_to_json(stats.*field);
}

void from_json(const nlohmann::json& json, AllocatorStats& stats) {
  for (const auto& [key, field] : kAllocatorStatKeys) {
    stats.*field = optional_from_json<double>(json, key);
  }
}

void to_json(nlohmann::json& json, const AllocatorReport& report) {
  json = nlohmann::json{{"allocator", report.provider.allocator},
                        {"library", report.provider.library_path},
                        {"version", optional_to_json(report.version)},
                        {"accounting_confirmed", report.accounting_confirmed},
                        {"stats", report.stats}};
}

void from_json(const nlohmann::json& json, AllocatorReport& report) {
  report.provider.allocator = json.at("allocator").get<std::string>();
  report.provider.library_path = json.at("library").get<std::string>();
  report.version = optional_from_json<std::string>(json, "version");
  report.accounting_confirmed = json.at("accounting_confirmed").get<bool>();
  report.stats = json.at("stats").get<AllocatorStats>();
}

}  // namespace memsoak

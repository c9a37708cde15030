// How a work or memory source ends a soak from inside a sample: the process it reads has
// exited, or a reading failed in a way that must not be papered over (a counter went
// backwards, an endpoint stopped answering). The loop stops with `reason` and writes
// `details` into the series' end record; the message says what happened, for the user.
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace memsoak {

struct SourceEnded : std::runtime_error {
  SourceEnded(std::string end_reason, const std::string& message,
              nlohmann::json end_details = nlohmann::json::object())
      : std::runtime_error(message),
        reason(std::move(end_reason)),
        details(std::move(end_details)) {}

  std::string reason;  // "exit", "work-source-error", ...
  nlohmann::json details;
};

}  // namespace memsoak

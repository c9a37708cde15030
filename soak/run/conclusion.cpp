#include "soak/run/conclusion.h"

#include <fmt/format.h>

#include <filesystem>
#include <system_error>

#include "harness/run_dir.h"
#include "harness/units.h"
#include "soak/exit_code.h"

namespace memsoak {

Verdict final_verdict(Detector& detector, RunFacts& facts) {
  try {
    return detector.finish();
  } catch (const DetectorInputError& error) {
    facts.undecided = error.what();
    return detector.check();
  }
}

int verdict_exit_code(const Verdict& verdict, const RunFacts& facts) {
  if (verdict.fail) return kExitFail;
  return facts.undecided ? kExitUsage : kExitPass;
}

int write_ci_results(const CiFiles& files, const nlohmann::json& document, int exit_code,
                     std::string_view command) {
  try {
    const CiRow row = self_judged_row(document, exit_code);
    write_ci_files(files, std::span(&row, 1), command);
    return exit_code;
  } catch (const std::system_error& error) {
    fmt::print(stderr, "memsoak {}: {}\n", command, error.what());
    return exit_code == kExitPass ? kExitUsage : exit_code;
  }
}

void write_series_header(SeriesWriter& series, const SeriesHeader& header) {
  try {
    series.write(header);
  } catch (const SeriesWriteError&) {
    std::filesystem::remove(series.path());
    throw;
  }
}

std::optional<std::string> write_verdict(const Verdict& verdict, const RunFacts& facts) {
  try {
    write_verdict_file(facts.out_dir / run_dir::kVerdict, verdict_document(verdict, facts));
    return std::nullopt;
  } catch (const std::system_error& error) {
    return fmt::format("no verdict.json: {}; the verdict above is the run's", error.what());
  }
}

void print_series_kept(std::string_view command, const SeriesWriter& series,
                       const std::string& error) {
  fmt::print(stderr,
             "{}: the series could not be written on ({}); {} keeps {} records ({}), each "
             "whole, and the verdict is from them\n",
             command, error, series.path(), series.records_written(),
             format_bytes(static_cast<double>(series.bytes_written())));
}

}  // namespace memsoak

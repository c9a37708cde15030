#include "soak/report/ci_results.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <system_error>

#include "harness/whole_file.h"

namespace memsoak {
namespace {

std::optional<std::string> optional_text(const nlohmann::json& value) {
  return value.is_string() ? std::optional(value.get<std::string>()) : std::nullopt;
}

// The facts every row shares; `watch` names the command it followed in place of a scenario.
CiRow base_row(const nlohmann::json& document) {
  const nlohmann::json& run = document.at("run");
  CiRow row;
  row.scenario = run.at("scenario").get<std::string>();
  if (const auto watched = run.find("watched"); watched != run.end() && watched->is_object()) {
    const nlohmann::json& command = watched->value("command", nlohmann::json::array());
    if (command.is_array() && !command.empty()) {
      row.scenario = std::filesystem::path(command.front().get<std::string>()).filename();
    }
  }
  row.allocator = run.at("allocator").get<std::string>();
  row.verdict = document.at("verdict").get<std::string>();
  row.explanation = document.at("explanation").get<std::string>();
  row.reproduce = run.at("command").get<std::string>();
  row.elapsed_s = run.value("elapsed_s", 0.0);
  row.expected = optional_text(run.value("expected_verdict", nlohmann::json()));
  return row;
}

std::string_view outcome_name(CiOutcome outcome) {
  switch (outcome) {
    case CiOutcome::kPass:
      return "pass";
    case CiOutcome::kFail:
      return "fail";
    case CiOutcome::kError:
      return "error";
  }
  return "";
}

std::string outcome_word(CiOutcome outcome) {
  return outcome == CiOutcome::kPass ? "pass" : fmt::format("**{}**", outcome_name(outcome));
}

// A table cell: a pipe would end it and a line break would end the row.
std::string cell(std::string_view text) {
  std::string escaped;
  for (const char c : text) {
    if (c == '|') {
      escaped += "\\|";
    } else {
      escaped += c == '\n' || c == '\r' ? ' ' : c;
    }
  }
  return escaped;
}

std::string code_cell(std::string_view text) {
  return text.empty() ? "" : fmt::format("`{}`", cell(text));
}

// XML 1.0 text: the five entities escaped, the control characters it forbids dropped.
std::string xml(std::string_view text) {
  std::string escaped;
  for (const char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      case '\'':
        escaped += "&apos;";
        break;
      default:
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n' || c == '\r') {
          escaped += c;
        }
    }
  }
  return escaped;
}

std::size_t count(std::span<const CiRow> rows, CiOutcome outcome) {
  return static_cast<std::size_t>(std::count_if(
      rows.begin(), rows.end(), [&](const CiRow& row) { return row.outcome == outcome; }));
}

std::string testcase(const CiRow& row, std::string_view suite) {
  std::string text =
      fmt::format(R"(    <testcase classname="memsoak.{}.{}" name="{} on {}" time="{:.3f}">)",
                  xml(suite), xml(row.scenario), xml(row.scenario), xml(row.allocator),
                  row.elapsed_s) +
      "\n";
  if (row.outcome != CiOutcome::kPass) {
    const char* element = row.outcome == CiOutcome::kFail ? "failure" : "error";
    text += fmt::format(R"(      <{} type="{}" message="{}">{}{}reproduce: {}</{}>)", element,
                        xml(row.verdict), xml(row.message), xml(row.explanation), "\n",
                        xml(row.reproduce), element) +
            "\n";
  }
  text += fmt::format("      <system-out>{}</system-out>\n",
                      xml(fmt::format("verdict: {}\nexpected: {}\n{}\nreproduce: {}", row.verdict,
                                      row.expected.value_or("-"), row.explanation, row.reproduce)));
  return text + "    </testcase>\n";
}

}  // namespace

CiRow self_judged_row(const nlohmann::json& verdict_document, int exit_code) {
  CiRow row = base_row(verdict_document);
  row.outcome = exit_code == 0   ? CiOutcome::kPass
                : exit_code == 1 ? CiOutcome::kFail
                                 : CiOutcome::kError;
  const std::optional<std::string> undecided =
      optional_text(verdict_document.at("run").value("undecided", nlohmann::json()));
  row.message = row.outcome == CiOutcome::kError && undecided
                    ? fmt::format("undecided: {}", *undecided)
                    : fmt::format("verdict {} (exit {})", row.verdict, exit_code);
  return row;
}

CiRow expectation_row(const nlohmann::json& verdict_document) {
  CiRow row = base_row(verdict_document);
  const bool as_expected =
      row.expected ? row.verdict == *row.expected : !verdict_document.at("fail").get<bool>();
  row.outcome = as_expected ? CiOutcome::kPass : CiOutcome::kFail;
  row.message = row.expected ? fmt::format("verdict {}, expected {}", row.verdict, *row.expected)
                             : fmt::format("verdict {} fails", row.verdict);
  return row;
}

std::string ci_markdown(std::span<const CiRow> rows, std::string_view title) {
  const std::size_t failed = count(rows, CiOutcome::kFail);
  const std::size_t errors = count(rows, CiOutcome::kError);
  std::string text = fmt::format("### {}: {} run{}, {} passed, {} failed{}\n\n", title, rows.size(),
                                 rows.size() == 1 ? "" : "s", rows.size() - failed - errors, failed,
                                 errors > 0 ? fmt::format(", {} errors", errors) : "");
  text += "| scenario | allocator | verdict | expected | result | reproduce |\n";
  text += "|---|---|---|---|---|---|\n";
  for (const CiRow& row : rows) {
    text += fmt::format("| {} | {} | {} | {} | {} | {} |\n", cell(row.scenario),
                        cell(row.allocator), cell(row.verdict), cell(row.expected.value_or("-")),
                        outcome_word(row.outcome), code_cell(row.reproduce));
  }
  for (const CiRow& row : rows) {
    if (row.outcome == CiOutcome::kPass) continue;
    text += fmt::format("\n**{} on {}**: {}.{}{}\n", row.scenario, row.allocator, row.message,
                        row.explanation.empty() ? "" : " ", row.explanation);
    if (!row.reproduce.empty()) text += fmt::format("\n```sh\n{}\n```\n", row.reproduce);
  }
  return text;
}

std::string ci_junit(std::span<const CiRow> rows, std::string_view suite) {
  double elapsed_s = 0;
  for (const CiRow& row : rows) elapsed_s += row.elapsed_s;
  const std::string counts =
      fmt::format(R"(tests="{}" failures="{}" errors="{}")", rows.size(),
                  count(rows, CiOutcome::kFail), count(rows, CiOutcome::kError));
  std::string text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  text += fmt::format(R"(<testsuites name="memsoak" {} time="{:.3f}">)", counts, elapsed_s) + "\n";
  text += fmt::format(R"(  <testsuite name="memsoak.{}" {} skipped="0" time="{:.3f}">)", xml(suite),
                      counts, elapsed_s) +
          "\n";
  for (const CiRow& row : rows) text += testcase(row, suite);
  return text + "  </testsuite>\n</testsuites>\n";
}

std::string ci_text(std::span<const CiRow> rows) {
  std::size_t scenario_width = 8;
  std::size_t allocator_width = 9;
  for (const CiRow& row : rows) {
    scenario_width = std::max(scenario_width, row.scenario.size());
    allocator_width = std::max(allocator_width, row.allocator.size());
  }
  const auto line = [&](std::string_view scenario, std::string_view allocator,
                        std::string_view verdict, std::string_view expected,
                        std::string_view result) {
    return fmt::format("{:<{}}  {:<{}}  {:<14}  {:<14}  {}\n", scenario, scenario_width, allocator,
                       allocator_width, verdict, expected, result);
  };
  std::string text = line("scenario", "allocator", "verdict", "expected", "result");
  for (const CiRow& row : rows) {
    text += line(row.scenario, row.allocator, row.verdict, row.expected.value_or("-"),
                 outcome_name(row.outcome));
  }
  for (const CiRow& row : rows) {
    if (row.outcome == CiOutcome::kPass) continue;
    text += fmt::format("\n{} on {}: {}\n", row.scenario, row.allocator, row.message);
    if (!row.reproduce.empty()) text += fmt::format("  reproduce: {}\n", row.reproduce);
  }
  return text;
}

nlohmann::json ci_json(std::span<const CiRow> rows) {
  nlohmann::json array = nlohmann::json::array();
  for (const CiRow& row : rows) {
    array.push_back({{"scenario", row.scenario},
                     {"allocator", row.allocator},
                     {"verdict", row.verdict},
                     {"expected", row.expected ? nlohmann::json(*row.expected) : nlohmann::json()},
                     {"outcome", outcome_name(row.outcome)},
                     {"message", row.message},
                     {"explanation", row.explanation},
                     {"reproduce", row.reproduce},
                     {"elapsed_s", row.elapsed_s}});
  }
  return array;
}

void write_ci_files(const CiFiles& files, std::span<const CiRow> rows, std::string_view title) {
  if (!files.junit.empty()) write_whole_file(files.junit, ci_junit(rows, title));
  if (files.summary_md.empty()) return;
  std::ofstream summary(files.summary_md, std::ios::app);
  summary << ci_markdown(rows, fmt::format("memsoak {}", title)) << '\n';
  if (!summary.flush()) {
    throw std::system_error(errno != 0 ? errno : EIO, std::generic_category(),
                            "cannot write " + files.summary_md);
  }
}

}  // namespace memsoak

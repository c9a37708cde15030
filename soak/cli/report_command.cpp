// `memsoak report DIR [--format png|svg] [--json]`: the command-line face of soak/report/report.h.
#include <iostream>
#include <memory>
#include <string>

#include "harness/units.h"
#include "soak/cli/commands.h"
#include "soak/report/plots.h"
#include "soak/report/report.h"

namespace memsoak {

namespace {

struct ReportRequest {
  ReportOptions options;
  std::string format = "png";
};

}  // namespace

void add_report_command(CLI::App& app) {
  auto request = std::make_shared<ReportRequest>();
  ReportOptions* options = &request->options;
  CLI::App* command = app.add_subcommand(
      "report", "Summary and plots (gnuplot) of a finished or killed run directory");
  command->add_option("DIR", options->dir, "The run directory (series.jsonl, verdict.json)")
      ->required();
  command->add_option("--format", request->format, "Plot format: png (default) or svg")
      ->check(CLI::IsMember({"png", "svg"}));
  command->add_flag("--json", options->json, "Print the summary as JSON instead of text");
  command->add_option_function<std::string>(
      "--gnuplot-timeout",
      [options](const std::string& text) {
        try {
          options->gnuplot_timeout =
              std::chrono::duration_cast<std::chrono::milliseconds>(parse_duration(text));
        } catch (const UnitError& error) {
          throw CLI::ValidationError("--gnuplot-timeout", error.what());
        }
      },
      "Kill gnuplot if it takes longer than this (default 60s)");
  command->footer(
      "Writes DIR/report.txt, DIR/report.gp (the gnuplot script: edit it and run `gnuplot "
      "report.gp` in DIR), DIR/report.dat and the plots. A report does not judge the run.\n"
      "Exit codes: 0 report written; 2 no such directory, no series.jsonl, or a corrupt series "
      "or verdict.json; 3 summary written but no plots (gnuplot missing: apt-get install "
      "gnuplot-nox; or gnuplot failed).");
  command->callback([request] {
    request->options.format = request->format == "svg" ? PlotFormat::kSvg : PlotFormat::kPng;
    request->options.gnuplot = find_in_path("gnuplot");
    throw Exit{run_report(request->options, std::cout, std::cerr)};
  });
}

}  // namespace memsoak

// `memsoak report DIR [--format png|svg] [--json]`: the command-line face of soak/report.h.
#include <iostream>
#include <map>
#include <memory>

#include "soak/commands.h"
#include "soak/report.h"
#include "soak/report_plots.h"

namespace memsoak {

void add_report_command(CLI::App& app) {
  auto options = std::make_shared<ReportOptions>();
  CLI::App* command = app.add_subcommand(
      "report", "Summary and plots (gnuplot) of a finished or killed run directory");
  command->add_option("DIR", options->dir, "The run directory (series.jsonl, verdict.json)")
      ->required();
  const std::map<std::string, PlotFormat> formats{{"png", PlotFormat::kPng},
                                                  {"svg", PlotFormat::kSvg}};
  command->add_option("--format", options->format, "Plot format: png (default) or svg")
      ->transform(CLI::CheckedTransformer(formats, CLI::ignore_case));
  command->add_flag("--json", options->json, "Print the summary as JSON instead of text");
  command->footer(
      "Writes DIR/report.txt, DIR/report.gp (the gnuplot script: edit it and run `gnuplot "
      "report.gp` in DIR), DIR/report.dat and the plots. A report does not judge the run.\n"
      "Exit codes: 0 report written; 2 no such directory, no series.jsonl, or a corrupt series "
      "or verdict.json; 3 summary written but no plots (gnuplot missing: apt-get install "
      "gnuplot-nox; or gnuplot failed).");
  command->callback([options] {
    options->gnuplot = find_in_path("gnuplot");
    throw Exit{run_report(*options, std::cout, std::cerr)};
  });
}

}  // namespace memsoak

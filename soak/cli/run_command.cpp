// `memsoak run`: the command-line face of the soak runner (soak/run/runner.h), turning each
// kind of failure into its exit code and a message.
#include <fmt/format.h>

#include <memory>

#include "soak/cli/commands.h"
#include "soak/cli/run_flags.h"
#include "soak/run/allocator_selection.h"
#include "soak/run/out_dir.h"
#include "soak/run/runner.h"

namespace memsoak {
namespace {

int run_reporting_errors(const RunOptions& options) {
  try {
    return run_soak(options);
  } catch (const AllocatorSelectionFailed& error) {
    fmt::print(stderr, "memsoak run: {}\n", error.what());
    return kExitInternal;
  } catch (const AllocatorUnavailable& error) {
    fmt::print(stderr, "memsoak run: {} (memsoak list shows what is installed)\n", error.what());
    return kExitUsage;
  } catch (const OutDirTaken& error) {
    fmt::print(stderr, "memsoak run: {}\n", error.what());
    return kExitUsage;
  } catch (const OutDirUnusable& error) {
    fmt::print(stderr, "memsoak run: {}\n", error.what());
    return kExitUsage;
  } catch (const SeriesWriteError& error) {  // the header: nothing of the run was written
    fmt::print(stderr, "memsoak run: {}\n", error.what());
    return kExitUsage;
  } catch (const std::invalid_argument& error) {  // unknown scenario, bad settings
    fmt::print(stderr, "memsoak run: {}\n", error.what());
    return kExitUsage;
  }
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto flags = std::make_shared<RunFlags>();
  CLI::App* command = app.add_subcommand(
      "run", "Soak a scenario under an allocator; fail on a proven leak or a crossed bound");
  add_run_flags(*command, *flags);
  command->callback([flags, command] {
    const RunOptions options =
        parsed_run_options(*flags, command->get_parent()->get_name(), *command);
    throw Exit{run_reporting_errors(options)};
  });
}

}  // namespace memsoak

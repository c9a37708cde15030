#include "harness/subprocess.h"

#include <gtest/gtest.h>

#include <csignal>
#include <string>
#include <vector>

namespace memsoak {
namespace {

TEST(RunCapturing, CapturesBothStreamsTheExitCodeAndTheEnvironment) {
  const std::vector<std::string> argv{"/bin/sh", "-c", "echo out $GREETING; echo err >&2; exit 3"};
  const CapturedRun run = run_capturing(argv, std::vector<std::string>{"GREETING=hi"});
  EXPECT_EQ(run.stdout_text, "out hi\n");
  EXPECT_EQ(run.stderr_text, "err\n");
  EXPECT_EQ(run.exit_code, 3);
  EXPECT_EQ(run.signal, 0);
}

TEST(RunCapturing, DrainsLargeOutputOnBothStreams) {
  // More than a pipe buffer (64 KiB) on each stream: reading one at a time would deadlock.
  const std::vector<std::string> argv{"/bin/sh", "-c",
                                      "head -c 300000 /dev/zero; head -c 300000 /dev/zero >&2"};
  const CapturedRun run = run_capturing(argv, {});
  EXPECT_EQ(run.stdout_text.size(), 300000U);
  EXPECT_EQ(run.stderr_text.size(), 300000U);
}

TEST(RunCapturing, ReportsTheKillingSignal) {
  const CapturedRun run =
      run_capturing(std::vector<std::string>{"/bin/sh", "-c", "kill -9 $$"}, {});
  EXPECT_EQ(run.exit_code, -1);
  EXPECT_EQ(run.signal, SIGKILL);
}

TEST(RunCapturing, NamesAProgramThatCannotStart) {
  try {
    run_capturing(std::vector<std::string>{"/nonexistent/program"}, {});
    FAIL() << "started a missing program";
  } catch (const SpawnError& error) {
    EXPECT_NE(std::string(error.what()).find("/nonexistent/program"), std::string::npos);
  }
}

}  // namespace
}  // namespace memsoak

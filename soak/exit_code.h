// The exit codes of every memsoak command: what a CI job branches on (README, "Exit codes").
#pragma once

namespace memsoak {

enum ExitCode : int {
  kExitPass = 0,      // the verdict passes (or the command did what it was asked)
  kExitFail = 1,      // a bound was crossed or memory grew with the work
  kExitUsage = 2,     // bad flags or bad input: the message says what, where and how to fix it
  kExitInternal = 3,  // a bug or an environment failure in memsoak itself
};

}  // namespace memsoak

// The detector's settings as command-line flags, shared by every command that judges a series
// (`memsoak run`, `memsoak analyze`). add_detector_flags binds them to a DetectorOptions that
// starts at the detector's defaults; a command may then adjust what the user left unset (`run`
// shortens the warm-up of a short run), which is why --warmup records whether it was given.
//
//   --max-growth RATE   repeatable: "0B/query", "64B/op" (leak threshold and work unit) or
//                       "1MiB/h" (time-growth threshold)
//   --rss-bound B|Nx    absolute RSS bound ("512MiB") or a multiple of the peak live bytes ("3x")
//   --warmup DURATION   ignored at the start (also --warmup-fraction of the work)
//   --fail-on SHAPES    comma-separated shapes that fail the run (default: leak)
//   and one flag per numeric setting of harness/detector_settings.h, named after it
//   (--noise-margin), with the range it checks.
#pragma once

#include <CLI/CLI.hpp>

#include "harness/detector.h"

namespace memsoak {

struct DetectorFlags {
  DetectorOptions options;  // the detector's defaults, overwritten by the flags given
  bool warmup_given = false;
};

// Registers the flags on `command`; parsing errors name the flag and the accepted forms.
// `flags` must outlive the parse.
void add_detector_flags(CLI::App& command, DetectorFlags& flags);

// `base` (the settings a run recorded, say) with the detector flags given to the parsed
// `command` applied on top: what the user typed beats what was recorded, which beats defaults.
DetectorOptions given_flags_over(const DetectorOptions& base, const CLI::App& command);

}  // namespace memsoak

// The detector a run judged itself with, rebuilt from the settings its series header records
// ("detector": work unit, thresholds, warm-up, ...; soak/run_header.cpp writes them), so that a
// verdict the report re-computes for a killed run is the one the run would have reached.
// Settings are read by their DetectorOptions names (rss_bound as text: "512MiB", "3x"); those
// the header does not record keep the detector's defaults.
#pragma once

#include "harness/detector.h"
#include "harness/series.h"

namespace memsoak {

// Throws SeriesError when a recorded setting has the wrong type or value.
DetectorOptions recorded_detector_options(const SeriesHeader& header);

}  // namespace memsoak

// One number out of a Prometheus or OpenMetrics text exposition: the series a selector such as
// `http_requests_total{method="get",code="200"}` names. A series matches when its name is the
// selector's and it carries every label the selector gives (it may carry more); exactly one
// series must match, so that a counter is never read from the wrong series in silence.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace memsoak {

struct MetricSelector {
  std::string name;
  std::map<std::string, std::string> labels;
};

// Throws std::invalid_argument saying where the text stops being a selector.
MetricSelector parse_metric_selector(std::string_view text);

std::string to_string(const MetricSelector& selector);

// The value of the one series of `exposition` that matches; throws std::runtime_error when none
// or several do (naming them), or when the exposition has a line that is not a sample.
double select_metric_value(std::string_view exposition, const MetricSelector& selector);

}  // namespace memsoak

// How the report writes quantities a reader compares at a glance: counts ("28.8M"), rates of
// bytes that are often below one byte ("0.412 B"), and latencies ("950 µs", "2.10 ms").
#pragma once

#include <string>

namespace memsoak {

std::string format_count(double count);
std::string format_rate_bytes(double bytes);  // 3 significant digits below 1 KiB, then KiB...
std::string format_latency_us(double microseconds);

}  // namespace memsoak

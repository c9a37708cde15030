// A GET of an http:// URL: plain HTTP/1.0 (no TLS, no redirects), bounded in time and size, for
// reading a service's metrics endpoint on loopback each sample. No library needed for that.
#pragma once

#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace memsoak {

struct HttpUrl {
  std::string host;
  std::string port = "80";
  std::string path = "/";
  std::string text;  // as given, for messages
};

// "http://127.0.0.1:9121/metrics"; throws std::invalid_argument saying what is wrong.
HttpUrl parse_http_url(std::string_view url);

struct HttpError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The body of a 200 response; throws HttpError naming the URL and the cause (refused, timed
// out, another status, a body over `max_body_bytes`).
std::string http_get(const HttpUrl& url, std::chrono::milliseconds timeout,
                     std::size_t max_body_bytes = std::size_t{16} << 20);

}  // namespace memsoak

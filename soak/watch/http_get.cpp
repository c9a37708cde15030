#include "soak/watch/http_get.h"

#include <fmt/format.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <system_error>

#include "harness/file_descriptor.h"

namespace memsoak {
namespace {

using Clock = std::chrono::steady_clock;

std::string errno_text(int error) { return std::system_category().message(error); }

// Waits for `events` on `fd` until `deadline`; throws HttpError when it passes.
void wait_for(int fd, short events, Clock::time_point deadline, const HttpUrl& url) {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) throw HttpError(fmt::format("GET {}: timed out", url.text));
    pollfd poll_fd{fd, events, 0};
    const int ready = ::poll(&poll_fd, 1, static_cast<int>(left.count()));
    if (ready > 0) return;
    if (ready < 0 && errno != EINTR) {
      throw HttpError(fmt::format("GET {}: poll: {}", url.text, errno_text(errno)));
    }
  }
}

FileDescriptor connect_to(const HttpUrl& url, Clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int error = ::getaddrinfo(url.host.c_str(), url.port.c_str(), &hints, &found)) {
    throw HttpError(fmt::format("GET {}: {}", url.text, ::gai_strerror(error)));
  }
  const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, ::freeaddrinfo);
  int last_error = 0;
  for (const addrinfo* address = found; address; address = address->ai_next) {
    FileDescriptor socket_fd(::socket(address->ai_family,
                                      address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                                      address->ai_protocol));
    if (!socket_fd.is_open()) continue;
    if (::connect(socket_fd.get(), address->ai_addr, address->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        last_error = errno;
        continue;
      }
      wait_for(socket_fd.get(), POLLOUT, deadline, url);
      int error = 0;
      socklen_t size = sizeof error;
      ::getsockopt(socket_fd.get(), SOL_SOCKET, SO_ERROR, &error, &size);
      if (error != 0) {
        last_error = error;
        continue;
      }
    }
    return socket_fd;
  }
  throw HttpError(fmt::format("GET {}: cannot connect: {}", url.text, errno_text(last_error)));
}

void send_request(int fd, const HttpUrl& url, Clock::time_point deadline) {
  const std::string request =
      fmt::format("GET {} HTTP/1.0\r\nHost: {}\r\nAccept: text/plain\r\nConnection: close\r\n\r\n",
                  url.path, url.host);
  for (std::size_t sent = 0; sent < request.size();) {
    wait_for(fd, POLLOUT, deadline, url);
    const ssize_t count = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (count < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (count < 0) throw HttpError(fmt::format("GET {}: send: {}", url.text, errno_text(errno)));
    sent += static_cast<std::size_t>(count);
  }
}

std::string read_response(int fd, const HttpUrl& url, Clock::time_point deadline,
                          std::size_t max_bytes) {
  std::string response;
  std::array<char, 16384> buffer{};
  for (;;) {
    wait_for(fd, POLLIN, deadline, url);
    const ssize_t count = ::recv(fd, buffer.data(), buffer.size(), 0);
    if (count < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (count < 0) throw HttpError(fmt::format("GET {}: recv: {}", url.text, errno_text(errno)));
    if (count == 0) return response;
    response.append(buffer.data(), static_cast<std::size_t>(count));
    if (response.size() > max_bytes) {
      throw HttpError(fmt::format("GET {}: response over {} bytes", url.text, max_bytes));
    }
  }
}

}  // namespace

HttpUrl parse_http_url(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) {
    throw std::invalid_argument(fmt::format(
        "'{}' is not an http:// URL (plain HTTP only, e.g. http://127.0.0.1:9121/metrics)", url));
  }
  HttpUrl parsed;
  parsed.text = std::string(url);
  std::string_view rest = url.substr(kScheme.size());
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) parsed.path = std::string(rest.substr(slash));
  const std::size_t colon = authority.rfind(':');
  const bool bracketed = authority.starts_with('[');
  if (colon != std::string_view::npos && (!bracketed || authority[colon - 1] == ']')) {
    parsed.port = std::string(authority.substr(colon + 1));
    authority = authority.substr(0, colon);
  }
  if (bracketed) authority = authority.substr(1, authority.size() - 2);
  parsed.host = std::string(authority);
  if (parsed.host.empty()) {
    throw std::invalid_argument(fmt::format("'{}' names no host", url));
  }
  if (parsed.port.empty() || parsed.port.find_first_not_of("0123456789") != std::string::npos) {
    throw std::invalid_argument(fmt::format("'{}': the port must be a number", url));
  }
  return parsed;
}

std::string http_get(const HttpUrl& url, std::chrono::milliseconds timeout,
                     std::size_t max_body_bytes) {
  const Clock::time_point deadline = Clock::now() + timeout;
  const FileDescriptor socket_fd = connect_to(url, deadline);
  send_request(socket_fd.get(), url, deadline);
  const std::string response = read_response(socket_fd.get(), url, deadline, max_body_bytes);
  const std::size_t header_end = response.find("\r\n\r\n");
  const std::size_t status_end = response.find("\r\n");
  if (header_end == std::string::npos || !response.starts_with("HTTP/")) {
    throw HttpError(fmt::format("GET {}: not an HTTP response", url.text));
  }
  const std::string status_line = response.substr(0, status_end);
  const std::size_t code_at = status_line.find(' ');
  if (code_at == std::string::npos || status_line.compare(code_at + 1, 3, "200") != 0) {
    throw HttpError(fmt::format("GET {}: {}", url.text, status_line));
  }
  return response.substr(header_end + 4);
}

}  // namespace memsoak

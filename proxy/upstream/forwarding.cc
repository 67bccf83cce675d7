#include "proxy/upstream/forwarding.h"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <vector>

namespace watchfilter::proxy {
namespace {

constexpr std::string_view kUserAgent = "watchfilter-proxy/0.1";

bool iequals(std::string_view a, std::string_view b) { return boost::beast::iequals(a, b); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

UpstreamRequest build_upstream_request(const ClientRequest& client, const std::string& target,
                                       const UpstreamConfig& upstream, const std::string& token) {
  UpstreamRequest req{client.method(), upstream.base_path + target, 11};
  std::string host =
      upstream.host.find(':') != std::string::npos ? "[" + upstream.host + "]" : upstream.host;
  if (upstream.port != 443) host += ":" + std::to_string(upstream.port);
  req.set(http::field::host, host);
  if (auto it = client.find(http::field::accept); it != client.end()) {
    req.set(http::field::accept, it->value());
  }
  if (auto it = client.find(http::field::user_agent); it != client.end()) {
    req.set(http::field::user_agent, it->value());
  } else {
    req.set(http::field::user_agent, kUserAgent);
  }
  if (!client.body().empty()) {
    if (auto it = client.find(http::field::content_type); it != client.end()) {
      req.set(http::field::content_type, it->value());
    }
    req.body() = client.body();
    req.prepare_payload();
  }
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  req.keep_alive(false);  // one upstream connection per forwarded request in this slice
  return req;
}

void copy_response_header(const http::fields& upstream, http::fields& downstream) {
  std::vector<std::string> connection_listed;
  for (auto it = upstream.find(http::field::connection);
       it != upstream.end() && it->name() == http::field::connection; ++it) {
    std::string_view v = it->value();
    while (!v.empty()) {
      auto comma = v.find(',');
      connection_listed.emplace_back(trim(v.substr(0, comma)));
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  for (const auto& f : upstream) {
    const std::string_view name = f.name_string();
    switch (f.name()) {
      case http::field::connection:
      case http::field::keep_alive:
      case http::field::transfer_encoding:
      case http::field::te:
      case http::field::trailer:
      case http::field::upgrade:
      case http::field::proxy_authenticate:
      case http::field::proxy_authorization:
      case http::field::proxy_connection:
      case http::field::content_length:
        continue;
      default:
        break;
    }
    if (std::any_of(connection_listed.begin(), connection_listed.end(),
                    [&](const std::string& c) { return iequals(c, name); })) {
      continue;
    }
    downstream.insert(name, f.value());
  }
}

}  // namespace watchfilter::proxy

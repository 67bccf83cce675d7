// The request path of the proxy: arbitrary bytes as a request (first line `<method byte><target>`,
// then `Name: value` header lines) through what the handler chain does before it decides:
// parse_request_target, request_attributes, parse_watch_request and the upstream request built
// for a forward. Besides "no crash, no hang, no leak", it checks the properties the security
// model rests on (docs/proxy.md, "Security model"):
//   - a target not marked own_group never decodes (Go's path unescaping, dot segments resolved,
//     empty segments dropped, any case) under /apis/stream.watchfilter.io;
//   - the upstream target re-parses to the same path and parameters, and so to the same
//     authorization attributes: what is authorized is what kube-apiserver will read;
//   - a watch that kube-apiserver would serve is authorized as one;
//   - the upstream request carries the given token and no credential header of the client.
#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/auth/auth.h"
#include "proxy/kube/request_attributes.h"
#include "proxy/kube/request_target.h"
#include "proxy/kube/resource_path.h"
#include "proxy/request/watch_request.h"
#include "proxy/upstream/forwarding.h"

namespace {

using namespace watchfilter::proxy;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// An independent reading of an encoded path: percent-decode (once) as far as escapes are valid,
// resolve `.` and `..`, drop empty segments, lower-case: what a lenient server in between could
// make of the path.
std::string lenient_normal_form(std::string_view path) {
  std::string decoded;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '%' && i + 2 < path.size() && hex(path[i + 1]) >= 0 && hex(path[i + 2]) >= 0) {
      decoded += static_cast<char>(hex(path[i + 1]) * 16 + hex(path[i + 2]));
      i += 2;
    } else {
      decoded += path[i];
    }
  }
  std::vector<std::string> segments;
  std::string_view rest = decoded;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const std::string_view seg = rest.substr(0, slash);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      std::string lower(seg);
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      segments.push_back(std::move(lower));
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  std::string out;
  for (const auto& s : segments) out += "/" + s;
  return out.empty() ? "/" : out;
}

bool under_own_group(std::string_view normal) {
  return normal == kOwnGroupPath || normal.starts_with(std::string(kOwnGroupPath) + "/");
}

bool same_attributes(const RequestAttributes& a, const RequestAttributes& b) {
  return a.resource_request == b.resource_request && a.verb == b.verb && a.gvr == b.gvr &&
         a.subresource == b.subresource && a.namespace_name == b.namespace_name &&
         a.name == b.name && a.path == b.path;
}

bool same_params(const std::vector<QueryParam>& a, const std::vector<QueryParam>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].key != b[i].key || a[i].value != b[i].value) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace http = boost::beast::http;
  if (size < 2) return 0;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  static constexpr http::verb kMethods[] = {http::verb::get, http::verb::head, http::verb::post,
                                            http::verb::delete_, http::verb::put};
  const http::verb method = kMethods[static_cast<unsigned char>(input[0]) % 5];
  input.remove_prefix(1);
  const auto eol = input.find('\n');
  const std::string_view target = input.substr(0, eol);

  ClientRequest request{method, std::string(target), 11};
  if (eol != std::string_view::npos) {
    std::string_view headers = input.substr(eol + 1);
    while (!headers.empty()) {
      const auto end = headers.find('\n');
      const std::string_view line = headers.substr(0, end);
      const auto colon = line.find(':');
      if (colon != std::string_view::npos && colon > 0) {
        std::string_view name = line.substr(0, colon);
        std::string_view value = line.substr(colon + 1);
        // Beast's parser would refuse these; the fuzzer should not build what cannot arrive.
        bool ok = true;
        for (char c : name) ok = ok && c > ' ' && c < 127 && c != ':';
        for (char c : value) ok = ok && c != '\r' && c != '\0';
        if (ok) request.insert(name, value);
      }
      if (end == std::string_view::npos) break;
      headers.remove_prefix(end + 1);
    }
  }

  auto parsed = parse_request_target(target);
  if (!parsed) return 0;
  const RequestTarget* t = &*parsed;

  const RequestAttributes attributes = request_attributes(method, *t);
  // kube-apiserver serves a watch for a collection GET whose query says so: it is authorized as
  // a watch, never as a list.
  if (attributes.verb == "watch") check(t->is_watch());
  if ((method == http::verb::get || method == http::verb::head) && attributes.resource_request &&
      attributes.name.empty() && t->is_watch()) {
    check(attributes.verb == "watch" || attributes.verb == "proxy");
  }

  const std::string upstream = t->upstream_target();
  const std::string_view upstream_path = std::string_view(upstream).substr(0, upstream.find('?'));
  if (!t->own_group) {
    // Never under our own group, however it is read.
    check(!under_own_group(lenient_normal_form(upstream_path)));
    // One reading: the forwarded target parses back to what was authorized.
    auto again = parse_request_target(upstream);
    check(again.ok());
    const RequestTarget* u = &*again;
    // A doubled view or proxy prefix followed by /views re-parses as a view (whose rest may be
    // anything, our own group included): the one kind of target whose forward would be read
    // differently, so it must be marked (the chain refuses it, handler_chain.cc and
    // handler_chain_views.cc) and is not forwarded.
    check(u->under_view == t->nested_view);
    if (t->nested_view) return 0;
    check(!u->proxy_prefix && !u->own_group);
    check(u->upstream_path == t->upstream_path);
    check(same_params(u->params, t->params));
    check(u->query_issues.dropped.empty() && !u->query_issues.too_many);
    check(same_attributes(request_attributes(method, *u), attributes));
    check(u->is_watch() == t->is_watch());
  }

  if (has_informer_params(t->params)) {
    if (auto path = parse_resource_path(t->upstream_path)) {
      auto watch = parse_watch_request(*path, t->params);
      if (const WatchRequest* w = watch ? &*watch : nullptr; w != nullptr && !t->own_group) {
        check(!boost::beast::iequals(w->path.gvr.group, kOwnGroupPath.substr(6)));
      }
    }
  }

  // What a forward sends: the given token, and of the client's headers only Accept and
  // User-Agent.
  UpstreamConfig config;
  config.host = "127.0.0.1";
  config.port = 6443;
  const std::string token(request_bearer_token(request));
  const UpstreamRequest out = build_upstream_request(request, upstream, config, token);
  check(out.target() == upstream);
  check(out.count(http::field::authorization) == (token.empty() ? 0u : 1u));
  if (!token.empty()) check(out[http::field::authorization] == "Bearer " + token);
  for (const auto& field : out) {
    const std::string_view name = field.name_string();
    check(
        !boost::beast::iequals(name.substr(0, std::min<std::size_t>(name.size(), 9)), "x-remote-"));
    check(!boost::beast::iequals(name.substr(0, std::min<std::size_t>(name.size(), 12)),
                                 "impersonate-"));
    check(field.name() == http::field::host || field.name() == http::field::accept ||
          field.name() == http::field::user_agent || field.name() == http::field::authorization ||
          field.name() == http::field::connection);
  }
  return 0;
}

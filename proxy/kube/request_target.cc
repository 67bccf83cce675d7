#include "proxy/kube/request_target.h"

#include <boost/beast/core/string.hpp>

#include "proxy/base/dns_names.h"
#include "proxy/kube/resource_path.h"

namespace watchfilter::proxy {
namespace {

bool under_own_group(const std::vector<std::string_view>& segments) {
  constexpr std::string_view group = kOwnGroupPath.substr(6);  // after "/apis/"
  // kube-apiserver's routes are case-sensitive, so another case never reaches the aggregator;
  // refusing it anyway costs nothing and leaves no spelling to reason about.
  return segments.size() >= 2 && boost::beast::iequals(segments[0], "apis") &&
         boost::beast::iequals(segments[1], group);
}

bool keep_in_path(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("-._~/:@!$&'()*+,;=").find(static_cast<char>(c)) !=
             std::string_view::npos;
}

}  // namespace

bool parse_bool_true(std::string_view v) {
  return v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True";
}

bool RequestTarget::is_watch() const {
  if (const std::string* w = find_param(params, "watch"); w && parse_bool_true(*w)) return true;
  auto segments = split_path_segments(upstream_path);
  if (!segments) return false;
  const auto& s = *segments;
  if (s.size() >= 3 && s[0] == "api") return s[2] == "watch";
  return s.size() >= 4 && s[0] == "apis" && s[3] == "watch";
}

std::string RequestTarget::upstream_target() const {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(upstream_path.size() + 16);
  for (const unsigned char c : upstream_path) {
    if (keep_in_path(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (!params.empty()) out += "?" + encode_query(params);
  return out;
}

Result<RequestTarget> parse_request_target(std::string_view target) {
  if (!target.starts_with('/')) return bad_request("request target must be an absolute path");
  const auto q = target.find('?');
  auto path = path_unescape(target.substr(0, q));
  if (!path) return bad_request("malformed request path: invalid %-escape");
  if (!split_path_segments(*path)) {
    return bad_request("malformed request path \"" + *path +
                       "\": `.`, `..` and empty path segments are not accepted");
  }
  RequestTarget out;
  out.path = std::move(*path);
  const std::string_view p = out.path;
  const auto path_segments = split_path_segments(p);
  if (!path_segments->empty() && (*path_segments)[0] == kViewsSegment) {
    // Split after decoding, like every path: `/views/a%2Fb/...` names the view a/b.
    out.under_view = true;
    const auto& s = *path_segments;
    if (s.size() >= 3) {
      out.view_namespace = std::string(s[1]);
      out.view_name = std::string(s[2]);
      if (!is_dns_label(s[1]) || !is_dns_subdomain(s[2])) {
        out.view_error = "invalid view \"" + out.view_namespace + "/" + out.view_name +
                         "\": a view is /views/<namespace>/<name> with a DNS-1123 label and "
                         "subdomain";
      }
      const std::size_t prefix = 1 + s[0].size() + 1 + s[1].size() + 1 + s[2].size();
      out.upstream_path = p.size() > prefix ? std::string(p.substr(prefix)) : "/";
    } else {
      out.upstream_path = "/";
    }
  } else if (p == kProxyPrefix) {
    out.proxy_prefix = true;
    out.upstream_path = "/";
  } else if (p.starts_with(kProxyPrefix) && p[kProxyPrefix.size()] == '/') {
    out.proxy_prefix = true;
    out.upstream_path = std::string(p.substr(kProxyPrefix.size()));
  } else {
    out.upstream_path = out.path;
  }
  auto segments = split_path_segments(out.upstream_path);
  out.own_group = segments && under_own_group(*segments);
  out.nested_view = (out.under_view || out.proxy_prefix) && segments && !segments->empty() &&
                    (*segments)[0] == kViewsSegment;
  if (q != std::string_view::npos)
    out.params = parse_query(target.substr(q + 1), &out.query_issues);
  return out;
}

}  // namespace watchfilter::proxy

#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <variant>

#include "proxy/kube/resource_path.h"
#include "proxy/kube/url_query.h"
#include "proxy/request/watch_request.h"

namespace watchfilter::proxy::testing {

// parse_watch_request on a whole request target (`<resource path>?<query>`), as the handler
// chain calls it; the path and the query must be well-formed.
inline std::variant<WatchRequest, std::string> parse_target(std::string_view target) {
  const auto q = target.find('?');
  auto path = parse_resource_path(target.substr(0, q));
  EXPECT_TRUE(path) << target;
  QueryIssues issues;
  auto params = parse_query(q == std::string_view::npos ? "" : target.substr(q + 1), &issues);
  EXPECT_TRUE(issues.dropped.empty()) << target;
  if (!path) return std::string("test: malformed target");
  auto parsed = parse_watch_request(*path, params);
  if (!parsed) return parsed.error().message;
  return std::move(parsed).value();
}

}  // namespace watchfilter::proxy::testing

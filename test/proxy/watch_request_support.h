#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <variant>

#include "proxy/resource_path.h"
#include "proxy/url_query.h"
#include "proxy/watch_request.h"

namespace watchfilter::proxy::testing {

// parse_watch_request on a whole request target (`<resource path>?<query>`), as the handler
// chain calls it; the path and the query must be well-formed.
inline std::variant<WatchRequest, std::string> parse_target(std::string_view target) {
  const auto q = target.find('?');
  auto path = parse_resource_path(target.substr(0, q));
  EXPECT_TRUE(path) << target;
  auto params = parse_query(q == std::string_view::npos ? "" : target.substr(q + 1));
  EXPECT_TRUE(params) << target;
  if (!path || !params) return std::string("test: malformed target");
  return parse_watch_request(*path, *params);
}

}  // namespace watchfilter::proxy::testing

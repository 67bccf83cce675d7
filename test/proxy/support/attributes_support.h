#pragma once

#include <gtest/gtest.h>

#include <boost/beast/http/verb.hpp>
#include <string_view>

#include "proxy/kube/request_attributes.h"

namespace watchfilter::proxy::testing {

// The authorization attributes of `method target`; a target that has none fails the test.
inline RequestAttributes attrs(boost::beast::http::verb method, std::string_view target) {
  auto a = request_attributes(method, target);
  EXPECT_TRUE(a) << target;
  return a.value_or(RequestAttributes{});
}

}  // namespace watchfilter::proxy::testing

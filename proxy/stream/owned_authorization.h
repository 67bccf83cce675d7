#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "proxy/auth/auth.h"
#include "proxy/kube/request_attributes.h"
#include "proxy/kube/user_info.h"
#include "proxy/request/filter_binding.h"

namespace watchfilter::proxy {

// Who made a filterRef request and how to ask about them again: a WatchFilter with spec.owned
// makes the proxy read more resources than the request names, so those are authorized too.
struct CallerAuthorization {
  UserInfo user;
  std::shared_ptr<Authorizer> authorizer;
};

// The first owned resource the caller may not watch, with the authorizer's reason.
struct OwnedDenial {
  RequestAttributes attributes;
  std::string reason;
};

// Asks, one entry after the other, whether the caller may `watch` each of the definition's
// owned resources in `namespace_name` (the secondaries' events and, with includeOwned, their
// objects reach the caller's stream). `done(nullopt)` when every one is allowed; runs on
// `executor`.
void authorize_owned(std::shared_ptr<const CallerAuthorization> caller,
                     std::shared_ptr<const FilterDefinition> definition,
                     const std::string& namespace_name, boost::asio::any_io_executor executor,
                     std::function<void(std::optional<OwnedDenial>)> done);

}  // namespace watchfilter::proxy

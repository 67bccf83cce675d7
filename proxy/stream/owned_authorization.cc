#include "proxy/stream/owned_authorization.h"

#include "proxy/kube/resource_path.h"

namespace watchfilter::proxy {
namespace {

RequestAttributes watch_attributes(const OwnedDefinition& owned, const std::string& ns) {
  RequestAttributes a;
  a.resource_request = true;
  a.verb = "watch";
  a.gvr = owned.gvr;
  a.namespace_name = ns;
  a.path = ResourcePath{owned.gvr, ns, {}, false}.collection_path();
  return a;
}

// Checks entry `index` and, when allowed, the ones after it.
void check_from(std::shared_ptr<const CallerAuthorization> caller,
                std::shared_ptr<const FilterDefinition> definition, std::string ns,
                std::size_t index, boost::asio::any_io_executor executor,
                std::function<void(std::optional<OwnedDenial>)> done) {
  if (index >= definition->owned.size()) return done(std::nullopt);
  auto attributes = watch_attributes(definition->owned[index], ns);
  caller->authorizer->authorize(caller->user, attributes, executor,
                                [caller, definition, ns, index, executor, attributes,
                                 done = std::move(done)](AuthorizationDecision d) mutable {
                                  if (!d.allowed)
                                    return done(OwnedDenial{std::move(attributes), d.reason});
                                  check_from(std::move(caller), std::move(definition),
                                             std::move(ns), index + 1, std::move(executor),
                                             std::move(done));
                                });
}

}  // namespace

void authorize_owned(std::shared_ptr<const CallerAuthorization> caller,
                     std::shared_ptr<const FilterDefinition> definition,
                     const std::string& namespace_name, boost::asio::any_io_executor executor,
                     std::function<void(std::optional<OwnedDenial>)> done) {
  if (definition->owned.empty()) return done(std::nullopt);
  if (!caller->authorizer) {
    // As everywhere in the chain: no authorizer refuses.
    return done(
        OwnedDenial{watch_attributes(definition->owned.front(), namespace_name), "no authorizer"});
  }
  check_from(std::move(caller), std::move(definition), namespace_name, 0, std::move(executor),
             std::move(done));
}

}  // namespace watchfilter::proxy

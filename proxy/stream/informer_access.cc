#include "proxy/stream/informer_access.h"

#include <variant>

namespace watchfilter::proxy {

namespace {

// How long a client refused for --max-informers waits before it tries again: about when a
// lingering informer may have gone (informers without streams stop after --informer-linger).
constexpr int kInformerRetryAfterSeconds = 10;

}  // namespace

Result<informer::ResourceInfo> served_resource(const kube::GroupVersionResource& gvr,
                                               const Discovery::Found& found,
                                               std::initializer_list<std::string_view> verbs) {
  if (!found) return found.error();
  const ApiResource& res = *found;
  for (std::string_view verb : verbs) {
    if (!res.has_verb(verb)) {
      return StatusError{StatusReason::kMethodNotAllowed,
                         "the server does not allow this method on the requested resource (" +
                             std::string(verb) + " " + res.name + ")"};
    }
  }
  return informer::ResourceInfo{{gvr.group, gvr.version, res.name}, res.kind, res.namespaced};
}

Result<std::shared_ptr<informer::InformerLease>> acquire_informer(
    informer::InformerRegistry& registry, const informer::InformerKey& key,
    const informer::ResourceInfo& info, std::string_view owned_by) {
  auto acquired = registry.acquire(key, info);
  if (auto* refusal = std::get_if<informer::AcquireRefusal>(&acquired)) {
    if (*refusal != informer::AcquireRefusal::kAtCapacity) {
      return StatusError{StatusReason::kServiceUnavailable, "watchfilter-proxy is shutting down"};
    }
    std::string needed = key.gvr.group_resource().to_string() +
                         (key.namespace_name.empty() ? std::string(" at the cluster scope")
                                                     : " in namespace " + key.namespace_name);
    if (!owned_by.empty()) {
      needed += ", an owned resource of WatchFilter " + std::string(owned_by) + ",";
    }
    StatusDetails retry;
    retry.retry_after_seconds = kInformerRetryAfterSeconds;
    return StatusError{StatusReason::kTooManyRequests,
                       "too many informers: watchfilter-proxy runs its limit of " +
                           std::to_string(registry.max_informers()) +
                           " shared informers (--max-informers), all with streams, and " + needed +
                           " would need another; try again later",
                       retry, "max-informers"};
  }
  return std::shared_ptr<informer::InformerLease>(
      std::move(std::get<std::unique_ptr<informer::InformerLease>>(acquired)));
}

}  // namespace watchfilter::proxy

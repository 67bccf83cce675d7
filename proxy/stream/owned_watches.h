#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "proxy/base/log.h"
#include "proxy/informer/informer_registry.h"
#include "proxy/kube/result.h"
#include "proxy/request/filter_binding.h"
#include "proxy/request/watch_request.h"
#include "proxy/upstream/discovery.h"

namespace watchfilter::proxy {

// The owned resources of one filterRef stream (WatchFilter spec.owned, docs/watchfilter.md):
// per entry a subscription to the secondary resource's shared informer (same registry, so
// streams share the upstream watch) through the entry's filter. Each change a secondary's filter
// admits wakes the secondary's owner (ownerReferences, proxy/kube/owner_reference.h) on the primary
// stream: InformerCore::wake_owner, with spec.includeOwned the owner's current secondaries of
// every entry in the annotation watchfilter.io/owned.
//
// A subscription starts with initial events, which only prime the entry's filter state (they
// wake nobody), except when the primary stream resumes from a resourceVersion: then the entry
// resumes from the same one (resourceVersions are etcd's, common to all resources), with the
// state of its named watcher "<watcher>/owned/<resource.group>" when the primary is named, and
// the secondaries' changes since then wake their owners (at least once); when the window no
// longer covers it, it starts over with initial events.
//
// Made by FilteredService for a stream whose WatchFilter has owned entries: prepare() resolves
// each entry through discovery and waits for its informer's first LIST (an entry that cannot be
// watched is logged and skipped), start() subscribes. The stream holds it (WatchStream::hold)
// until it ends; the destructor unsubscribes and releases the informer leases. The definition
// is the one the stream started with: changes of spec.owned apply from the next reconnect.
class OwnedWatches : public std::enable_shared_from_this<OwnedWatches> {
 public:
  struct Primary {
    std::shared_ptr<informer::Informer> informer;
    informer::ResourceInfo info;
    std::shared_ptr<const WatchRequest> request;
  };
  // `executor`: where a subscription that must start over is re-attached from (any strand but
  // an informer's).
  OwnedWatches(std::shared_ptr<Discovery> discovery,
               std::shared_ptr<informer::InformerRegistry> registry,
               std::shared_ptr<const Logger> logger, Primary primary,
               std::shared_ptr<const FilterDefinition> definition,
               boost::asio::any_io_executor executor);
  ~OwnedWatches();
  OwnedWatches(const OwnedWatches&) = delete;
  OwnedWatches& operator=(const OwnedWatches&) = delete;

  // `done` runs once, when every entry is ready or skipped, on the strand that finished last.
  void prepare(std::function<void(std::shared_ptr<OwnedWatches>)> done);
  // Subscribes the ready entries; owners are woken on `stream`, the primary's endpoint.
  void start(std::weak_ptr<informer::StreamEndpoint> stream);
  // After prepare(): the 429 of an entry that got no informer because --max-informers were all
  // in use (nullopt: none). The stream must not start without it (its owners would miss
  // wake-ups): FilteredService refuses it like a primary past the limit.
  std::optional<StatusError> capacity_refusal() const {
    std::lock_guard lock(mutex_);
    return capacity_refusal_;
  }

 private:
  class Forwarder;
  struct Target;
  struct Entry {
    OwnedDefinition definition;
    informer::ResourceInfo info;
    std::shared_ptr<informer::InformerLease> lease;  // null: skipped
    std::shared_ptr<Forwarder> forwarder;
  };
  void resolve(std::size_t index, const Discovery::Found& found);
  void skip(std::size_t index, const std::string& why);
  void entry_done();
  std::shared_ptr<const WatchRequest> entry_request(const Entry& entry, bool resume) const;

  std::shared_ptr<Discovery> discovery_;
  std::shared_ptr<informer::InformerRegistry> registry_;
  std::shared_ptr<const Logger> logger_;
  Primary primary_;
  std::shared_ptr<const FilterDefinition> definition_;
  boost::asio::any_io_executor executor_;
  // prepare() fills entries_ from several strands; start() and the destructor run after it.
  mutable std::mutex mutex_;
  std::optional<StatusError> capacity_refusal_;
  std::vector<Entry> entries_;
  std::size_t pending_ = 0;
  std::function<void(std::shared_ptr<OwnedWatches>)> done_;
};

}  // namespace watchfilter::proxy

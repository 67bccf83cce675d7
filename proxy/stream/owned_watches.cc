#include "proxy/stream/owned_watches.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <set>
#include <tuple>
#include <utility>
#include <variant>

#include "filters/event_view.h"
#include "proxy/kube/owner_reference.h"
#include "proxy/stream/informer_access.h"
#include "proxy/watchfilter/watchfilter_spec.h"

namespace watchfilter::proxy {

namespace net = boost::asio;
using filters::EventType;

// What the forwarders of one stream need to wake an owner; immutable once start() made it, and
// holding nothing whose release has side effects (a forwarder may drop the last reference on
// an informer's strand, inside the core).
struct OwnedWatches::Target {
  std::weak_ptr<informer::Informer> primary;
  std::weak_ptr<informer::StreamEndpoint> stream;
  std::string group;  // the primary's, as ownerReferences name it
  std::string kind;
  bool namespaced = true;
  bool include_owned = false;
  struct Secondary {
    std::string kind;
    std::weak_ptr<informer::Informer> informer;
  };
  std::vector<Secondary> secondaries;

  void wake(std::string_view namespace_name, const OwnerRef& owner) const;
};

namespace {

// The secondaries of one owner, gathered from every owned resource's informer (each on its own
// strand); the last one to answer wakes the owner with them.
struct Gather {
  std::mutex mutex;
  std::size_t pending = 0;
  // (kind, cache key, object): sorted by kind, then name (one namespace: the key sorts as the
  // name does).
  std::vector<std::tuple<std::string, std::string, std::string>> found;
};

std::string owned_annotation(std::vector<std::tuple<std::string, std::string, std::string>> found) {
  std::sort(found.begin(), found.end());
  std::string out = "[";
  for (const auto& [kind, key, object] : found) {
    if (out.size() > 1) out += ',';
    out += object;
  }
  out += ']';
  return out;
}

}  // namespace

void OwnedWatches::Target::wake(std::string_view namespace_name, const OwnerRef& owner) const {
  auto primary_informer = primary.lock();
  if (!primary_informer) return;
  std::string key = namespaced ? std::string(namespace_name) : std::string();
  key += '/';
  key += owner.name;
  if (!include_owned) {
    return primary_informer->wake_owner(stream, std::move(key), owner.uid, nullptr);
  }
  std::vector<std::pair<std::string, std::shared_ptr<informer::Informer>>> sources;
  for (const auto& secondary : secondaries) {
    if (auto informer = secondary.informer.lock()) sources.emplace_back(secondary.kind, informer);
  }
  auto gather = std::make_shared<Gather>();
  gather->pending = sources.size();
  auto finish = [gather, primary_informer, stream = stream, key, uid = owner.uid] {
    primary_informer->wake_owner(
        stream, key, uid, std::make_shared<const std::string>(owned_annotation(gather->found)));
  };
  if (sources.empty()) return finish();
  for (auto& [kind, informer] : sources) {
    informer->read_cache(
        [gather, finish, kind = kind, uid = owner.uid](const informer::ObjectCache& cache) {
          std::vector<std::tuple<std::string, std::string, std::string>> mine;
          for (const auto& [object_key, object] : cache.entries()) {
            // The uid is rare text: most objects are ruled out without parsing them.
            if (object.object.find(uid) == std::string_view::npos) continue;
            if (!is_owned_by(object.object, uid)) continue;
            mine.emplace_back(kind, object_key, std::string(object.object));
          }
          std::unique_lock lock(gather->mutex);
          for (auto& item : mine) gather->found.push_back(std::move(item));
          if (--gather->pending != 0) return;
          lock.unlock();
          finish();
        });
  }
}

// The subscription of one owned entry: receives the entry's admitted events on the secondary
// informer's strand and wakes their owners.
class OwnedWatches::Forwarder : public informer::StreamEndpoint,
                                public std::enable_shared_from_this<Forwarder> {
 public:
  // `fresh`: the request to start over with when `request` (a resume) is too old; null when
  // `request` already starts with initial events.
  Forwarder(std::shared_ptr<const Target> target, std::weak_ptr<informer::Informer> informer,
            std::shared_ptr<const WatchRequest> fresh, net::any_io_executor executor)
      : target_(std::move(target)),
        informer_(std::move(informer)),
        fresh_(std::move(fresh)),
        executor_(std::move(executor)),
        wake_on_catch_up_(fresh_ != nullptr) {}

  void deliver(std::vector<informer::OutEvent> events, std::uint64_t) override { wake(events); }
  void deliver_catch_up(std::vector<informer::OutEvent> events, std::uint64_t) override {
    // Initial events only prime the filter state: an owner is not woken by its secondaries
    // existing. A resume's catch-up is changes made since the client's resourceVersion.
    if (wake_on_catch_up_) wake(events);
  }
  void end(EndCause cause, std::shared_ptr<const std::string>) override {
    if (cause != EndCause::kExpired || !fresh_) return;
    // From inside the core's attach: re-attach from elsewhere.
    wake_on_catch_up_ = false;
    net::post(executor_, [self = shared_from_this(), fresh = std::exchange(fresh_, nullptr)] {
      if (auto informer = self->informer_.lock()) informer->attach(fresh, self);
    });
  }

 private:
  void wake(const std::vector<informer::OutEvent>& events) {
    // One wake-up per owner per batch.
    std::set<std::string> woken;
    for (const auto& event : events) {
      if (!event.line) continue;
      auto view = parser_.parse_event(*event.line);
      if (!view.valid()) continue;
      const EventType type = view.type();
      if (type != EventType::kAdded && type != EventType::kModified &&
          type != EventType::kDeleted) {
        continue;
      }
      auto owner = pick_owner(view, target_->group, target_->kind);
      if (!owner || !woken.insert(owner->uid).second) continue;
      target_->wake(view.namespace_name(), *owner);
    }
  }

  std::shared_ptr<const Target> target_;
  std::weak_ptr<informer::Informer> informer_;
  std::shared_ptr<const WatchRequest> fresh_;
  net::any_io_executor executor_;
  bool wake_on_catch_up_;
  filters::EventParser parser_;  // on the secondary informer's strand only
};

OwnedWatches::OwnedWatches(std::shared_ptr<Discovery> discovery,
                           std::shared_ptr<informer::InformerRegistry> registry,
                           std::shared_ptr<const Logger> logger, Primary primary,
                           std::shared_ptr<const FilterDefinition> definition,
                           net::any_io_executor executor)
    : discovery_(std::move(discovery)),
      registry_(std::move(registry)),
      logger_(std::move(logger)),
      primary_(std::move(primary)),
      definition_(std::move(definition)),
      executor_(std::move(executor)) {
  for (const auto& owned : definition_->owned) {
    Entry entry;
    entry.definition = owned;
    entries_.push_back(std::move(entry));
  }
}

OwnedWatches::~OwnedWatches() {
  for (auto& entry : entries_) {
    if (entry.lease && entry.forwarder) entry.lease->informer().detach(entry.forwarder);
  }
}

void OwnedWatches::prepare(std::function<void(std::shared_ptr<OwnedWatches>)> done) {
  {
    std::lock_guard lock(mutex_);
    done_ = std::move(done);
    pending_ = entries_.size() + 1;  // + this call, so that no lookup finishes it early
  }
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const OwnedDefinition& d = entries_[i].definition;
    discovery_->lookup(
        d.gvr, [self = shared_from_this(), i](Discovery::Found found) { self->resolve(i, found); });
  }
  entry_done();
}

void OwnedWatches::resolve(std::size_t index, const Discovery::Found& found) {
  const OwnedDefinition& d = entries_[index].definition;  // immutable: no lock needed
  auto info = served_resource(d.gvr, found, {"list", "watch"});
  if (!info) return skip(index, info.error().message);
  if (!info->namespaced && primary_.info.namespaced) {
    // Kubernetes: a cluster-scoped object cannot have a namespaced owner.
    return skip(index, "it is cluster-scoped and " +
                           primary_.info.gvr.group_resource().to_string() + " is namespaced");
  }
  const informer::InformerKey key{
      info->gvr, info->namespaced ? primary_.request->path.namespace_name : std::string()};
  auto lease = acquire_informer(*registry_, key, *info, primary_.request->filter_ref);
  if (!lease) {
    if (!lease.error().limit.empty()) {
      std::lock_guard lock(mutex_);
      if (!capacity_refusal_) capacity_refusal_ = lease.error();
    }
    return skip(index, lease.error().message);
  }
  auto shared_lease = std::move(*lease);
  shared_lease->informer().when_synced(
      [self = shared_from_this(), index, info = *info,
       shared_lease](std::optional<informer::SyncFailure> failure) {
        if (failure) {
          return self->skip(index, "its LIST failed with HTTP " + std::to_string(failure->status) +
                                       ": " + failure->body);
        }
        {
          std::lock_guard lock(self->mutex_);
          self->entries_[index].info = info;
          self->entries_[index].lease = shared_lease;
        }
        self->entry_done();
      });
}

void OwnedWatches::skip(std::size_t index, const std::string& why) {
  const OwnedDefinition& d = entries_[index].definition;
  logger_->warning(
      "WatchFilter " +
      (primary_.request->binding ? primary_.request->binding->ref() : std::string("?")) +
      ": owned resource " + d.gvr.to_string() + " is not watched for this stream: " + why);
  entry_done();
}

void OwnedWatches::entry_done() {
  std::function<void(std::shared_ptr<OwnedWatches>)> done;
  {
    std::lock_guard lock(mutex_);
    if (--pending_ != 0) return;
    done = std::move(done_);
  }
  if (done) done(shared_from_this());
}

std::shared_ptr<const WatchRequest> OwnedWatches::entry_request(const Entry& entry,
                                                                bool resume) const {
  const WatchRequest& primary = *primary_.request;
  WatchRequest r;
  r.path = ResourcePath{entry.info.gvr, entry.lease->informer().key().namespace_name, {}, false};
  r.watch = true;
  r.filter_source = entry.definition.filter_source;
  r.filter = entry.definition.filter;
  r.label_selector = entry.definition.label_selector;
  r.owner = primary.owner;
  if (!primary.watcher_id.empty()) {
    r.watcher_id = primary.watcher_id + "/owned/" + entry.info.gvr.group_resource().to_string();
  }
  if (resume) {
    r.rv_mode = RvMode::kExact;
    r.resource_version = primary.resource_version;
  }
  return std::make_shared<const WatchRequest>(std::move(r));
}

void OwnedWatches::start(std::weak_ptr<informer::StreamEndpoint> stream) {
  std::lock_guard lock(mutex_);
  auto target = std::make_shared<Target>();
  target->primary = primary_.informer;
  target->stream = std::move(stream);
  target->group = primary_.info.gvr.group;
  target->kind = primary_.info.kind;
  target->namespaced = primary_.info.namespaced;
  target->include_owned = definition_->include_owned;
  for (const auto& entry : entries_) {
    if (entry.lease) target->secondaries.push_back({entry.info.kind, entry.lease->shared()});
  }
  const WatchRequest& primary = *primary_.request;
  const bool resume = !primary.wants_initial_events() && primary.rv_mode == RvMode::kExact;
  for (auto& entry : entries_) {
    if (!entry.lease || !entry.definition.filter) continue;
    auto request = entry_request(entry, resume);
    entry.forwarder = std::make_shared<Forwarder>(
        target, entry.lease->shared(), resume ? entry_request(entry, false) : nullptr, executor_);
    entry.lease->informer().attach(std::move(request), entry.forwarder);
  }
}

}  // namespace watchfilter::proxy

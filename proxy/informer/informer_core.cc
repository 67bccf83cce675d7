#include "proxy/informer/informer_core.h"

#include <algorithm>
#include <charconv>

#include "filters/filter_state.h"
#include "proxy/kube/list_response.h"
#include "proxy/kube/watch_events.h"

namespace watchfilter::proxy::informer {
namespace {

using filters::EventType;

std::uint64_t parse_rv(std::string_view text) {
  std::uint64_t rv = 0;
  std::from_chars(text.data(), text.data() + text.size(), rv);
  return rv;
}

const filters::CompiledPath& code_path() {
  static const filters::CompiledPath path =
      filters::CompiledPath::make(filters::Path{{filters::PathSegment::field("code")}});
  return path;
}
const filters::CompiledPath& message_path() {
  static const filters::CompiledPath path =
      filters::CompiledPath::make(filters::Path{{filters::PathSegment::field("message")}});
  return path;
}

}  // namespace

std::string object_cache_key(const filters::EventView& view) {
  std::string key(view.namespace_name());
  key += '/';
  key += view.name();
  return key;
}

InformerCore::InformerCore(ResourceInfo info, CoreOptions options, std::shared_ptr<Metrics> metrics)
    : info_(std::move(info)),
      options_(options),
      metrics_(std::move(metrics)),
      observed_(metrics_->events_observed(info_.gvr.group_resource().to_string())),
      window_(options.window_events, options.window_bytes),
      watchers_(options.watcher_ttl, options.max_watchers, options.watcher_quota,
                options.watcher_scope) {}

InformerCore::~InformerCore() = default;

std::vector<ListedObject> InformerCore::to_listed(const std::vector<std::string>& items) {
  std::vector<ListedObject> out;
  out.reserve(items.size());
  for (const auto& item : items) {
    ListedObject listed;
    listed.object = with_type_meta(item, info_.kind, info_.gvr.group_version());
    auto view = synth_parser_.parse_object(listed.object, EventType::kAdded);
    if (!view.valid() || view.name().empty()) continue;
    listed.key = object_cache_key(view);
    listed.rv = parse_rv(view.resource_version());
    out.push_back(std::move(listed));
  }
  return out;
}

void InformerCore::load(const std::vector<ListedObject>& listed, std::uint64_t list_rv) {
  cache_.clear();
  for (const auto& item : listed) cache_.put(item.key, item.object, item.rv);
  window_.reset(list_rv);
}

std::size_t InformerCore::relist(const std::vector<ListedObject>& listed, std::uint64_t list_rv,
                                 CoreTime now) {
  auto diff = relist_diff(cache_, listed, list_rv);
  for (auto& event : diff) {
    auto view = parser_.parse_event(*event.line);
    process_event(view, event.line, std::max(event.rv, window_.newest()), now);
  }
  window_.advance(list_rv);
  return diff.size();
}

InformerCore::LineResult InformerCore::apply_line(std::shared_ptr<const std::string> line,
                                                  CoreTime now) {
  auto view = parser_.parse_event(*line);
  if (!view.valid()) return {LineKind::kInvalid, std::string(view.parse_error())};
  switch (view.type()) {
    case EventType::kAdded:
    case EventType::kModified:
    case EventType::kDeleted: {
      std::shared_ptr<const std::string> framed = std::move(line);
      if (!framed->ends_with('\n')) framed = std::make_shared<const std::string>(*framed + "\n");
      process_event(view, framed, parse_rv(view.resource_version()), now);
      return {LineKind::kEvent, {}};
    }
    case EventType::kBookmark: {
      const std::uint64_t rv = parse_rv(view.resource_version());
      window_.advance(rv);
      // Attached streams have seen everything up to here.
      for (auto& [id, sub] : subscriptions_) {
        sub.record->evaluated_through = std::max(sub.record->evaluated_through, rv);
      }
      return {LineKind::kBookmark, {}};
    }
    case EventType::kError: {
      const auto code = view.lookup(code_path());
      const auto message = view.lookup(message_path());
      std::string text = message.kind == filters::Kind::kString ? std::string(message.text) : "";
      if (code.kind == filters::Kind::kNumber && code.number == 410) {
        return {LineKind::kExpired, text};
      }
      return {LineKind::kError, text.empty() ? std::string(view.raw_object()) : text};
    }
    default:
      return {LineKind::kInvalid, "unknown event type"};
  }
}

void InformerCore::process_event(const filters::EventView& view,
                                 const std::shared_ptr<const std::string>& line, std::uint64_t rv,
                                 CoreTime now) {
  observed_->fetch_add(1, std::memory_order_relaxed);
  const std::string key = object_cache_key(view);
  // The version before this event, for selector transitions (kube-apiserver's prevObject).
  std::shared_ptr<const std::string> previous_line;
  if (const CachedObject* cached = cache_.find(key)) previous_line = cached->added_line;
  if (view.type() == EventType::kDeleted) {
    cache_.erase(key);
  } else {
    // The object's own resourceVersion (a relist compares it), which for a relist's difference
    // events may be older than the window position `rv`.
    cache_.put(key, view.raw_object(), parse_rv(view.resource_version()));
  }
  window_.append(rv, line, previous_line);
  rv = window_.newest();
  PreviousObject previous(previous_line, previous_parser_);
  std::vector<OutEvent> out;
  for (auto it = subscriptions_.begin(); it != subscriptions_.end();) {
    Subscription& sub = it->second;
    out.clear();
    // A changed WatchFilter applies from this event on; held events a new debounce window
    // releases go first.
    if (!follow_binding(sub, out, now)) {
      it = end_filter_invalid(it, now);
      continue;
    }
    const bool flushed = !out.empty();
    evaluate(*sub.record, view, line, previous, rv, key, out, now.steady);
    track_resync(sub, view, key);
    if (!out.empty()) send(sub, std::move(out), false, flushed);
    ++it;
  }
}

bool InformerCore::PreviousObject::matched(const ObjectSelector& selector) {
  if (!line_) return false;
  if (!view_) view_ = parser_.parse_event(*line_);
  return selector.matches(*view_);
}

void InformerCore::evaluate(WatcherRecord& record, const filters::EventView& view,
                            const std::shared_ptr<const std::string>& line,
                            PreviousObject& previous, std::uint64_t rv, const std::string& key,
                            std::vector<OutEvent>& out, std::chrono::steady_clock::time_point now) {
  record.evaluated_through = std::max(record.evaluated_through, rv);
  const filters::EventView* decide_on = &view;
  // Upstream's line unless a selector transition makes its own; not copied per stream for an
  // event the stream does not get.
  const std::shared_ptr<const std::string>* out_line = &line;
  std::shared_ptr<const std::string> transition_line;
  filters::EventView synth = view;
  const ObjectSelector& selector = record.selector;
  if (!selector.empty()) {
    // kube-apiserver's watch cache: judged on the object's version before the event and after
    // it, an object that starts matching is ADDED, one that stops matching is DELETED, others
    // are not seen at all. The version before is the informer's, not what this stream was sent,
    // so that a stream that starts from a resourceVersion (a reflector after its LIST) gets the
    // DELETED of an object it listed. That DELETED carries the version that matched, at the
    // event's resourceVersion, as the watch cache sends it: the new one would show the client
    // an object its selector does not select.
    const EventType type = view.type();
    const bool was = previous.matched(selector);
    const bool now = type != EventType::kDeleted && selector.matches(view);
    if (now) {
      if (!record.selected.contains(key)) record.selected.insert(key);
    } else {
      record.selected.erase(key);
    }
    if (!was && !now) return;
    if (now && !was && type == EventType::kModified) {
      transition_line = std::make_shared<const std::string>(event_line("ADDED", view.raw_object()));
      out_line = &transition_line;
      synth = synth_parser_.parse_object(view.raw_object(), EventType::kAdded);
      decide_on = &synth;
    } else if (was && !now && type != EventType::kDeleted) {
      const std::string matched = with_resource_version(previous.object(), rv);
      transition_line = std::make_shared<const std::string>(event_line("DELETED", matched));
      out_line = &transition_line;
      synth = synth_parser_.parse_object(matched, EventType::kDeleted);
      decide_on = &synth;
    }
  }
  const filters::Decision decision = record.state.decide(*decide_on);
  if (decision.error) metrics_->filter_errors.fetch_add(1, std::memory_order_relaxed);
  if (record.binding) {
    record.binding->observed.fetch_add(1, std::memory_order_relaxed);
    if (decision.deliver) record.binding->delivered.fetch_add(1, std::memory_order_relaxed);
  }
  if (record.debounce) {
    switch (record.debounce->offer(key, decide_on->type(), *out_line, decide_on->raw_object(),
                                   decision.deliver, rv, now)) {
      case Debouncer::Verdict::kSend:
        break;
      case Debouncer::Verdict::kHold:
        return;  // counted as delivered when flushed
      case Debouncer::Verdict::kMerged:
      case Debouncer::Verdict::kIgnore:
        if (record.metrics) record.metrics->suppressed.fetch_add(1, std::memory_order_relaxed);
        return;
    }
  }
  if (decision.deliver) {
    record.log.append(rv, *out_line);
    out.push_back({rv, *out_line});
    if (record.metrics) record.metrics->delivered.fetch_add(1, std::memory_order_relaxed);
  } else if (record.metrics) {
    record.metrics->suppressed.fetch_add(1, std::memory_order_relaxed);
  }
}

void InformerCore::evaluate_initial(WatcherRecord& record, std::vector<OutEvent>& out,
                                    std::chrono::steady_clock::time_point now) {
  for (const auto& [key, obj] : cache_.by_rv()) {
    auto view = synth_parser_.parse_object(obj->object, EventType::kAdded);
    if (!record.selector.empty()) {
      if (!record.selector.matches(view)) continue;
      record.selected.insert(*key);
    }
    const filters::Decision decision = record.state.decide(view);
    if (decision.error) metrics_->filter_errors.fetch_add(1, std::memory_order_relaxed);
    if (record.binding) {
      record.binding->observed.fetch_add(1, std::memory_order_relaxed);
      if (decision.deliver) record.binding->delivered.fetch_add(1, std::memory_order_relaxed);
    }
    if (decision.deliver) {
      if (record.debounce) record.debounce->delivered(*key, now);
      record.log.append(obj->rv, obj->added_line);
      out.push_back({obj->rv, obj->added_line});
      if (record.metrics) record.metrics->delivered.fetch_add(1, std::memory_order_relaxed);
    } else if (record.metrics) {
      record.metrics->suppressed.fetch_add(1, std::memory_order_relaxed);
    }
  }
  record.evaluated_through = window_.newest();
}

std::shared_ptr<WatcherRecord> InformerCore::fresh_record(const WatchRequest& request,
                                                          const StreamEndpoint& endpoint) {
  auto record = std::make_shared<WatcherRecord>(
      request.owner, request.watcher_id, request.filter_source, request.selector(), request.filter,
      request.watcher_id.empty() ? AdmittedLog::disabled()
                                 : AdmittedLog(options_.window_events, options_.window_bytes));
  record->metrics = endpoint.metrics();
  if (!record->metrics) {
    record->metrics =
        metrics_->stream_series(request.owner, request.watcher_id, request.filter_source);
  }
  record->binding = request.binding;
  record->resync = request.resync;
  if (request.debounce) record->debounce.emplace(*request.debounce);
  return record;
}

std::uint64_t InformerCore::attach(const WatchRequest& request,
                                   std::shared_ptr<StreamEndpoint> endpoint, CoreTime now) {
  std::shared_ptr<WatcherRecord> record;
  if (!request.watcher_id.empty()) {
    record = watchers_.find(request.owner, request.watcher_id);
    if (record && record->attached_subscription != 0) {
      // The same watcher (same owner, same id) reconnected before we noticed its old connection
      // had gone: the new connection takes over.
      auto it = subscriptions_.find(record->attached_subscription);
      if (it != subscriptions_.end()) {
        it->second.endpoint->end(EndCause::kClientGone, nullptr);
        release(it->second, now.steady);
        erase_subscription(it);
      }
      record->attached_subscription = 0;
    }
    // A record of a filterRef stream follows its WatchFilter, so the reference is what must
    // match; otherwise the expression itself.
    const bool same_filter = record && (record->binding || request.binding
                                            ? record->binding && request.binding &&
                                                  record->binding->ref() == request.binding->ref()
                                            : record->filter_source == request.filter_source);
    if (record && (!same_filter || !record->selector.same_as(request.selector()))) {
      record.reset();  // a different filter: its state means nothing for this one
    }
  }

  std::vector<OutEvent> out;
  if (request.wants_initial_events()) {
    record = fresh_record(request, *endpoint);
    evaluate_initial(*record, out, now.steady);
    if (request.send_initial_events.value_or(false)) {
      out.push_back(
          {window_.newest(), std::make_shared<const std::string>(bookmark_line(
                                 info_.kind, info_.gvr.group_version(), window_.newest(), true))});
    }
  } else {
    const std::uint64_t from = request.resource_version;
    const bool resumable = record && from >= record->log.complete_after() &&
                           record->evaluated_through >= window_.floor();
    std::uint64_t start = from;
    if (resumable) {
      // Admitted before, perhaps never written: send again, with the decisions already made.
      record->log.drop_through(from);
      out = record->log.after(from);
      start = std::max(from, record->evaluated_through);
      if (request.binding && record->binding != request.binding) {
        record->binding = request.binding;
        record->binding_generation.reset();
      }
      if (!record->binding) apply_settings(*record, request.resync, request.debounce, out);
    } else {
      if (!window_.covers(from)) {
        if (!request.watcher_id.empty()) watchers_.erase(request.owner, request.watcher_id);
        endpoint->end(EndCause::kExpired,
                      std::make_shared<const std::string>(expired_line(from, window_.floor())));
        return 0;
      }
      record = fresh_record(request, *endpoint);
      record->log.reset(from);
      record->evaluated_through = from;
      if (!record->selector.empty()) {
        // Objects unchanged since `from` are in the stream's view as they are now; the window's
        // events after `from` bring the others up to date.
        for (const auto& [key, object] : cache_.entries()) {
          if (object.rv > from) continue;
          if (record->selector.matches(
                  synth_parser_.parse_object(object.object, EventType::kModified))) {
            record->selected.insert(key);
          }
        }
      }
    }
    for (std::size_t i = window_.first_after(start); i < window_.size(); ++i) {
      const WindowEvent& event = window_[i];
      auto view = parser_.parse_event(*event.line);
      if (!view.valid()) continue;
      PreviousObject previous(event.previous, previous_parser_);
      evaluate(*record, view, event.line, previous, event.rv, object_cache_key(view), out,
               now.steady);
    }
    record->evaluated_through = std::max(record->evaluated_through, window_.newest());
  }

  const std::uint64_t id = next_subscription_++;
  record->attached_subscription = id;
  if (!request.watcher_id.empty()) watchers_.put(record);
  auto it = subscriptions_.try_emplace(id).first;
  Subscription& sub = it->second;
  sub.record = std::move(record);
  sub.endpoint = std::move(endpoint);
  by_endpoint_[sub.endpoint.get()] = id;
  sub.bookmarks = request.allow_watch_bookmarks;
  if (sub.record->binding) {
    sub.counted_binding = sub.record->binding;
    sub.counted_binding->streams.fetch_add(1, std::memory_order_relaxed);
  }
  // The WatchFilter may have changed since the request was read.
  if (!follow_binding(sub, out, now)) {
    end_filter_invalid(it, now);
    return 0;
  }
  sync_resync(sub, now.steady);
  if (options_.wakeups && !request.watcher_id.empty()) {
    for (const Wakeup& wakeup : options_.wakeups->pending_for(request.owner, request.watcher_id)) {
      offer_wakeup(wakeup, now);
    }
  }
  send(sub, std::move(out), /*catch_up=*/true);
  return id;
}

std::uint64_t InformerCore::progress(const WatcherRecord& record) {
  std::uint64_t through = record.evaluated_through;
  if (record.debounce) {
    if (auto held = record.debounce->oldest_held()) through = std::min(through, *held - 1);
  }
  return through;
}

void InformerCore::send(Subscription& sub, std::vector<OutEvent> events, bool catch_up,
                        bool synthetic) {
  sub.progress_posted = progress(*sub.record);
  if (synthetic && sub.bookmarks) {
    // Clients take the resume point from each event's object, which for these is older than
    // the stream's position: the bookmark moves it to the current one.
    events.push_back(
        {sub.progress_posted, std::make_shared<const std::string>(bookmark_line(
                                  info_.kind, info_.gvr.group_version(), sub.progress_posted))});
  }
  if (catch_up) {
    sub.endpoint->deliver_catch_up(std::move(events), sub.progress_posted);
  } else {
    sub.endpoint->deliver(std::move(events), sub.progress_posted);
  }
}

void InformerCore::release(Subscription& sub, std::chrono::steady_clock::time_point now) {
  sub.record->attached_subscription = 0;
  sub.record->detached_at = now;
  if (sub.counted_binding) {
    sub.counted_binding->streams.fetch_sub(1, std::memory_order_relaxed);
    sub.counted_binding.reset();
  }
  if (!sub.record->id.empty()) due_wakeups_.drop_watcher(sub.record->owner, sub.record->id);
}

bool InformerCore::in_view(const WatcherRecord& record, const std::string& key) const {
  if (!record.selector.empty()) return record.selected.contains(key);
  return cache_.find(key) != nullptr;
}

InformerCore::Subscriptions::iterator InformerCore::find_subscription(
    const StreamEndpoint* endpoint) {
  auto it = by_endpoint_.find(endpoint);
  return it == by_endpoint_.end() ? subscriptions_.end() : subscriptions_.find(it->second);
}

InformerCore::Subscriptions::iterator InformerCore::erase_subscription(Subscriptions::iterator it) {
  by_endpoint_.erase(it->second.endpoint.get());
  return subscriptions_.erase(it);
}

void InformerCore::detach(std::uint64_t subscription, CoreTime now) {
  auto it = subscriptions_.find(subscription);
  if (it == subscriptions_.end()) return;
  release(it->second, now.steady);
  erase_subscription(it);
}

void InformerCore::detach(const StreamEndpoint* endpoint, CoreTime now) {
  auto it = find_subscription(endpoint);
  if (it != subscriptions_.end()) detach(it->first, now);
}

void InformerCore::tick(CoreTime now) {
  run_due(now);
  for (auto& [id, sub] : subscriptions_) {
    if (progress(*sub.record) > sub.progress_posted) send(sub, {});
  }
  watchers_.expire(now.steady, window_.floor());
}

void InformerCore::end_all(EndCause cause, CoreTime now) {
  auto subs = std::move(subscriptions_);
  subscriptions_.clear();
  by_endpoint_.clear();
  for (auto& [id, sub] : subs) {
    release(sub, now.steady);
    sub.endpoint->end(cause, nullptr);
  }
}

std::string InformerCore::list_body(const WatchRequest& request) {
  filters::FilterState state(request.filter);
  std::vector<std::pair<const std::string*, const CachedObject*>> sorted;
  sorted.reserve(cache_.size());
  for (const auto& [key, obj] : cache_.entries()) sorted.emplace_back(&key, &obj);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return *a.first < *b.first; });
  std::vector<std::string_view> items;
  const ObjectSelector selector = request.selector();
  for (const auto& [key, obj] : sorted) {
    auto view = synth_parser_.parse_object(obj->object, EventType::kAdded);
    if (!selector.matches(view)) continue;
    const auto decision = state.decide(view);
    if (decision.error) metrics_->filter_errors.fetch_add(1, std::memory_order_relaxed);
    if (decision.deliver) items.push_back(obj->object);
  }
  return build_list(info_.kind, info_.gvr.group_version(), window_.newest(), items);
}

std::optional<std::string> InformerCore::get_body(const WatchRequest& request) {
  const CachedObject* obj = cache_.find(request.path.namespace_name + "/" + request.path.name);
  if (obj == nullptr) return std::nullopt;
  auto view = synth_parser_.parse_object(obj->object, EventType::kAdded);
  if (!request.selector().matches(view)) return std::nullopt;
  filters::FilterState state(request.filter);
  const auto decision = state.decide(view);
  if (decision.error) metrics_->filter_errors.fetch_add(1, std::memory_order_relaxed);
  if (!decision.deliver) return std::nullopt;
  return std::string(obj->object);
}

std::size_t InformerCore::admitted_log_entries() const {
  std::size_t n = 0;
  for (const auto& [id, sub] : subscriptions_) {
    if (sub.record->id.empty()) n += sub.record->log.size();  // named ones are in watchers_
  }
  for (const auto& record : watchers_.all()) n += record->log.size();
  return n;
}

}  // namespace watchfilter::proxy::informer

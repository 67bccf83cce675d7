#include "proxy/informer_core.h"

#include <algorithm>
#include <charconv>

#include "filters/filter_state.h"
#include "proxy/list_response.h"
#include "proxy/watch_events.h"

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

InformerCore::InformerCore(ResourceInfo info, CoreOptions options,
                           std::shared_ptr<Metrics> metrics)
    : info_(std::move(info)),
      options_(options),
      metrics_(std::move(metrics)),
      observed_(metrics_->events_observed(info_.qualified_resource())),
      window_(options.window_events, options.window_bytes),
      watchers_(options.watcher_ttl, options.max_watchers) {}

InformerCore::~InformerCore() = default;

std::vector<ListedObject> InformerCore::to_listed(const std::vector<std::string>& items) {
  std::vector<ListedObject> out;
  out.reserve(items.size());
  for (const auto& item : items) {
    ListedObject listed;
    listed.object = with_type_meta(item, info_.kind, info_.api_version());
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

std::size_t InformerCore::relist(const std::vector<ListedObject>& listed, std::uint64_t list_rv) {
  auto diff = relist_diff(cache_, listed, list_rv);
  for (auto& event : diff) {
    auto view = parser_.parse_event(*event.line);
    process_event(view, event.line, std::max(event.rv, window_.newest()));
  }
  window_.advance(list_rv);
  return diff.size();
}

InformerCore::LineResult InformerCore::apply_line(std::shared_ptr<const std::string> line) {
  auto view = parser_.parse_event(*line);
  if (!view.valid()) return {LineKind::kInvalid, std::string(view.parse_error())};
  switch (view.type()) {
    case EventType::kAdded:
    case EventType::kModified:
    case EventType::kDeleted: {
      std::shared_ptr<const std::string> framed = std::move(line);
      if (!framed->ends_with('\n')) framed = std::make_shared<const std::string>(*framed + "\n");
      process_event(view, framed, parse_rv(view.resource_version()));
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
                                 const std::shared_ptr<const std::string>& line, std::uint64_t rv) {
  observed_->fetch_add(1, std::memory_order_relaxed);
  const std::string key = object_cache_key(view);
  if (view.type() == EventType::kDeleted) {
    cache_.erase(key);
  } else {
    // The object's own resourceVersion (a relist compares it), which for a relist's difference
    // events may be older than the window position `rv`.
    cache_.put(key, view.raw_object(), parse_rv(view.resource_version()));
  }
  window_.append(rv, line);
  rv = window_.newest();
  std::vector<OutEvent> out;
  for (auto& [id, sub] : subscriptions_) {
    out.clear();
    evaluate(*sub.record, view, line, rv, key, out);
    if (!out.empty()) send(sub, std::move(out));
  }
}

void InformerCore::evaluate(WatcherRecord& record, const filters::EventView& view,
                            const std::shared_ptr<const std::string>& line, std::uint64_t rv,
                            const std::string& key, std::vector<OutEvent>& out) {
  record.evaluated_through = std::max(record.evaluated_through, rv);
  const filters::EventView* decide_on = &view;
  std::shared_ptr<const std::string> out_line = line;
  filters::EventView synth = view;
  const FieldSelector& selector = *record.selector;
  if (!selector.empty()) {
    // kube-apiserver's shape for selectors: an object that starts matching is ADDED, one that
    // stops matching is DELETED (carrying its new version), others are not seen at all.
    const bool was = record.selected.contains(key);
    const EventType type = view.type();
    if (type == EventType::kDeleted) {
      if (!was) return;
      record.selected.erase(key);
    } else {
      const bool now = selector.matches(view);
      if (now && !was) {
        record.selected.insert(key);
        if (type == EventType::kModified) {
          out_line = std::make_shared<const std::string>(event_line("ADDED", view.raw_object()));
          synth = synth_parser_.parse_object(view.raw_object(), EventType::kAdded);
          decide_on = &synth;
        }
      } else if (!now && was) {
        record.selected.erase(key);
        out_line = std::make_shared<const std::string>(event_line("DELETED", view.raw_object()));
        synth = synth_parser_.parse_object(view.raw_object(), EventType::kDeleted);
        decide_on = &synth;
      } else if (!now) {
        return;
      }
    }
  }
  const filters::Decision decision = record.state.decide(*decide_on);
  if (decision.error) metrics_->filter_errors.fetch_add(1, std::memory_order_relaxed);
  if (decision.deliver) {
    record.log.append(rv, out_line);
    out.push_back({rv, std::move(out_line)});
    if (record.metrics) record.metrics->delivered.fetch_add(1, std::memory_order_relaxed);
  } else if (record.metrics) {
    record.metrics->suppressed.fetch_add(1, std::memory_order_relaxed);
  }
}

void InformerCore::evaluate_initial(WatcherRecord& record, std::vector<OutEvent>& out) {
  for (const auto& [key, obj] : cache_.by_rv()) {
    auto view = synth_parser_.parse_object(obj->object, EventType::kAdded);
    if (!record.selector->empty()) {
      if (!record.selector->matches(view)) continue;
      record.selected.insert(*key);
    }
    const filters::Decision decision = record.state.decide(view);
    if (decision.error) metrics_->filter_errors.fetch_add(1, std::memory_order_relaxed);
    if (decision.deliver) {
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
      request.watcher_id, request.filter_source, request.field_selector, request.filter,
      options_.window_events, options_.window_bytes);
  record->metrics = endpoint.metrics();
  if (!record->metrics) {
    record->metrics = metrics_->stream_series(request.watcher_id, request.filter_source);
  }
  return record;
}

std::uint64_t InformerCore::attach(const WatchRequest& request,
                                   std::shared_ptr<StreamEndpoint> endpoint) {
  std::shared_ptr<WatcherRecord> record;
  if (!request.watcher_id.empty()) {
    record = watchers_.find(request.watcher_id);
    if (record && record->attached_subscription != 0) {
      // The same watcher reconnected before we noticed its old connection had gone: the new
      // connection takes over.
      auto it = subscriptions_.find(record->attached_subscription);
      if (it != subscriptions_.end()) {
        it->second.endpoint->end(EndCause::kClientGone, nullptr);
        subscriptions_.erase(it);
      }
      record->attached_subscription = 0;
    }
    if (record && (record->filter_source != request.filter_source ||
                   record->selector->text() != request.field_selector->text())) {
      record.reset();  // a different filter: its state means nothing for this one
    }
  }

  std::vector<OutEvent> out;
  if (request.wants_initial_events()) {
    record = fresh_record(request, *endpoint);
    evaluate_initial(*record, out);
    if (request.send_initial_events.value_or(false)) {
      out.push_back({window_.newest(),
                     std::make_shared<const std::string>(bookmark_line(
                         info_.kind, info_.api_version(), window_.newest(), true))});
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
    } else {
      if (!window_.covers(from)) {
        if (!request.watcher_id.empty()) watchers_.erase(request.watcher_id);
        endpoint->end(EndCause::kExpired,
                      std::make_shared<const std::string>(expired_line(from, window_.floor())));
        return 0;
      }
      record = fresh_record(request, *endpoint);
      record->log.reset(from);
      record->evaluated_through = from;
    }
    for (std::size_t i = window_.first_after(start); i < window_.size(); ++i) {
      const WindowEvent& event = window_[i];
      auto view = parser_.parse_event(*event.line);
      if (!view.valid()) continue;
      evaluate(*record, view, event.line, event.rv, object_cache_key(view), out);
    }
    record->evaluated_through = std::max(record->evaluated_through, window_.newest());
  }

  const std::uint64_t id = next_subscription_++;
  record->attached_subscription = id;
  if (!request.watcher_id.empty()) watchers_.put(record);
  auto& sub = subscriptions_[id];
  sub.record = std::move(record);
  sub.endpoint = std::move(endpoint);
  send(sub, std::move(out), /*catch_up=*/true);
  return id;
}

void InformerCore::send(Subscription& sub, std::vector<OutEvent> events, bool catch_up) {
  sub.progress_posted = sub.record->evaluated_through;
  if (catch_up) {
    sub.endpoint->deliver_catch_up(std::move(events), sub.progress_posted);
  } else {
    sub.endpoint->deliver(std::move(events), sub.progress_posted);
  }
}

void InformerCore::detach(std::uint64_t subscription) {
  auto it = subscriptions_.find(subscription);
  if (it == subscriptions_.end()) return;
  it->second.record->attached_subscription = 0;
  it->second.record->detached_at = std::chrono::steady_clock::now();
  subscriptions_.erase(it);
}

void InformerCore::detach(const StreamEndpoint* endpoint) {
  for (const auto& [id, sub] : subscriptions_) {
    if (sub.endpoint.get() == endpoint) return detach(id);
  }
}

void InformerCore::tick(std::chrono::steady_clock::time_point now) {
  for (auto& [id, sub] : subscriptions_) {
    if (sub.record->evaluated_through > sub.progress_posted) send(sub, {});
  }
  watchers_.expire(now, window_.floor());
}

void InformerCore::end_all(EndCause cause) {
  auto subs = std::move(subscriptions_);
  subscriptions_.clear();
  for (auto& [id, sub] : subs) {
    sub.record->attached_subscription = 0;
    sub.record->detached_at = std::chrono::steady_clock::now();
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
  for (const auto& [key, obj] : sorted) {
    auto view = synth_parser_.parse_object(obj->object, EventType::kAdded);
    if (!request.field_selector->matches(view)) continue;
    const auto decision = state.decide(view);
    if (decision.error) metrics_->filter_errors.fetch_add(1, std::memory_order_relaxed);
    if (decision.deliver) items.push_back(obj->object);
  }
  return build_list(info_.kind, info_.api_version(), window_.newest(), items);
}

std::optional<std::string> InformerCore::get_body(const WatchRequest& request) {
  const CachedObject* obj =
      cache_.find(request.path.namespace_name + "/" + request.path.name);
  if (obj == nullptr) return std::nullopt;
  auto view = synth_parser_.parse_object(obj->object, EventType::kAdded);
  if (!request.field_selector->matches(view)) return std::nullopt;
  filters::FilterState state(request.filter);
  const auto decision = state.decide(view);
  if (decision.error) metrics_->filter_errors.fetch_add(1, std::memory_order_relaxed);
  if (!decision.deliver) return std::nullopt;
  return std::string(obj->object);
}

}  // namespace watchfilter::proxy::informer

// InformerCore: owner events of owned resources (WatchFilter spec.owned). The events of the
// proxy's own making they share their rules with are in informer_core_schedule.cc.

#include "proxy/informer/informer_core.h"
#include "proxy/kube/owner_reference.h"
#include "proxy/kube/watch_events.h"

namespace watchfilter::proxy::informer {

using filters::EventType;

void InformerCore::wake_owner(const StreamEndpoint* endpoint, const std::string& owner_key,
                              std::string_view owner_uid,
                              std::shared_ptr<const std::string> owned_annotation_json,
                              CoreTime now) {
  auto it = find_subscription(endpoint);
  if (it == subscriptions_.end()) return;
  Subscription& sub = it->second;
  std::vector<OutEvent> out;
  // As on any event: a changed WatchFilter applies first.
  if (!follow_binding(sub, out, now)) {
    end_filter_invalid(it, now);
    return;
  }
  WatcherRecord& record = *sub.record;
  const CachedObject* object = cache_.find(owner_key);
  // A reference to a deleted owner whose name was taken again names the old uid: not this one.
  const bool wake =
      object != nullptr && in_view(record, owner_key) &&
      (owner_uid.empty() ||
       synth_parser_.parse_object(object->object, EventType::kModified).uid() == owner_uid);
  if (wake) {
    std::string annotated;
    std::string_view bytes = object->object;
    if (owned_annotation_json) {
      annotated = with_annotation(object->object, kOwnedAnnotation, *owned_annotation_json);
      bytes = annotated;
    }
    auto line = std::make_shared<const std::string>(event_line("MODIFIED", bytes));
    // Held or merged: the flush at the end of the owner's window carries the newest state, and
    // the filter state then records the owner without the annotation, as below.
    const bool send_now =
        !record.debounce ||
        record.debounce->offer(owner_key, EventType::kModified, line, bytes, /*admitted=*/true,
                               record.evaluated_through, now.steady,
                               owned_annotation_json ? std::make_shared<const std::string>(
                                                           event_line("MODIFIED", object->object))
                                                     : nullptr) == Debouncer::Verdict::kSend;
    if (send_now) {
      // The filter state remembers the object without the annotation, as upstream has it, so
      // that the next real event does not look like an annotation change.
      out.push_back(synthetic_modified(record, *object, SyntheticReason::kOwner, std::move(line)));
    }
  }
  if (!out.empty()) send(sub, std::move(out), false, /*synthetic=*/true);
}

}  // namespace watchfilter::proxy::informer

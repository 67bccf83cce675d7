#include "proxy/watchfilter/watchfilter_status.h"

#include "proxy/base/json_writer.h"
#include "proxy/kube/rfc3339.h"

namespace watchfilter::proxy {

ConditionSnapshot ready_condition(const WatchFilterSpec& spec,
                                  const std::optional<ConditionSnapshot>& previous,
                                  std::string_view now) {
  ConditionSnapshot c;
  if (spec.valid()) {
    c.status = "True";
    c.reason = std::string(kReasonValid);
    c.message = "the filter compiled; streams with filterRef=" + spec.ref.to_string() + " on " +
                spec.resource.to_string() + " use it";
  } else {
    c.status = "False";
    c.reason = spec.invalid_reason;
    c.message = spec.error;
  }
  c.observed_generation = spec.generation;
  c.last_transition_time =
      previous && previous->status == c.status && !previous->last_transition_time.empty()
          ? previous->last_transition_time
          : std::string(now);
  return c;
}

std::string status_patch_body(const WatchFilterStatus& status) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("status");
  w.StartObject();
  w.Key("conditions");
  w.StartArray();
  w.StartObject();
  write_field(w, "type", "Ready");
  write_field(w, "status", status.ready.status);
  write_field(w, "reason", status.ready.reason);
  write_field(w, "message", status.ready.message);
  write_field(w, "lastTransitionTime", status.ready.last_transition_time);
  w.Key("observedGeneration");
  w.Int64(status.ready.observed_generation);
  w.EndObject();
  w.EndArray();
  w.Key("observedGeneration");
  w.Int64(status.observed_generation);
  w.Key("observedEvents");
  w.Uint64(status.observed_events);
  w.Key("deliveredEvents");
  w.Uint64(status.delivered_events);
  w.Key("streams");
  w.Int64(status.streams);
  w.EndObject();
  w.EndObject();
  return json_text(buffer);
}

std::string rfc3339_utc(std::chrono::system_clock::time_point t) {
  return format_rfc3339(t, /*milliseconds=*/false);  // metav1.Time has whole seconds
}

}  // namespace watchfilter::proxy

#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "filters/event_view.h"

namespace watchfilter::host {

// One event for a child, made where the proxy's line is read and then moved to the worker and
// into the child: its bytes are copied once (into `payload`) and parsed once, whatever the
// child does with it.
struct ChildEvent {
  std::string payload;     // {"watch":<index>,"event":<the line>}: the reconcile's argument
  std::string namespace_;  // metadata.namespace of the object; "" for a cluster-scoped one
  std::string name;        // metadata.name (a requeue's Wakeup names it)
  filters::EventType type = filters::EventType::kUnknown;
  // Where the object's JSON lies in `payload` (size 0: unknown), for the host's local
  // requeue timer, which delivers an object's last state again (--requeue local, docs/host.md).
  std::size_t object_at = 0;
  std::size_t object_size = 0;
  // Made by the host's local requeue timer, not received from a watch.
  bool local_requeue = false;

  std::string_view object() const {
    return std::string_view(payload).substr(object_at, object_size);
  }
};

// The event a local requeue delivers: the object's last state as a MODIFIED of watch `watch`.
ChildEvent requeue_event(std::size_t watch, std::string_view object, std::string namespace_,
                         std::string name);

// Wraps the watch event `line` (its trailing newline dropped) of watch `watch` into
// `event.payload`, with room for the padding simdjson reads past the end, parses it there with
// `parser` (no second copy) and fills event.namespace_, name, type and the object's place. The view
// is valid until the next parse on `parser` or the next change to event.payload.
filters::EventView read_child_event(std::size_t watch, std::string_view line,
                                    filters::EventParser& parser, ChildEvent& event);

// read_child_event with a parser of its own, for callers outside a watch (tests).
ChildEvent child_event(std::size_t watch, std::string_view line);

}  // namespace watchfilter::host

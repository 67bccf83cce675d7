#include "host/child_event.h"

namespace watchfilter::host {

filters::EventView read_child_event(std::size_t watch, std::string_view line,
                                    filters::EventParser& parser, ChildEvent& event) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  std::string& out = event.payload;
  out.clear();
  out.reserve(40 + line.size() + filters::EventParser::kPadding);
  out += "{\"watch\":";
  out += std::to_string(watch);
  out += ",\"event\":";
  const std::size_t at = out.size();
  out += line;
  out += '}';
  // The line is followed by '}' and the reserved capacity: the padding simdjson may read.
  const filters::EventView view =
      parser.parse_event_padded(std::string_view(out).substr(at, line.size()), out.capacity() - at);
  event.namespace_ = view.namespace_name();
  event.name = view.name();
  event.type = view.type();
  event.local_requeue = false;
  event.object_at = event.object_size = 0;
  if (view.valid()) {
    // The view reads the payload in place, so the object is a span of it.
    const std::string_view object = view.raw_object();
    if (object.data() >= out.data() && object.data() + object.size() <= out.data() + out.size()) {
      event.object_at = static_cast<std::size_t>(object.data() - out.data());
      event.object_size = object.size();
    }
  }
  return view;
}

ChildEvent requeue_event(std::size_t watch, std::string_view object, std::string namespace_,
                         std::string name) {
  ChildEvent event;
  event.payload.reserve(60 + object.size());
  event.payload += "{\"watch\":";
  event.payload += std::to_string(watch);
  event.payload += ",\"event\":{\"type\":\"MODIFIED\",\"object\":";
  event.object_at = event.payload.size();
  event.object_size = object.size();
  event.payload += object;
  event.payload += "}}";
  event.namespace_ = std::move(namespace_);
  event.name = std::move(name);
  event.type = filters::EventType::kModified;
  event.local_requeue = true;
  return event;
}

ChildEvent child_event(std::size_t watch, std::string_view line) {
  filters::EventParser parser;
  ChildEvent event;
  read_child_event(watch, line, parser, event);
  return event;
}

}  // namespace watchfilter::host

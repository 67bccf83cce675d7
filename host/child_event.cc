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
  return view;
}

ChildEvent child_event(std::size_t watch, std::string_view line) {
  filters::EventParser parser;
  ChildEvent event;
  read_child_event(watch, line, parser, event);
  return event;
}

}  // namespace watchfilter::host

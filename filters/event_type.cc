#include "filters/event_type.h"

namespace watchfilter::filters {

EventType parse_event_type(std::string_view text) noexcept {
  if (text == "ADDED") return EventType::kAdded;
  if (text == "MODIFIED") return EventType::kModified;
  if (text == "DELETED") return EventType::kDeleted;
  if (text == "BOOKMARK") return EventType::kBookmark;
  if (text == "ERROR") return EventType::kError;
  return EventType::kUnknown;
}

std::string_view event_type_name(EventType type) noexcept {
  switch (type) {
    case EventType::kAdded:
      return "ADDED";
    case EventType::kModified:
      return "MODIFIED";
    case EventType::kDeleted:
      return "DELETED";
    case EventType::kBookmark:
      return "BOOKMARK";
    case EventType::kError:
      return "ERROR";
    case EventType::kUnknown:
      break;
  }
  return "";
}

}  // namespace watchfilter::filters

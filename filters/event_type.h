#pragma once

#include <cstdint>
#include <string_view>

namespace watchfilter::filters {

enum class EventType : std::uint8_t { kAdded, kModified, kDeleted, kBookmark, kError, kUnknown };

EventType parse_event_type(std::string_view text) noexcept;
std::string_view event_type_name(EventType type) noexcept;

}  // namespace watchfilter::filters

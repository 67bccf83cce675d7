#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "filters/event_type.h"
#include "filters/path.h"
#include "filters/value.h"

namespace watchfilter::filters {

class EventView;

// Reusable parsing context (one per thread): owns the simdjson On-Demand parser, a padded copy
// buffer and the per-event memo, so that parsing an event allocates nothing in steady state.
// A view returned by parse_*() is valid until the next parse_*() call on the same parser and
// must not outlive the parser or the bytes it was given.
class EventParser {
 public:
  // simdjson reads up to this many bytes past the end of the JSON.
  static constexpr std::size_t kPadding = 64;

  EventParser();
  ~EventParser();
  EventParser(EventParser&&) noexcept;
  EventParser& operator=(EventParser&&) noexcept;
  EventParser(const EventParser&) = delete;
  EventParser& operator=(const EventParser&) = delete;

  // A raw watch event line: {"type":"MODIFIED","object":{...}}. The bytes are copied into a
  // padded buffer owned by the parser.
  EventView parse_event(std::string_view line);
  // Zero-copy variant: the caller guarantees `capacity >= line.size() + kPadding` readable bytes.
  EventView parse_event_padded(std::string_view line, std::size_t capacity);
  // A bare object with a given event type (the proxy's cache serving initial ADDED events).
  EventView parse_object(std::string_view object_json, EventType type);

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// One event, parsed once and shared by every filter evaluated on it. Path lookups are memoized:
// N filters referencing `spec` scan the event for `spec` once. Lookups read only the bytes on
// the way to the requested path (simdjson On-Demand), never the whole object.
class EventView {
 public:
  // False when the bytes are not a JSON object; lookups then return missing.
  bool valid() const noexcept;
  std::string_view parse_error() const noexcept;

  EventType type() const noexcept;
  std::string_view uid() const;
  std::string_view resource_version() const;
  std::string_view namespace_name() const;
  std::string_view name() const;
  // metadata.uid, or "namespace/name" for objects without a uid (never empty for a valid object
  // with either).
  std::string object_key() const;
  // The raw JSON of the object (of the "object" member for an event line).
  std::string_view raw_object() const;

  // Resolves all `paths` not yet memoized in one forward pass over the object (instead of one
  // scan per path); filters call it before evaluating. Later lookups hit the memo.
  void prefetch(const std::vector<const CompiledPath*>& paths) const;
  static const CompiledPath& uid_path();

  // Value at `path` of the object. Strings and raw JSON point into the event bytes or the parser.
  Value lookup(const CompiledPath& path) const;
  // Hash of the raw JSON text at `path`, or kMissingFingerprint when the path is absent.
  std::uint64_t fingerprint(const CompiledPath& path) const;
  // size(): entries of a map, elements of a list, code points of a string; error otherwise.
  Value size(const CompiledPath& path) const;
  // `needle in path`: key of a map or element of a list; error for other kinds.
  Value contains(const CompiledPath& path, const Value& needle) const;

  static constexpr std::uint64_t kMissingFingerprint = 0;

 private:
  friend class EventParser;
  explicit EventView(EventParser::Impl* impl) : impl_(impl) {}
  EventParser::Impl* impl_;
};

}  // namespace watchfilter::filters

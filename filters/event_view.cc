#include "filters/event_view.h"

#include <simdjson.h>

#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "filters/hash.h"

namespace watchfilter::filters {

namespace od = simdjson::ondemand;

namespace {

std::string_view trim_right(std::string_view s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

std::size_t count_code_points(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

// Absent keys, wrong container kinds and out-of-range indexes all mean "no such path": the
// language treats them as a missing value. Anything else is a malformed document.
bool is_absence(simdjson::error_code e) {
  return e == simdjson::NO_SUCH_FIELD || e == simdjson::INCORRECT_TYPE ||
         e == simdjson::INDEX_OUT_OF_BOUNDS || e == simdjson::OUT_OF_BOUNDS;
}

const CompiledPath& metadata_path(int which) {
  static const CompiledPath kPaths[] = {
      CompiledPath::make(Path{{PathSegment::field("metadata"), PathSegment::field("uid")}}),
      CompiledPath::make(
          Path{{PathSegment::field("metadata"), PathSegment::field("resourceVersion")}}),
      CompiledPath::make(Path{{PathSegment::field("metadata"), PathSegment::field("namespace")}}),
      CompiledPath::make(Path{{PathSegment::field("metadata"), PathSegment::field("name")}}),
      CompiledPath::make(Path{}),
  };
  return kPaths[which];
}

}  // namespace

class EventParser::Impl {
 public:
  struct Entry {
    std::string key;
    std::uint64_t key_hash = 0;
    Value value;
    std::string_view raw;  // raw JSON text of the value (empty when missing)
    bool hashed = false;
    std::uint64_t fingerprint = 0;
  };

  EventView start(const char* data, std::size_t size, std::size_t capacity, bool envelope,
                  EventType type) {
    memo_used_ = 0;
    owned_.clear();
    envelope_ = envelope;
    type_ = type;
    valid_ = false;
    error_ = {};
    auto result = parser_.iterate(data, size, capacity);
    if (result.error()) return fail(simdjson::error_message(result.error()));
    doc_ = std::move(result.value_unsafe());
    od::json_type root_type;
    if (auto e = doc_.type().get(root_type); e) return fail(simdjson::error_message(e));
    if (root_type != od::json_type::object) return fail("not a JSON object");
    if (envelope_) {
      std::string_view type_text;
      auto e = doc_.find_field_unordered("type").get_string().get(type_text);
      if (e && !is_absence(e)) return fail(simdjson::error_message(e));
      type_ = e ? EventType::kUnknown : parse_event_type(type_text);
    }
    valid_ = true;
    return EventView(this);
  }

  EventView fail(std::string_view message) {
    error_ = message;
    return EventView(this);
  }

  bool valid() const { return valid_; }
  std::string_view error() const { return error_; }
  EventType type() const { return type_; }

  Entry& resolve(const CompiledPath& path) {
    if (Entry* found = find(path)) return *found;
    Entry& e = add_entry(path);
    if (!valid_) return e;
    od::value v;
    if (auto err = seek(path.path, v); err) {
      if (!is_absence(err)) e.value = Value::error("malformed JSON in event");
      return e;
    }
    e.value = to_value(v, &e.raw);
    return e;
  }

  void prefetch(const std::vector<const CompiledPath*>& paths) {
    if (!valid_ || paths.size() > kMaxPrefetch) return;
    std::array<Pending, kMaxPrefetch> pending;
    std::size_t n = 0;
    for (const CompiledPath* path : paths) {
      if (find(*path) != nullptr || path->path.segments.empty()) continue;
      pending[n] = Pending();
      pending[n++].path = path;
    }
    if (n == 0 || !rewind()) return;
    od::value root;
    simdjson::error_code err =
        envelope_ ? doc_.find_field_unordered("object").get(root) : doc_.get_value().get(root);
    if (err) return;  // resolve() reports absence or malformation per path
    walk(root, pending.data(), n, 0);
    // Only paths the walk settled are memoized; resolve() handles the rest one by one.
    for (std::size_t i = 0; i < n; ++i) {
      if (!pending[i].done) continue;
      Entry& e = add_entry(*pending[i].path);
      e.value = pending[i].value;
      e.raw = pending[i].raw;
    }
  }

  std::uint64_t fingerprint(const CompiledPath& path) {
    Entry& e = resolve(path);
    if (!e.hashed) {
      e.fingerprint =
          e.value.kind == Kind::kMissing ? EventView::kMissingFingerprint : hash64(e.raw);
      e.hashed = true;
    }
    return e.fingerprint;
  }

  Value size(const CompiledPath& path) {
    const Value v = resolve(path).value;
    if (v.kind == Kind::kString) return Value::of(static_cast<double>(count_code_points(v.text)));
    if (!v.is_compound()) return v;
    od::value node;
    if (seek(path.path, node)) return Value::error("malformed JSON in event");
    std::size_t n = 0;
    simdjson::error_code err;
    if (v.kind == Kind::kObject) {
      err = node.count_fields().get(n);
    } else {
      err = node.count_elements().get(n);
    }
    if (err) return Value::error("malformed JSON in event");
    return Value::of(static_cast<double>(n));
  }

  Value contains(const CompiledPath& path, const Value& needle) {
    const Value v = resolve(path).value;
    if (!v.is_compound()) return v;
    od::value node;
    if (seek(path.path, node)) return Value::error("malformed JSON in event");
    if (v.kind == Kind::kObject) {
      if (needle.kind != Kind::kString) return Value::of(false);
      od::value ignored;
      auto err = node.find_field_unordered(needle.text).get(ignored);
      if (err && !is_absence(err)) return Value::error("malformed JSON in event");
      return Value::of(!err);
    }
    od::array array;
    if (node.get_array().get(array)) return Value::error("malformed JSON in event");
    for (auto element : array) {
      od::value item;
      if (element.get(item)) return Value::error("malformed JSON in event");
      std::string_view raw;
      const Value candidate = to_value(item, &raw);
      if (candidate.is_error()) return candidate;
      if (values_equal(candidate, needle)) return Value::of(true);
    }
    return Value::of(false);
  }

 private:
  static constexpr std::size_t kMaxPrefetch = 32;

  struct Pending {
    const CompiledPath* path = nullptr;
    bool done = false;
    Value value;
    std::string_view raw;
  };

  Entry* find(const CompiledPath& path) {
    for (std::size_t i = 0; i < memo_used_; ++i) {
      Entry& e = memo_[i];
      if (e.key_hash == path.key_hash && e.key == path.key) return &e;
    }
    return nullptr;
  }

  Entry& add_entry(const CompiledPath& path) {
    if (memo_used_ == memo_.size()) memo_.emplace_back();
    Entry& e = memo_[memo_used_++];
    e.key.assign(path.key);
    e.key_hash = path.key_hash;
    e.hashed = false;
    e.raw = {};
    e.value = Value::missing();
    return e;
  }

  // `group` are paths whose first `depth` segments lead to `v`. Settles every path it can
  // resolve in this single pass; a path that needs the same subtree both whole and below, or a
  // list index, is left to resolve().
  void walk(od::value& v, Pending* group, std::size_t n, std::size_t depth) {
    for (std::size_t i = 0; i < n; ++i) {
      const auto& segments = group[i].path->path.segments;
      if (segments.size() == depth) {
        if (n == 1) settle(group[i], to_value(v, &group[i].raw));
        return;
      }
      if (segments[depth].is_index) return;
    }
    od::object object;
    if (auto err = v.get_object().get(object); err) {
      if (is_absence(err)) settle_all(group, n, Value::missing());
      return;
    }
    std::size_t open = n;
    for (auto result : object) {
      od::field field;
      if (std::move(result).get(field)) return;
      od::value& child = field.value();
      const od::raw_json_string key = field.key();
      // Move the paths continuing with this key to the front of the unsettled range.
      std::size_t matched = 0;
      for (std::size_t i = 0; i < n; ++i) {
        if (group[i].done || !key.unsafe_is_equal(group[i].path->path.segments[depth].key))
          continue;
        std::swap(group[i], group[matched]);
        ++matched;
      }
      if (matched == 0) continue;
      walk(child, group, matched, depth + 1);
      std::size_t settled = 0;
      for (std::size_t i = 0; i < matched; ++i) settled += group[i].done;
      if (settled < matched) return;  // left to resolve(); stop before positions get confusing
      open -= matched;
      group += matched;
      n -= matched;
      if (open == 0) return;
    }
    settle_all(group, n, Value::missing());  // keys not present in this object
  }

  static void settle(Pending& p, const Value& v) {
    p.value = v;
    p.done = !v.is_error();
  }

  static void settle_all(Pending* group, std::size_t n, const Value& v) {
    for (std::size_t i = 0; i < n; ++i) {
      if (!group[i].done) settle(group[i], v);
    }
  }

  // simdjson abandons a document after some errors in malformed JSON; rewinding it then would
  // dereference a null parser, so a dead document stays dead (every lookup reports malformed).
  bool rewind() {
    if (!doc_.is_alive()) return false;
    doc_.rewind();
    return true;
  }

  simdjson::error_code seek(const Path& path, od::value& out) {
    if (!rewind()) return simdjson::TAPE_ERROR;
    simdjson::error_code err =
        envelope_ ? doc_.find_field_unordered("object").get(out) : doc_.get_value().get(out);
    if (err) return err;
    for (const PathSegment& segment : path.segments) {
      if (!segment.is_index) {
        od::object object;
        if ((err = out.get_object().get(object))) return err;
        if ((err = object.find_field_unordered(segment.key).get(out))) return err;
        continue;
      }
      od::array array;
      if ((err = out.get_array().get(array))) return err;
      std::size_t i = 0;
      bool found = false;
      for (auto element : array) {
        if ((err = element.get(out))) return err;
        if (i++ == segment.index) {
          found = true;
          break;
        }
      }
      if (!found) return simdjson::INDEX_OUT_OF_BOUNDS;
    }
    return simdjson::SUCCESS;
  }

  // Converts the value under the cursor; `raw` receives its raw JSON text (for fingerprints).
  Value to_value(od::value& v, std::string_view* raw) {
    od::json_type type;
    if (v.type().get(type)) return Value::error("malformed JSON in event");
    switch (type) {
      case od::json_type::object: {
        od::object object;
        if (v.get_object().get(object) || object.raw_json().get(*raw)) break;
        *raw = trim_right(*raw);
        return Value::make(Kind::kObject, *raw);
      }
      case od::json_type::array: {
        od::array array;
        if (v.get_array().get(array) || array.raw_json().get(*raw)) break;
        *raw = trim_right(*raw);
        return Value::make(Kind::kArray, *raw);
      }
      case od::json_type::number: {
        *raw = trim_right(v.raw_json_token());
        double d = 0;
        if (v.get_double().get(d)) break;
        return Value::of(d);
      }
      case od::json_type::string: {
        *raw = trim_right(v.raw_json_token());
        if (raw->size() < 2) break;
        std::string_view content = raw->substr(1, raw->size() - 2);
        if (content.find('\\') == std::string_view::npos) return Value::of(content);
        // Unescaped strings live in the parser's string buffer, which the next rewind reuses,
        // so the rare escaped string is copied out for the memo.
        std::string_view unescaped;
        if (v.get_string().get(unescaped)) break;
        owned_.push_back(std::make_unique<std::string>(unescaped));
        return Value::of(std::string_view(*owned_.back()));
      }
      case od::json_type::boolean: {
        *raw = trim_right(v.raw_json_token());
        bool b = false;
        if (v.get_bool().get(b)) break;
        return Value::of(b);
      }
      case od::json_type::null: {
        *raw = trim_right(v.raw_json_token());
        bool is_null = false;
        if (v.is_null().get(is_null) || !is_null) break;
        return Value::null();
      }
    }
    *raw = {};
    return Value::error("malformed JSON in event");
  }

  od::parser parser_;
  od::document doc_;
  bool envelope_ = false;
  bool valid_ = false;
  std::string_view error_;
  EventType type_ = EventType::kUnknown;
  std::vector<Entry> memo_;
  std::size_t memo_used_ = 0;
  std::vector<std::unique_ptr<std::string>> owned_;

 public:
  std::vector<char> buffer;
};

EventParser::EventParser() : impl_(std::make_unique<Impl>()) {}
EventParser::~EventParser() = default;
EventParser::EventParser(EventParser&&) noexcept = default;
EventParser& EventParser::operator=(EventParser&&) noexcept = default;

namespace {

std::pair<const char*, std::size_t> copy_padded(std::vector<char>& buffer, std::string_view bytes) {
  if (buffer.size() < bytes.size() + EventParser::kPadding) {
    buffer.resize(bytes.size() + EventParser::kPadding);
  }
  if (!bytes.empty()) std::memcpy(buffer.data(), bytes.data(), bytes.size());
  std::memset(buffer.data() + bytes.size(), 0, EventParser::kPadding);
  return {buffer.data(), buffer.size()};
}

}  // namespace

EventView EventParser::parse_event(std::string_view line) {
  const auto [data, capacity] = copy_padded(impl_->buffer, line);
  return impl_->start(data, line.size(), capacity, true, EventType::kUnknown);
}

EventView EventParser::parse_event_padded(std::string_view line, std::size_t capacity) {
  return impl_->start(line.data(), line.size(), capacity, true, EventType::kUnknown);
}

EventView EventParser::parse_object(std::string_view object_json, EventType type) {
  const auto [data, capacity] = copy_padded(impl_->buffer, object_json);
  return impl_->start(data, object_json.size(), capacity, false, type);
}

bool EventView::valid() const noexcept { return impl_->valid(); }
std::string_view EventView::parse_error() const noexcept { return impl_->error(); }
EventType EventView::type() const noexcept { return impl_->type(); }

namespace {

std::string_view string_at(EventParser::Impl& impl, int which) {
  const Value v = impl.resolve(metadata_path(which)).value;
  return v.kind == Kind::kString ? v.text : std::string_view();
}

}  // namespace

std::string_view EventView::uid() const { return string_at(*impl_, 0); }
std::string_view EventView::resource_version() const { return string_at(*impl_, 1); }
std::string_view EventView::namespace_name() const { return string_at(*impl_, 2); }
std::string_view EventView::name() const { return string_at(*impl_, 3); }

std::string EventView::object_key() const {
  const std::string_view id = uid();
  if (!id.empty()) return std::string(id);
  std::string key(namespace_name());
  key += '/';
  key += name();
  return key;
}

std::string_view EventView::raw_object() const {
  const Value v = impl_->resolve(metadata_path(4)).value;
  return v.kind == Kind::kObject ? v.text : std::string_view();
}

void EventView::prefetch(const std::vector<const CompiledPath*>& paths) const {
  impl_->prefetch(paths);
}
const CompiledPath& EventView::uid_path() { return metadata_path(0); }

Value EventView::lookup(const CompiledPath& path) const { return impl_->resolve(path).value; }
std::uint64_t EventView::fingerprint(const CompiledPath& path) const {
  return impl_->fingerprint(path);
}
Value EventView::size(const CompiledPath& path) const { return impl_->size(path); }
Value EventView::contains(const CompiledPath& path, const Value& needle) const {
  return impl_->contains(path, needle);
}

}  // namespace watchfilter::filters

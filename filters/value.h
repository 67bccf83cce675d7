#pragma once

#include <cstdint>
#include <string_view>

namespace watchfilter::filters {

// Runtime kinds. kMissing is distinct from kNull: Kubernetes omits zero/empty fields
// (omitempty), so "absent" is the common case and must not be confused with an explicit null.
enum class Kind : std::uint8_t {
  kMissing,
  kNull,
  kBool,
  kNumber,
  kString,
  kObject,
  kArray,
  kError,
};

std::string_view kind_name(Kind kind) noexcept;

// A value during one evaluation. It never owns memory: strings point into the event buffer, the
// compiled filter, the per-object state or the evaluation's scratch space, all of which outlive
// the evaluation. Objects and arrays are represented by their raw JSON or, when they come from
// remembered state, only by the hash of it.
struct Value {
  Kind kind = Kind::kMissing;
  bool boolean = false;
  bool hashed = false;  // `hash` is valid (always true for remembered compound values)
  double number = 0;
  std::string_view text;  // string content, raw JSON of an object/array, or error message
  std::uint64_t hash = 0;

  static Value missing() noexcept { return {}; }
  static Value null() noexcept { return make(Kind::kNull); }
  static Value of(bool b) noexcept {
    Value v = make(Kind::kBool);
    v.boolean = b;
    return v;
  }
  static Value of(double d) noexcept {
    Value v = make(Kind::kNumber);
    v.number = d;
    return v;
  }
  static Value of(std::string_view s) noexcept { return make(Kind::kString, s); }
  static Value error(std::string_view message) noexcept { return make(Kind::kError, message); }
  static Value make(Kind kind, std::string_view text = {}) noexcept {
    Value v;
    v.kind = kind;
    v.text = text;
    return v;
  }

  bool is_error() const noexcept { return kind == Kind::kError; }
  bool is_absent() const noexcept { return kind == Kind::kMissing || kind == Kind::kNull; }
  bool is_compound() const noexcept { return kind == Kind::kObject || kind == Kind::kArray; }
};

// Hash of an object/array value (raw JSON); computes it from `text` when not yet known.
std::uint64_t compound_hash(const Value& v) noexcept;

// Equality as the language defines it: total (never an error), numbers compare numerically,
// objects/arrays by the hash of their raw JSON, missing equals missing and null.
bool values_equal(const Value& a, const Value& b) noexcept;

}  // namespace watchfilter::filters

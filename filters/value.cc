#include "filters/value.h"

#include "filters/hash.h"

namespace watchfilter::filters {

std::string_view kind_name(Kind kind) noexcept {
  switch (kind) {
    case Kind::kMissing:
      return "missing";
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return "bool";
    case Kind::kNumber:
      return "number";
    case Kind::kString:
      return "string";
    case Kind::kObject:
      return "map";
    case Kind::kArray:
      return "list";
    case Kind::kError:
      return "error";
  }
  return "unknown";
}

std::uint64_t compound_hash(const Value& v) noexcept { return v.hashed ? v.hash : hash64(v.text); }

bool values_equal(const Value& a, const Value& b) noexcept {
  if (a.is_absent() && b.is_absent()) return true;
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Kind::kBool:
      return a.boolean == b.boolean;
    case Kind::kNumber:
      return a.number == b.number;
    case Kind::kString:
      return a.text == b.text;
    case Kind::kObject:
    case Kind::kArray:
      return compound_hash(a) == compound_hash(b);
    default:
      return false;
  }
}

}  // namespace watchfilter::filters

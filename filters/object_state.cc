#include "filters/object_state.h"

namespace watchfilter::filters {

RememberedValue RememberedValue::from(const Value& v) {
  RememberedValue r;
  r.kind = v.kind;
  r.boolean = v.boolean;
  r.number = v.number;
  if (v.kind == Kind::kString) r.text.assign(v.text);
  if (v.is_compound()) r.hash = compound_hash(v);
  return r;
}

Value RememberedValue::view() const noexcept {
  Value v = Value::make(kind, text);
  v.boolean = boolean;
  v.number = number;
  if (kind == Kind::kObject || kind == Kind::kArray) {
    v.hashed = true;
    v.hash = hash;
    v.text = {};
  }
  return v;
}

std::size_t ObjectState::memory_bytes() const noexcept {
  std::size_t bytes = sizeof(*this) + fingerprints.capacity() * sizeof(std::uint64_t) +
                      numbers.capacity() * sizeof(double) +
                      snapshots.capacity() * sizeof(RememberedValue) +
                      outliers.capacity() * sizeof(OutlierDetector);
  for (const RememberedValue& s : snapshots) {
    if (s.text.size() > 15) bytes += s.text.capacity();  // beyond the small-string buffer
  }
  for (const OutlierDetector& d : outliers) bytes += d.memory_bytes();
  return bytes;
}

}  // namespace watchfilter::filters

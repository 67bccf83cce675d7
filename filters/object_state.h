#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "filters/outlier_detector.h"
#include "filters/value.h"

namespace watchfilter::filters {

// The value of an oldObject path at the last delivery: scalars in full, maps and lists only as
// the hash of their raw JSON (enough for == and !=).
struct RememberedValue {
  Kind kind = Kind::kMissing;
  bool boolean = false;
  double number = 0;
  std::uint64_t hash = 0;
  std::string text;

  static RememberedValue from(const Value& v);
  Value view() const noexcept;
};

// What one stream remembers about one object: only the values its filter references, never the
// object. Vectors are indexed by the Program's slots.
struct ObjectState {
  bool delivered = false;                   // some version was delivered to this stream
  std::vector<std::uint64_t> fingerprints;  // changed(): hash of the delivered raw JSON
  std::vector<double> numbers;              // delta()/reldelta(): delivered value, NaN = absent
  std::vector<RememberedValue> snapshots;   // oldObject.<path>
  std::vector<OutlierDetector> outliers;    // outlier(): every observed version

  std::size_t memory_bytes() const noexcept;
};

}  // namespace watchfilter::filters

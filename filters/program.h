#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "filters/compile_options.h"
#include "filters/outlier_spec.h"
#include "filters/path.h"
#include "filters/value.h"

namespace watchfilter::filters {

enum class Op : std::uint8_t {
  kConst,    // constant: const_kind, boolean/number/text
  kPath,     // object path: index = path
  kOldPath,  // oldObject path: index = snapshot slot
  kType,     // the event type as a string
  kNot,      // !a
  kNeg,      // -a
  kAnd,      // a && b (error-absorbing)
  kOr,       // a || b (error-absorbing)
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kInList,      // a in [list...]
  kInPath,      // a in object path `index`
  kHas,         // has(path): index = path (flag: index is a snapshot slot)
  kSizePath,    // size(object path `index`)
  kSize,        // size(a) of a string
  kQuantity,    // quantity(a)
  kStartsWith,  // a.startsWith(b)
  kEndsWith,
  kContains,
  kChanged,  // changed(...): list = changed slots
  kDelta,    // delta(...): index = number slot
  kRelDelta,
  kOutlier,  // outlier(...): index = outlier slot
  kValueOr,  // valueOr(a, b)
};

// One node of the compiled expression tree; children are indexes into Program::nodes.
struct Node {
  Op op = Op::kConst;
  std::uint32_t a = 0;
  std::uint32_t b = 0;
  std::uint32_t index = 0;
  bool flag = false;
  Kind const_kind = Kind::kNull;
  bool boolean = false;
  double number = 0;
  std::string text;
  std::vector<std::uint32_t> list;
};

// Per-object state the filter needs, as slots. Identical uses share a slot: `changed(spec)` twice
// keeps one hash, `delta(x)` and `reldelta(x)` keep one number.
struct NumberSlot {
  std::uint32_t node = 0;  // expression whose last delivered value is kept
  std::string label;       // its text, for messages
};

struct OutlierSlot {
  std::uint32_t node = 0;  // expression observed on every event
  OutlierSpec spec;        // window resolved (never 0)
  double z = 0;            // part of the slot: which observations are reported depends on it
  std::string label;
};

struct Program {
  std::vector<Node> nodes;
  std::uint32_t root = 0;
  std::vector<CompiledPath> paths;            // object paths read by the expression
  std::vector<std::uint32_t> changed_slots;   // path index per changed() slot
  std::vector<NumberSlot> number_slots;       // delta()/reldelta()
  std::vector<OutlierSlot> outlier_slots;     // outlier()
  std::vector<std::uint32_t> snapshot_slots;  // path index per oldObject path
  CompileOptions options;

  // Whether deciding needs the time of the observation (an hour-of-day outlier baseline).
  bool uses_clock() const {
    for (const OutlierSlot& s : outlier_slots) {
      if (s.spec.statistic == OutlierStatistic::kSeasonal) return true;
    }
    return false;
  }

  bool stateful() const {
    return !changed_slots.empty() || !number_slots.empty() || !outlier_slots.empty() ||
           !snapshot_slots.empty();
  }
};

}  // namespace watchfilter::filters

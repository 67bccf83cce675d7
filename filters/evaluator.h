#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "filters/event_view.h"
#include "filters/object_state.h"
#include "filters/outlier_detector.h"
#include "filters/program.h"
#include "filters/value.h"

namespace watchfilter::filters {

// What outlier() of one slot sees on this event, computed before the expression runs so that
// every event is observed even when || or && skip the call.
struct OutlierProbe {
  Value input;             // the observed value (number, absent, or an error)
  OutlierVerdict verdict;  // no score and no report when input is not a number or the object is new
};

// Reusable per-stream buffers, so that evaluating allocates nothing in steady state.
struct EvalScratch {
  std::vector<Value> numbers;       // current value of each number slot
  std::vector<char> numbers_known;  // whether numbers[i] was computed for this event
  std::vector<OutlierProbe> outliers;
  std::deque<std::string> messages;  // text of runtime errors (cold path)

  void reset(const Program& program);
};

// Evaluates a Program on one event. Never throws: a runtime type mismatch becomes an error
// Value, which && and || absorb as in CEL (false && error == false, true || error == true).
class Evaluator {
 public:
  Evaluator(const Program& program, const EventView& view, const ObjectState* state,
            EvalScratch& scratch)
      : program_(program), view_(view), state_(state), scratch_(scratch) {}

  Value eval(std::uint32_t node);
  // The current value of number slot `slot` (memoized for this event).
  const Value& number(std::uint32_t slot);

 private:
  bool has_old() const { return state_ != nullptr && state_->delivered; }
  Value fail(std::string message);
  std::string describe(std::uint32_t node, const Value& v) const;
  Value as_bool(std::uint32_t node, Value v);
  Value logical(const Node& n, bool is_and);
  Value compare(const Node& n);
  Value arithmetic(const Node& n);
  Value string_test(const Node& n);
  Value in_list(const Node& n);
  Value delta(const Node& n, bool relative);
  Value outlier(const Node& n);
  Value changed(const Node& n);
  Value old_path(const Node& n);

  const Program& program_;
  const EventView& view_;
  const ObjectState* state_;
  EvalScratch& scratch_;
};

}  // namespace watchfilter::filters

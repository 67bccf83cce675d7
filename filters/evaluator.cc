#include "filters/evaluator.h"

#include <cmath>
#include <limits>

#include "filters/event_type.h"
#include "filters/quantity.h"

namespace watchfilter::filters {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

}  // namespace

void EvalScratch::reset(const Program& program) {
  numbers.resize(program.number_slots.size());
  numbers_known.assign(program.number_slots.size(), 0);
  outliers.resize(program.outlier_slots.size());
  messages.clear();
}

Value Evaluator::fail(std::string message) {
  scratch_.messages.push_back(std::move(message));
  return Value::error(scratch_.messages.back());
}

std::string Evaluator::describe(std::uint32_t node, const Value& v) const {
  const Node& n = program_.nodes[node];
  std::string what = "value";
  if (n.op == Op::kPath) what = program_.paths[n.index].display;
  if (n.op == Op::kOldPath) {
    what = "oldObject." + program_.paths[program_.snapshot_slots[n.index]].display;
  }
  return what +
         (v.kind == Kind::kMissing ? " is missing" : " is a " + std::string(kind_name(v.kind)));
}

Value Evaluator::as_bool(std::uint32_t node, Value v) {
  if (v.kind == Kind::kBool || v.is_error()) return v;
  return fail("expected a bool: " + describe(node, v));
}

const Value& Evaluator::number(std::uint32_t slot) {
  if (!scratch_.numbers_known[slot]) {
    scratch_.numbers[slot] = eval(program_.number_slots[slot].node);
    scratch_.numbers_known[slot] = 1;
  }
  return scratch_.numbers[slot];
}

Value Evaluator::eval(std::uint32_t index) {
  const Node& n = program_.nodes[index];
  switch (n.op) {
    case Op::kConst: {
      Value v = Value::make(n.const_kind, n.text);
      v.boolean = n.boolean;
      v.number = n.number;
      return v;
    }
    case Op::kPath:
      return view_.lookup(program_.paths[n.index]);
    case Op::kOldPath:
      return old_path(n);
    case Op::kType:
      return Value::of(event_type_name(view_.type()));
    case Op::kNot: {
      const Value v = as_bool(n.a, eval(n.a));
      return v.is_error() ? v : Value::of(!v.boolean);
    }
    case Op::kNeg: {
      const Value v = eval(n.a);
      if (v.is_error()) return v;
      if (v.kind != Kind::kNumber) return fail("expected a number: " + describe(n.a, v));
      return Value::of(-v.number);
    }
    case Op::kAnd:
      return logical(n, true);
    case Op::kOr:
      return logical(n, false);
    case Op::kEq:
    case Op::kNe: {
      const Value a = eval(n.a);
      if (a.is_error()) return a;
      const Value b = eval(n.b);
      if (b.is_error()) return b;
      return Value::of(values_equal(a, b) == (n.op == Op::kEq));
    }
    case Op::kLt:
    case Op::kLe:
    case Op::kGt:
    case Op::kGe:
      return compare(n);
    case Op::kAdd:
    case Op::kSub:
    case Op::kMul:
    case Op::kDiv:
      return arithmetic(n);
    case Op::kInList:
      return in_list(n);
    case Op::kInPath: {
      const Value needle = eval(n.a);
      if (needle.is_error()) return needle;
      const Value r = view_.contains(program_.paths[n.index], needle);
      // An absent map or list is empty (Kubernetes omits empty collections).
      if (r.is_absent()) return Value::of(false);
      if (r.kind != Kind::kBool && !r.is_error()) {
        return fail("expected a map or list after 'in': " + program_.paths[n.index].display +
                    " is a " + std::string(kind_name(r.kind)));
      }
      return r;
    }
    case Op::kHas: {
      if (n.flag) {
        return Value::of(has_old() && state_->snapshots[n.index].kind != Kind::kMissing);
      }
      const Value v = view_.lookup(program_.paths[n.index]);
      return v.is_error() ? v : Value::of(v.kind != Kind::kMissing);
    }
    case Op::kSizePath: {
      const Value v = view_.size(program_.paths[n.index]);
      if (v.is_absent()) return Value::of(0.0);
      if (v.kind != Kind::kNumber && !v.is_error()) {
        return fail("expected a string, map or list in size(): " + program_.paths[n.index].display +
                    " is a " + std::string(kind_name(v.kind)));
      }
      return v;
    }
    case Op::kSize: {
      const Value v = eval(n.a);
      if (v.is_error()) return v;
      if (v.is_absent()) return Value::of(0.0);
      if (v.kind == Kind::kString) return Value::of(static_cast<double>(code_points(v.text)));
      return fail("expected a string in size(): " + describe(n.a, v));
    }
    case Op::kQuantity: {
      const Value v = eval(n.a);
      if (v.is_error() || v.kind == Kind::kNumber) return v;
      if (v.is_absent()) return Value::missing();
      if (v.kind == Kind::kString) {
        if (const std::optional<double> q = parse_quantity(v.text)) return Value::of(*q);
        return fail("expected a quantity: \"" + std::string(v.text.substr(0, 64)) +
                    "\" is not one");
      }
      return fail("expected a quantity: " + describe(n.a, v));
    }
    case Op::kStartsWith:
    case Op::kEndsWith:
    case Op::kContains:
      return string_test(n);
    case Op::kChanged:
      return changed(n);
    case Op::kDelta:
      return delta(n, false);
    case Op::kRelDelta:
      return delta(n, true);
    case Op::kOutlier:
      return outlier(n);
    case Op::kValueOr: {
      const Value v = eval(n.a);
      return v.is_absent() ? eval(n.b) : v;
    }
  }
  return fail("unknown operation");
}

Value Evaluator::old_path(const Node& n) {
  if (!has_old()) {
    // oldObject itself is null before the first delivery; any path below it is missing.
    return program_.paths[program_.snapshot_slots[n.index]].path.segments.empty()
               ? Value::null()
               : Value::missing();
  }
  return state_->snapshots[n.index].view();
}

Value Evaluator::logical(const Node& n, bool is_and) {
  // The short-circuit value wins over an error on either side, as in CEL.
  const Value a = as_bool(n.a, eval(n.a));
  if (a.kind == Kind::kBool && a.boolean != is_and) return a;
  const Value b = as_bool(n.b, eval(n.b));
  if (b.kind == Kind::kBool && b.boolean != is_and) return b;
  if (a.is_error()) return a;
  if (b.is_error()) return b;
  return Value::of(is_and);
}

Value Evaluator::compare(const Node& n) {
  const Value a = eval(n.a);
  if (a.is_error()) return a;
  const Value b = eval(n.b);
  if (b.is_error()) return b;
  int order = 0;
  if (a.kind == Kind::kNumber && b.kind == Kind::kNumber) {
    if (std::isnan(a.number) || std::isnan(b.number)) return Value::of(false);
    order = a.number < b.number ? -1 : a.number > b.number ? 1 : 0;
  } else if (a.kind == Kind::kString && b.kind == Kind::kString) {
    const int c = a.text.compare(b.text);
    order = c < 0 ? -1 : c > 0 ? 1 : 0;
  } else {
    const auto comparable = [](const Value& v) {
      return v.kind == Kind::kNumber || v.kind == Kind::kString;
    };
    std::string what = !comparable(a)   ? describe(n.a, a)
                       : !comparable(b) ? describe(n.b, b)
                                        : describe(n.a, a) + ", " + describe(n.b, b);
    return fail("expected two numbers or two strings to compare: " + what);
  }
  switch (n.op) {
    case Op::kLt:
      return Value::of(order < 0);
    case Op::kLe:
      return Value::of(order <= 0);
    case Op::kGt:
      return Value::of(order > 0);
    default:
      return Value::of(order >= 0);
  }
}

Value Evaluator::arithmetic(const Node& n) {
  const Value a = eval(n.a);
  if (a.is_error()) return a;
  const Value b = eval(n.b);
  if (b.is_error()) return b;
  if (n.op == Op::kAdd && a.kind == Kind::kString && b.kind == Kind::kString) {
    scratch_.messages.push_back(std::string(a.text) + std::string(b.text));
    return Value::of(std::string_view(scratch_.messages.back()));
  }
  if (a.kind != Kind::kNumber) return fail("expected a number: " + describe(n.a, a));
  if (b.kind != Kind::kNumber) return fail("expected a number: " + describe(n.b, b));
  switch (n.op) {
    case Op::kAdd:
      return Value::of(a.number + b.number);
    case Op::kSub:
      return Value::of(a.number - b.number);
    case Op::kMul:
      return Value::of(a.number * b.number);
    default:
      if (b.number == 0) return fail("division by zero");
      return Value::of(a.number / b.number);
  }
}

Value Evaluator::string_test(const Node& n) {
  const Value s = eval(n.a);
  if (s.is_error()) return s;
  const Value x = eval(n.b);
  if (x.is_error()) return x;
  if (s.kind != Kind::kString) return fail("expected a string: " + describe(n.a, s));
  if (x.kind != Kind::kString) return fail("expected a string: " + describe(n.b, x));
  switch (n.op) {
    case Op::kStartsWith:
      return Value::of(s.text.starts_with(x.text));
    case Op::kEndsWith:
      return Value::of(s.text.ends_with(x.text));
    default:
      return Value::of(s.text.find(x.text) != std::string_view::npos);
  }
}

Value Evaluator::in_list(const Node& n) {
  const Value needle = eval(n.a);
  if (needle.is_error()) return needle;
  Value first_error;
  for (std::uint32_t item : n.list) {
    const Value v = eval(item);
    if (v.is_error()) {
      if (!first_error.is_error()) first_error = v;
      continue;
    }
    if (values_equal(needle, v)) return Value::of(true);
  }
  return first_error.is_error() ? first_error : Value::of(false);
}

Value Evaluator::changed(const Node& n) {
  // First event of an object for this stream: there is no delivered version to compare with.
  if (!has_old()) return Value::of(true);
  for (std::uint32_t slot : n.list) {
    const CompiledPath& path = program_.paths[program_.changed_slots[slot]];
    if (view_.fingerprint(path) != state_->fingerprints[slot]) return Value::of(true);
  }
  return Value::of(false);
}

Value Evaluator::delta(const Node& n, bool relative) {
  const Value& current = number(n.index);
  if (current.is_error()) return current;
  if (!current.is_absent() && current.kind != Kind::kNumber) {
    return fail("expected a number in " + std::string(relative ? "reldelta" : "delta") +
                "(): " + program_.number_slots[n.index].label + " is a " +
                std::string(kind_name(current.kind)));
  }
  if (!has_old()) return Value::of(kInfinity);
  const double old = state_->numbers[n.index];
  const bool old_absent = std::isnan(old);
  // Appearing or disappearing is an unbounded change; absent on both sides is no change.
  if (current.is_absent() || old_absent)
    return Value::of(current.is_absent() && old_absent ? 0.0 : kInfinity);
  const double d = std::fabs(current.number - old);
  if (!relative) return Value::of(d);
  if (old == 0) return Value::of(d == 0 ? 0.0 : kInfinity);
  return Value::of(d / std::fabs(old));
}

Value Evaluator::outlier(const Node& n) {
  const OutlierProbe& probe = scratch_.outliers[n.index];
  if (probe.input.is_error()) return probe.input;
  if (probe.input.is_absent()) return Value::of(false);
  if (probe.input.kind != Kind::kNumber) {
    return fail("expected a number in outlier(): " + program_.outlier_slots[n.index].label +
                " is a " + std::string(kind_name(probe.input.kind)));
  }
  return Value::of(probe.verdict.report);
}

}  // namespace watchfilter::filters

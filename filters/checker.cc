#include "filters/checker.h"

#include <cmath>
#include <optional>
#include <string>

#include "filters/ast_path.h"
#include "filters/filter_cost.h"
#include "filters/quantity.h"

namespace watchfilter::filters {
namespace {

Node make_node(Op op, std::uint32_t a = 0, std::uint32_t b = 0, std::uint32_t index = 0,
               bool flag = false) {
  Node n;
  n.op = op;
  n.a = a;
  n.b = b;
  n.index = index;
  n.flag = flag;
  return n;
}

Node number_node(double number) {
  Node n = make_node(Op::kConst);
  n.const_kind = Kind::kNumber;
  n.number = number;
  return n;
}

enum class Type { kBool, kNumber, kString, kNull, kDyn };

std::string type_name(Type t) {
  switch (t) {
    case Type::kBool:
      return "bool";
    case Type::kNumber:
      return "number";
    case Type::kString:
      return "string";
    case Type::kNull:
      return "null";
    case Type::kDyn:
      return "dyn";
  }
  return "?";
}

struct Checked {
  std::uint32_t node = 0;
  Type type = Type::kDyn;
  bool stateful = false;  // contains changed/delta/reldelta/outlier
};

class Checker {
 public:
  explicit Checker(const CompileOptions& options) { program_.options = options; }

  Program run(const Ast& ast) {
    const Checked root = check(ast);
    if (root.type != Type::kBool && root.type != Type::kDyn) {
      fail_operand(ast, "expected a bool expression, found " + type_name(root.type));
    }
    program_.root = root.node;
    enforce_budgets();
    return std::move(program_);
  }

 private:
  [[noreturn]] static void fail(const Ast& at, std::string message) {
    throw CheckFailure{at.column, std::move(message)};
  }

  // For errors about a whole operand: point at where it starts.
  [[noreturn]] static void fail_operand(const Ast& operand, std::string message) {
    throw CheckFailure{start_column(operand), std::move(message)};
  }

  // The whole expression is checked (its size is bounded by max_source_bytes) so that a refusal
  // names its full cost; it points at where the budget was first passed.
  std::uint32_t add(const Ast& at, Node node) {
    if (program_.nodes.size() == program_.options.max_nodes) nodes_over_at_ = at.column;
    program_.nodes.push_back(std::move(node));
    return static_cast<std::uint32_t>(program_.nodes.size() - 1);
  }

  // After a state slot was added for `at`.
  void note_state(const Ast& at) {
    const std::size_t limit = program_.options.max_state_bytes;
    if (limit != 0 && state_over_at_ == 0 && filter_cost(program_).state_bytes() > limit) {
      state_over_at_ = at.column;
    }
  }

  void enforce_budgets() {
    const FilterCost cost = filter_cost(program_);
    const CompileOptions& o = program_.options;
    if (cost.nodes > o.max_nodes) {
      throw CheckFailure{nodes_over_at_,
                         "expression too large: " + std::to_string(cost.nodes) + " nodes (limit " +
                             std::to_string(o.max_nodes) + ", --max-filter-nodes)",
                         CompileError::Limit::kNodes};
    }
    if (o.max_state_bytes != 0 && cost.state_bytes() > o.max_state_bytes) {
      throw CheckFailure{state_over_at_ != 0 ? state_over_at_ : 1,
                         "filter state too large: " + std::to_string(cost.state_bytes()) +
                             " bytes per object (limit " + std::to_string(o.max_state_bytes) +
                             ", --max-filter-state-bytes; " + cost.describe_state() + ")",
                         CompileError::Limit::kStateBytes};
    }
  }

  std::uint32_t path_index(const Path& path) {
    const std::string key = path.key();
    for (std::size_t i = 0; i < program_.paths.size(); ++i) {
      if (program_.paths[i].key == key) return static_cast<std::uint32_t>(i);
    }
    program_.paths.push_back(CompiledPath::make(path));
    return static_cast<std::uint32_t>(program_.paths.size() - 1);
  }

  static std::uint32_t slot_of(std::vector<std::uint32_t>& slots, std::uint32_t path) {
    for (std::size_t i = 0; i < slots.size(); ++i) {
      if (slots[i] == path) return static_cast<std::uint32_t>(i);
    }
    slots.push_back(path);
    return static_cast<std::uint32_t>(slots.size() - 1);
  }

  static void expect_type(const Ast& at, const Checked& c, Type want, const std::string& what) {
    if (c.type != want && c.type != Type::kDyn) {
      fail_operand(at, "expected " + type_name(want) + " " + what + ", found " + type_name(c.type));
    }
  }

  Checked check(const Ast& ast) {
    switch (ast.kind) {
      case Ast::Kind::kLiteral:
        return literal(ast);
      case Ast::Kind::kIdent:
        if (ast.name == "type") return {add(ast, make_node(Op::kType)), Type::kString};
        [[fallthrough]];
      case Ast::Kind::kSelect:
      case Ast::Kind::kIndex:
        return path_node(ast, *ast_to_path(ast));
      case Ast::Kind::kUnary:
        return unary(ast);
      case Ast::Kind::kBinary:
        return binary(ast);
      case Ast::Kind::kCall:
        return call(ast);
      case Ast::Kind::kList:
        fail(ast, "list literals are only allowed on the right of 'in'");
    }
    fail(ast, "unexpected expression");
  }

  Checked literal(const Ast& ast) {
    const Token& t = ast.literal;
    Node n = make_node(Op::kConst);
    Type type = Type::kNull;
    switch (t.kind) {
      case TokenKind::kTrue:
      case TokenKind::kFalse:
        n.const_kind = Kind::kBool;
        n.boolean = t.kind == TokenKind::kTrue;
        type = Type::kBool;
        break;
      case TokenKind::kNumber:
        n.const_kind = Kind::kNumber;
        n.number = t.number;
        type = Type::kNumber;
        break;
      case TokenKind::kString:
        n.const_kind = Kind::kString;
        n.text = t.text;
        type = Type::kString;
        break;
      default:
        n.const_kind = Kind::kNull;
        break;
    }
    return {add(ast, std::move(n)), type};
  }

  Checked path_node(const Ast& ast, const RootedPath& rooted) {
    const std::uint32_t path = path_index(rooted.path);
    if (rooted.root == PathRoot::kObject)
      return {add(ast, make_node(Op::kPath, 0, 0, path)), Type::kDyn};
    const std::uint32_t slot = slot_of(program_.snapshot_slots, path);
    note_state(ast);
    return {add(ast, make_node(Op::kOldPath, 0, 0, slot)), Type::kDyn};
  }

  Checked unary(const Ast& ast) {
    const Checked operand = check(*ast.children[0]);
    if (ast.op == TokenKind::kNot) {
      expect_type(ast, operand, Type::kBool, "operand of '!'");
      return {add(ast, make_node(Op::kNot, operand.node)), Type::kBool, operand.stateful};
    }
    expect_type(ast, operand, Type::kNumber, "operand of '-'");
    return {add(ast, make_node(Op::kNeg, operand.node)), Type::kNumber, operand.stateful};
  }

  Checked binary(const Ast& ast) {
    if (ast.op == TokenKind::kIn) return in(ast);
    const Checked lhs = check(*ast.children[0]);
    const Checked rhs = check(*ast.children[1]);
    const bool stateful = lhs.stateful || rhs.stateful;
    const std::string op_text(token_name(ast.op));
    const auto make = [&](Op op, Type type) {
      return Checked{add(ast, make_node(op, lhs.node, rhs.node)), type, stateful};
    };
    switch (ast.op) {
      case TokenKind::kAndAnd:
      case TokenKind::kOrOr:
        expect_type(*ast.children[0], lhs, Type::kBool, "operand of " + op_text);
        expect_type(*ast.children[1], rhs, Type::kBool, "operand of " + op_text);
        return make(ast.op == TokenKind::kAndAnd ? Op::kAnd : Op::kOr, Type::kBool);
      case TokenKind::kEq:
      case TokenKind::kNe:
        if (lhs.type != rhs.type && lhs.type != Type::kDyn && rhs.type != Type::kDyn &&
            lhs.type != Type::kNull && rhs.type != Type::kNull) {
          fail(ast, op_text + " compares " + type_name(lhs.type) + " with " + type_name(rhs.type) +
                        " (always false)");
        }
        return make(ast.op == TokenKind::kEq ? Op::kEq : Op::kNe, Type::kBool);
      case TokenKind::kLt:
      case TokenKind::kLe:
      case TokenKind::kGt:
      case TokenKind::kGe: {
        for (const Checked* c : {&lhs, &rhs}) {
          if (c->type != Type::kNumber && c->type != Type::kString && c->type != Type::kDyn) {
            fail(ast,
                 "expected numbers or strings around " + op_text + ", found " + type_name(c->type));
          }
        }
        if (lhs.type != rhs.type && lhs.type != Type::kDyn && rhs.type != Type::kDyn) {
          fail(ast, op_text + " compares " + type_name(lhs.type) + " with " + type_name(rhs.type));
        }
        const Op op = ast.op == TokenKind::kLt   ? Op::kLt
                      : ast.op == TokenKind::kLe ? Op::kLe
                      : ast.op == TokenKind::kGt ? Op::kGt
                                                 : Op::kGe;
        return make(op, Type::kBool);
      }
      case TokenKind::kPlus: {
        for (const Checked* c : {&lhs, &rhs}) {
          if (c->type != Type::kNumber && c->type != Type::kString && c->type != Type::kDyn) {
            fail(ast, "expected numbers or strings around '+', found " + type_name(c->type));
          }
        }
        if (lhs.type != rhs.type && lhs.type != Type::kDyn && rhs.type != Type::kDyn) {
          fail(ast, "'+' adds " + type_name(lhs.type) + " and " + type_name(rhs.type));
        }
        return make(Op::kAdd, lhs.type == Type::kDyn ? rhs.type : lhs.type);
      }
      default: {
        expect_type(*ast.children[0], lhs, Type::kNumber, "operand of " + op_text);
        expect_type(*ast.children[1], rhs, Type::kNumber, "operand of " + op_text);
        const Op op = ast.op == TokenKind::kMinus  ? Op::kSub
                      : ast.op == TokenKind::kStar ? Op::kMul
                                                   : Op::kDiv;
        return make(op, Type::kNumber);
      }
    }
  }

  Checked in(const Ast& ast) {
    const Checked needle = check(*ast.children[0]);
    const Ast& haystack = *ast.children[1];
    if (haystack.kind == Ast::Kind::kList) {
      Node n = make_node(Op::kInList, needle.node);
      bool stateful = needle.stateful;
      for (const auto& item : haystack.children) {
        const Checked c = check(*item);
        stateful = stateful || c.stateful;
        n.list.push_back(c.node);
      }
      return {add(ast, std::move(n)), Type::kBool, stateful};
    }
    const std::optional<RootedPath> path = ast_to_path(haystack);
    if (!path) fail(haystack, "expected a list literal or a path on the right of 'in'");
    if (path->root == PathRoot::kOldObject) {
      fail(haystack,
           "expected a path of object on the right of 'in' (oldObject keeps no maps or lists)");
    }
    return {add(ast, make_node(Op::kInPath, needle.node, 0, path_index(path->path))), Type::kBool,
            needle.stateful};
  }

  // Arguments of a call, with the receiver of a method call first.
  static std::vector<const Ast*> args_of(const Ast& ast) {
    std::vector<const Ast*> args;
    for (const auto& child : ast.children) args.push_back(child.get());
    return args;
  }

  static void expect_arity(const Ast& ast, const std::vector<const Ast*>& args, std::size_t min,
                           std::size_t max, const std::string& usage) {
    if (args.size() < min || args.size() > max) fail(ast, "expected " + usage);
  }

  RootedPath expect_path(const Ast& arg, const std::string& what) {
    std::optional<RootedPath> path = ast_to_path(arg);
    if (!path) fail_operand(arg, "expected a path as " + what);
    return std::move(*path);
  }

  std::string label_of(const Ast& arg) {
    try {
      if (std::optional<RootedPath> p = ast_to_path(arg)) {
        return (p->root == PathRoot::kOldObject ? "oldObject." : "") + p->path.display();
      }
    } catch (const CheckFailure&) {
    }
    return "expression at col " + std::to_string(arg.column);
  }

  Checked stateless_number(const Ast& arg, const std::string& fn) {
    const Checked c = check(arg);
    expect_type(arg, c, Type::kNumber, "argument of " + fn);
    if (c.stateful)
      fail_operand(arg,
                   "expected an argument of " + fn + " without changed/delta/reldelta/outlier");
    return c;
  }

  static bool is_string_literal(const Ast& arg) {
    return arg.kind == Ast::Kind::kLiteral && arg.literal.kind == TokenKind::kString;
  }

  double number_literal(const Ast& arg, const std::string& what) {
    if (arg.kind == Ast::Kind::kLiteral && arg.literal.kind == TokenKind::kNumber)
      return arg.literal.number;
    fail_operand(arg, "expected a number literal as " + what);
  }

  Checked call(const Ast& ast) {
    const std::string& fn = ast.name;
    const std::vector<const Ast*> args = args_of(ast);
    if (fn == "has") {
      expect_arity(ast, args, 1, 1, "one path: has(path)");
      const RootedPath p = expect_path(*args[0], "argument of has");
      const std::uint32_t path = path_index(p.path);
      if (p.root == PathRoot::kObject)
        return {add(ast, make_node(Op::kHas, 0, 0, path)), Type::kBool};
      const std::uint32_t slot = slot_of(program_.snapshot_slots, path);
      note_state(ast);
      return {add(ast, make_node(Op::kHas, 0, 0, slot, true)), Type::kBool, false};
    }
    if (fn == "size") {
      expect_arity(ast, args, 1, 1, "one argument: size(x)");
      std::optional<RootedPath> p = ast_to_path(*args[0]);
      if (p && p->root == PathRoot::kObject) {
        return {add(ast, make_node(Op::kSizePath, 0, 0, path_index(p->path))), Type::kNumber};
      }
      const Checked c = check(*args[0]);
      expect_type(*args[0], c, Type::kString, "argument of size (or a path of object)");
      return {add(ast, make_node(Op::kSize, c.node)), Type::kNumber, c.stateful};
    }
    if (fn == "quantity") {
      expect_arity(ast, args, 1, 1, "one argument: quantity(\"500m\") or quantity(path)");
      const Ast& arg = *args[0];
      if (arg.kind == Ast::Kind::kLiteral && arg.literal.kind == TokenKind::kString) {
        const std::optional<double> q = parse_quantity(arg.literal.text);
        if (!q) fail(arg, "expected a Kubernetes quantity such as \"500m\" or \"1Gi\"");
        return {add(ast, number_node(*q)), Type::kNumber};
      }
      const Checked c = check(arg);
      if (c.type == Type::kBool || c.type == Type::kNull) {
        fail(arg, "expected a string or number argument of quantity, found " + type_name(c.type));
      }
      return {add(ast, make_node(Op::kQuantity, c.node)), Type::kNumber, c.stateful};
    }
    if (fn == "startsWith" || fn == "endsWith" || fn == "contains") {
      expect_arity(
          ast, args, 2, 2,
          ast.is_method ? "one argument: s." + fn + "(x)" : "two arguments: " + fn + "(s, x)");
      const Checked s = check(*args[0]);
      const Checked x = check(*args[1]);
      expect_type(*args[0], s, Type::kString, "receiver of " + fn);
      expect_type(*args[1], x, Type::kString, "argument of " + fn);
      const Op op = fn == "startsWith" ? Op::kStartsWith
                    : fn == "endsWith" ? Op::kEndsWith
                                       : Op::kContains;
      return {add(ast, make_node(op, s.node, x.node)), Type::kBool, s.stateful || x.stateful};
    }
    if (fn == "valueOr") {
      expect_arity(ast, args, 2, 2, "two arguments: valueOr(path, fallback)");
      const Checked v = check(*args[0]);
      const Checked d = check(*args[1]);
      const Type type = v.type == Type::kDyn ? d.type == Type::kNull ? Type::kDyn : d.type : v.type;
      if (v.type != Type::kDyn && d.type != Type::kDyn && v.type != d.type) {
        fail(*args[1],
             "expected a fallback of type " + type_name(v.type) + ", found " + type_name(d.type));
      }
      return {add(ast, make_node(Op::kValueOr, v.node, d.node)), type, v.stateful || d.stateful};
    }
    if (ast.is_method)
      fail(ast, "unknown method '" + fn + "' (known: startsWith, endsWith, contains, size)");
    if (fn == "changed") {
      if (args.empty()) fail(ast, "expected at least one path: changed(path, ...)");
      Node n = make_node(Op::kChanged);
      for (const Ast* arg : args) {
        const RootedPath p = expect_path(*arg, "argument of changed");
        if (p.root == PathRoot::kOldObject)
          fail_operand(*arg, "expected a path of object as argument of changed");
        n.list.push_back(slot_of(program_.changed_slots, path_index(p.path)));
      }
      note_state(ast);
      return {add(ast, std::move(n)), Type::kBool, true};
    }
    if (fn == "delta" || fn == "reldelta") {
      expect_arity(ast, args, 1, 1, "one argument: " + fn + "(path)");
      const Checked c = stateless_number(*args[0], fn);
      const std::uint32_t slot = number_slot(c.node, label_of(*args[0]));
      note_state(ast);
      return {add(ast, make_node(fn == "delta" ? Op::kDelta : Op::kRelDelta, 0, 0, slot)),
              Type::kNumber, true};
    }
    if (fn == "outlier") {
      expect_arity(ast, args, 2, 4,
                   "outlier(path, z), outlier(path, z, window), outlier(path, z, \"mode\") or "
                   "outlier(path, z, window, \"mode\")");
      const Checked c = stateless_number(*args[0], fn);
      const double z = number_literal(*args[1], "z of outlier");
      if (!(z > 0)) fail(*args[1], "expected z > 0 in outlier");
      OutlierSpec spec{program_.options.outlier_statistic, program_.options.outlier_report,
                       program_.options.default_outlier_window};
      const Ast* window_arg = args.size() >= 3 && !is_string_literal(*args[2]) ? args[2] : nullptr;
      const Ast* mode_arg = args.size() == 4                  ? args[3]
                            : args.size() == 3 && !window_arg ? args[2]
                                                              : nullptr;
      if (mode_arg != nullptr) {
        if (!is_string_literal(*mode_arg))
          fail_operand(*mode_arg, "expected a string literal as mode of outlier");
        std::string error;
        const std::optional<OutlierSpec> parsed =
            parse_outlier_mode(mode_arg->literal.text, spec, error);
        if (!parsed) fail(*mode_arg, error);
        spec = *parsed;
      }
      if (window_arg != nullptr) {
        const double window = number_literal(*window_arg, "window of outlier");
        if (window != std::floor(window) || window < 4 ||
            window > program_.options.max_outlier_window) {
          fail(*window_arg, "expected an integer window between 4 and " +
                                std::to_string(program_.options.max_outlier_window) +
                                " in outlier");
        }
        spec.window = static_cast<std::uint32_t>(window);
      }
      if (spec.window == 0) spec.window = default_window(spec.statistic);
      const std::uint32_t slot = outlier_slot(c.node, spec, z, label_of(*args[0]));
      note_state(ast);
      return {add(ast, make_node(Op::kOutlier, 0, 0, slot)), Type::kBool, true};
    }
    fail(ast, "unknown function '" + fn +
                  "' (known: changed, delta, reldelta, outlier, has, size, quantity, valueOr, "
                  "startsWith, endsWith, contains)");
  }

  // Slots are shared when the argument is the same path, so delta(x) and reldelta(x) keep one
  // remembered number and two identical outlier(x, z, ...) calls keep one detector.
  bool same_path_node(std::uint32_t a, std::uint32_t b) const {
    const Node& na = program_.nodes[a];
    const Node& nb = program_.nodes[b];
    return na.op == Op::kPath && nb.op == Op::kPath && na.index == nb.index;
  }

  std::uint32_t number_slot(std::uint32_t node, std::string label) {
    for (std::size_t i = 0; i < program_.number_slots.size(); ++i) {
      if (same_path_node(program_.number_slots[i].node, node)) return static_cast<std::uint32_t>(i);
    }
    program_.number_slots.push_back(NumberSlot{node, std::move(label)});
    return static_cast<std::uint32_t>(program_.number_slots.size() - 1);
  }

  std::uint32_t outlier_slot(std::uint32_t node, const OutlierSpec& spec, double z,
                             std::string label) {
    for (std::size_t i = 0; i < program_.outlier_slots.size(); ++i) {
      const OutlierSlot& s = program_.outlier_slots[i];
      if (s.spec == spec && s.z == z && same_path_node(s.node, node))
        return static_cast<std::uint32_t>(i);
    }
    program_.outlier_slots.push_back(OutlierSlot{node, spec, z, std::move(label)});
    return static_cast<std::uint32_t>(program_.outlier_slots.size() - 1);
  }

  Program program_;
  std::size_t nodes_over_at_ = 1;  // column of the first node past max_nodes
  std::size_t state_over_at_ = 0;  // column of the first slot past max_state_bytes (0: none)
};

}  // namespace

std::variant<Program, CompileError> check(const Ast& ast, const CompileOptions& options) {
  try {
    return Checker(options).run(ast);
  } catch (const CheckFailure& failure) {
    return CompileError{failure.column, failure.message, failure.limit};
  }
}

}  // namespace watchfilter::filters

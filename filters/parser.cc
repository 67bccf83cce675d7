#include "filters/parser.h"

#include <string>
#include <vector>

#include "filters/lexer.h"

namespace watchfilter::filters {
namespace {

// Deep expressions are rejected rather than recursed into without bound: the parser and the
// evaluator both recurse, and a filter comes from an untrusted URL parameter.
constexpr int kMaxDepth = 64;

using AstPtr = std::unique_ptr<Ast>;

// Parse failures unwind through this exception; it never leaves parse().
struct ParseFailure {
  CompileError error;
};

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  AstPtr run() {
    AstPtr e = expression();
    if (peek().kind != TokenKind::kEnd) {
      fail(peek(), "expected an operator or end of expression, found " + describe(peek()));
    }
    return e;
  }

 private:
  const Token& peek() const { return tokens_[pos_]; }
  const Token& take() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }
  bool at(TokenKind k) const { return peek().kind == k; }

  [[noreturn]] static void fail(const Token& t, std::string message) {
    throw ParseFailure{CompileError{t.column, std::move(message)}};
  }

  static std::string describe(const Token& t) {
    switch (t.kind) {
      case TokenKind::kIdent:
        return "'" + t.text + "'";
      case TokenKind::kString:
        return "a string";
      case TokenKind::kNumber:
        return "a number";
      default:
        return std::string(token_name(t.kind));
    }
  }

  const Token& expect(TokenKind k, const std::string& what) {
    if (!at(k))
      fail(peek(),
           "expected " + std::string(token_name(k)) + " " + what + ", found " + describe(peek()));
    return take();
  }

  static AstPtr node(Ast::Kind kind, std::size_t column) {
    auto n = std::make_unique<Ast>();
    n->kind = kind;
    n->column = column;
    return n;
  }

  static AstPtr binary(TokenKind op, std::size_t column, AstPtr lhs, AstPtr rhs) {
    AstPtr n = node(Ast::Kind::kBinary, column);
    n->op = op;
    n->children.push_back(std::move(lhs));
    n->children.push_back(std::move(rhs));
    return n;
  }

  struct DepthGuard {
    explicit DepthGuard(Parser& p) : parser(p) {
      if (++parser.depth_ > kMaxDepth)
        fail(parser.peek(), "expression nested too deeply (limit 64)");
    }
    ~DepthGuard() { --parser.depth_; }
    Parser& parser;
  };

  AstPtr expression() {
    DepthGuard guard(*this);
    return or_expr();
  }

  AstPtr or_expr() {
    AstPtr lhs = and_expr();
    while (at(TokenKind::kOrOr)) {
      const std::size_t col = take().column;
      lhs = binary(TokenKind::kOrOr, col, std::move(lhs), and_expr());
    }
    return lhs;
  }

  AstPtr and_expr() {
    AstPtr lhs = relation();
    while (at(TokenKind::kAndAnd)) {
      const std::size_t col = take().column;
      lhs = binary(TokenKind::kAndAnd, col, std::move(lhs), relation());
    }
    return lhs;
  }

  static bool is_relation(TokenKind k) {
    return k == TokenKind::kEq || k == TokenKind::kNe || k == TokenKind::kLt ||
           k == TokenKind::kLe || k == TokenKind::kGt || k == TokenKind::kGe || k == TokenKind::kIn;
  }

  AstPtr relation() {
    AstPtr lhs = additive();
    while (is_relation(peek().kind)) {
      const Token& op = take();
      lhs = binary(op.kind, op.column, std::move(lhs), additive());
    }
    return lhs;
  }

  AstPtr additive() {
    AstPtr lhs = multiplicative();
    while (at(TokenKind::kPlus) || at(TokenKind::kMinus)) {
      const Token& op = take();
      lhs = binary(op.kind, op.column, std::move(lhs), multiplicative());
    }
    return lhs;
  }

  AstPtr multiplicative() {
    AstPtr lhs = unary();
    while (at(TokenKind::kStar) || at(TokenKind::kSlash)) {
      const Token& op = take();
      lhs = binary(op.kind, op.column, std::move(lhs), unary());
    }
    return lhs;
  }

  AstPtr unary() {
    if (at(TokenKind::kNot) || at(TokenKind::kMinus)) {
      DepthGuard guard(*this);
      const Token& op = take();
      AstPtr n = node(Ast::Kind::kUnary, op.column);
      n->op = op.kind;
      n->children.push_back(unary());
      return n;
    }
    return postfix();
  }

  AstPtr postfix() {
    AstPtr e = primary();
    while (true) {
      if (at(TokenKind::kDot)) {
        take();
        const Token& name = expect(TokenKind::kIdent, "after '.'");
        if (at(TokenKind::kLParen)) {
          AstPtr call = node(Ast::Kind::kCall, name.column);
          call->name = name.text;
          call->is_method = true;
          call->children.push_back(std::move(e));
          arguments(*call);
          e = std::move(call);
        } else {
          AstPtr sel = node(Ast::Kind::kSelect, name.column);
          sel->name = name.text;
          sel->children.push_back(std::move(e));
          e = std::move(sel);
        }
      } else if (at(TokenKind::kLBracket)) {
        const std::size_t col = take().column;
        AstPtr idx = node(Ast::Kind::kIndex, col);
        idx->children.push_back(std::move(e));
        idx->children.push_back(expression());
        expect(TokenKind::kRBracket, "after index");
        e = std::move(idx);
      } else {
        return e;
      }
    }
  }

  void arguments(Ast& call) {
    expect(TokenKind::kLParen, "");
    if (!at(TokenKind::kRParen)) {
      while (true) {
        call.children.push_back(expression());
        if (!at(TokenKind::kComma)) break;
        take();
      }
    }
    expect(TokenKind::kRParen, "after arguments of " + call.name);
  }

  AstPtr primary() {
    const Token& t = peek();
    switch (t.kind) {
      case TokenKind::kNumber:
      case TokenKind::kString:
      case TokenKind::kTrue:
      case TokenKind::kFalse:
      case TokenKind::kNull: {
        AstPtr n = node(Ast::Kind::kLiteral, t.column);
        n->literal = take();
        return n;
      }
      case TokenKind::kIdent: {
        const Token& name = take();
        if (at(TokenKind::kLParen)) {
          AstPtr call = node(Ast::Kind::kCall, name.column);
          call->name = name.text;
          arguments(*call);
          return call;
        }
        AstPtr n = node(Ast::Kind::kIdent, name.column);
        n->name = name.text;
        return n;
      }
      case TokenKind::kLParen: {
        take();
        AstPtr e = expression();
        expect(TokenKind::kRParen, "to close '('");
        return e;
      }
      case TokenKind::kLBracket: {
        AstPtr list = node(Ast::Kind::kList, take().column);
        if (!at(TokenKind::kRBracket)) {
          while (true) {
            list->children.push_back(expression());
            if (!at(TokenKind::kComma)) break;
            take();
          }
        }
        expect(TokenKind::kRBracket, "to close list");
        return list;
      }
      default:
        break;
    }
    fail(t, "expected a value, path or function call, found " + describe(t));
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

std::variant<std::unique_ptr<Ast>, CompileError> parse(std::string_view source) {
  auto tokens = tokenize(source);
  if (auto* err = std::get_if<CompileError>(&tokens)) return std::move(*err);
  try {
    return Parser(std::move(std::get<std::vector<Token>>(tokens))).run();
  } catch (ParseFailure& failure) {
    return std::move(failure.error);
  }
}

}  // namespace watchfilter::filters

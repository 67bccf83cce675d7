#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace watchfilter::filters {

enum class TokenKind {
  kEnd,
  kIdent,
  kNumber,
  kString,
  kTrue,
  kFalse,
  kNull,
  kIn,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kDot,
  kComma,
  kNot,
  kAndAnd,
  kOrOr,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kPlus,
  kMinus,
  kStar,
  kSlash,
};

// How a token is named in "expected X" messages.
std::string_view token_name(TokenKind kind) noexcept;

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::size_t column = 1;  // 1-based, in code points
  std::string text;        // identifier name or decoded string literal
  double number = 0;
  bool is_integer = false;  // number literal written without '.' or exponent
};

}  // namespace watchfilter::filters

#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "filters/token.h"

namespace watchfilter::filters {

// Untyped parse tree; the checker turns it into a Program. Children are owned by their parent.
struct Ast {
  enum class Kind {
    kLiteral,  // literal: true/false/null/number/string (token in `literal`)
    kIdent,    // name
    kSelect,   // children[0].name
    kIndex,    // children[0][children[1]]
    kCall,     // name(children...) or, with is_method, children[0].name(children[1..])
    kUnary,    // op children[0]
    kBinary,   // children[0] op children[1]
    kList,     // [children...]
  };

  Kind kind = Kind::kLiteral;
  std::size_t column = 1;
  std::string name;
  TokenKind op = TokenKind::kEnd;
  Token literal;
  bool is_method = false;
  std::vector<std::unique_ptr<Ast>> children;
};

}  // namespace watchfilter::filters

#pragma once

#include <memory>
#include <string_view>
#include <variant>

#include "filters/ast.h"
#include "filters/compile_error.h"

namespace watchfilter::filters {

// Parses an expression (CEL-flavoured precedence: || < && < relations and `in` < + - < * / <
// unary ! - < member access and calls) into an untyped tree.
std::variant<std::unique_ptr<Ast>, CompileError> parse(std::string_view source);

}  // namespace watchfilter::filters

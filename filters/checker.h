#pragma once

#include <variant>

#include "filters/ast.h"
#include "filters/compile_error.h"
#include "filters/compile_options.h"
#include "filters/program.h"

namespace watchfilter::filters {

// Type-checks a parse tree and lowers it into a Program: resolves paths, allocates state slots,
// folds quantity() of literals, and rejects what can never evaluate (a number where a bool is
// required, changed() of something that is not a path, ...).
std::variant<Program, CompileError> check(const Ast& ast, const CompileOptions& options);

}  // namespace watchfilter::filters

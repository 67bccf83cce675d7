#pragma once

#include <optional>

#include "filters/ast.h"
#include "filters/compile_error.h"
#include "filters/path.h"

namespace watchfilter::filters {

enum class PathRoot { kObject, kOldObject };

struct RootedPath {
  PathRoot root = PathRoot::kObject;
  Path path;
};

// Interprets an identifier/select/index chain as a path. Returns nullopt when the tree is not a
// path at all; throws CheckFailure when it looks like a path but is not a valid one (a
// non-literal index, a field of `type`).
std::optional<RootedPath> ast_to_path(const Ast& ast);

// Column where the text of `ast` starts (its leftmost token), for errors about a whole operand.
std::size_t start_column(const Ast& ast);

// Raised while checking; caught at the compile() boundary, never on the evaluation path.
struct CheckFailure {
  std::size_t column;
  std::string message;
  CompileError::Limit limit = CompileError::Limit::kNone;
};

}  // namespace watchfilter::filters

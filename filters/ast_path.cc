#include "filters/ast_path.h"

#include <cmath>

namespace watchfilter::filters {

std::size_t start_column(const Ast& ast) {
  const bool leftmost_child = ast.kind == Ast::Kind::kSelect || ast.kind == Ast::Kind::kIndex ||
                              ast.kind == Ast::Kind::kBinary ||
                              (ast.kind == Ast::Kind::kCall && ast.is_method);
  return leftmost_child ? start_column(*ast.children[0]) : ast.column;
}

std::optional<RootedPath> ast_to_path(const Ast& ast) {
  switch (ast.kind) {
    case Ast::Kind::kIdent:
      if (ast.name == "type") return std::nullopt;
      if (ast.name == "object") return RootedPath{};
      if (ast.name == "oldObject") return RootedPath{PathRoot::kOldObject, Path{}};
      return RootedPath{PathRoot::kObject, Path{{PathSegment::field(ast.name)}}};
    case Ast::Kind::kSelect: {
      std::optional<RootedPath> base = ast_to_path(*ast.children[0]);
      if (!base) throw CheckFailure{ast.column, "expected a path before '." + ast.name + "'"};
      base->path.segments.push_back(PathSegment::field(ast.name));
      return base;
    }
    case Ast::Kind::kIndex: {
      std::optional<RootedPath> base = ast_to_path(*ast.children[0]);
      if (!base) throw CheckFailure{ast.column, "expected a path before '['"};
      const Ast& index = *ast.children[1];
      if (index.kind == Ast::Kind::kLiteral && index.literal.kind == TokenKind::kString) {
        // Keys are compared with the raw (escaped) JSON key bytes, so a key that would need
        // escaping could never match; no Kubernetes key (label, annotation, field) needs it.
        if (index.literal.text.find_first_of("\"\\") != std::string::npos) {
          throw CheckFailure{index.column, "expected a key without quotes or backslashes"};
        }
        base->path.segments.push_back(PathSegment::field(index.literal.text));
        return base;
      }
      if (index.kind == Ast::Kind::kLiteral && index.literal.kind == TokenKind::kNumber &&
          index.literal.is_integer && index.literal.number < 1e9) {
        base->path.segments.push_back(
            PathSegment::at(static_cast<std::size_t>(index.literal.number)));
        return base;
      }
      throw CheckFailure{start_column(index),
                         "expected a string or non-negative integer literal as index"};
    }
    default:
      return std::nullopt;
  }
}

}  // namespace watchfilter::filters

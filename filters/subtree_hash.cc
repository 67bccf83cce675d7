#include "filters/subtree_hash.h"

#include "filters/ast_path.h"
#include "filters/event_view.h"
#include "filters/parser.h"

namespace watchfilter::filters {

std::variant<SubtreeHash, CompileError> hash_subtree(std::string_view object_json,
                                                     std::string_view path) {
  auto ast = parse(path);
  if (auto* err = std::get_if<CompileError>(&ast)) return std::move(*err);
  std::optional<RootedPath> rooted;
  try {
    rooted = ast_to_path(*std::get<std::unique_ptr<Ast>>(ast));
  } catch (const CheckFailure& failure) {
    return CompileError{failure.column, failure.message};
  }
  if (!rooted || rooted->root != PathRoot::kObject)
    return CompileError{1, "expected a path of object"};
  EventParser parser;
  const EventView view = parser.parse_object(object_json, EventType::kModified);
  if (!view.valid())
    return CompileError{1, "object is not valid JSON: " + std::string(view.parse_error())};
  const std::uint64_t h = view.fingerprint(CompiledPath::make(std::move(rooted->path)));
  if (h == EventView::kMissingFingerprint) return SubtreeHash{};
  return SubtreeHash{h};
}

}  // namespace watchfilter::filters

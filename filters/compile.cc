#include "filters/compile.h"

#include "filters/checker.h"
#include "filters/parser.h"

namespace watchfilter::filters {
namespace {

CompileResult failed(CompileError error) {
  CompileResult result;
  result.error = std::move(error);
  return result;
}

}  // namespace

CompileResult compile(std::string_view source, const CompileOptions& options) {
  if (source.size() > options.max_source_bytes) {
    return failed(CompileError{
        1, "expression longer than " + std::to_string(options.max_source_bytes) + " bytes"});
  }
  auto ast = parse(source);
  if (auto* err = std::get_if<CompileError>(&ast)) return failed(std::move(*err));
  auto program = check(*std::get<std::unique_ptr<Ast>>(ast), options);
  if (auto* err = std::get_if<CompileError>(&program)) return failed(std::move(*err));
  CompileResult result;
  result.filter = std::make_shared<const CompiledFilter>(std::string(source),
                                                         std::move(std::get<Program>(program)));
  return result;
}

}  // namespace watchfilter::filters

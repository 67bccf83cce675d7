#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "filters/compile_error.h"
#include "filters/compile_options.h"
#include "filters/compiled_filter.h"

namespace watchfilter::filters {

// Either a compiled filter or the first parse/type error.
struct CompileResult {
  std::shared_ptr<const CompiledFilter> filter;
  std::optional<CompileError> error;

  bool ok() const noexcept { return filter != nullptr; }
  explicit operator bool() const noexcept { return ok(); }
};

// Lexes, parses and type-checks `source`. Never throws (apart from std::bad_alloc).
CompileResult compile(std::string_view source, const CompileOptions& options = {});

}  // namespace watchfilter::filters

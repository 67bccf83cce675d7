#pragma once

#include <string_view>
#include <variant>
#include <vector>

#include "filters/compile_error.h"
#include "filters/token.h"

namespace watchfilter::filters {

// Splits an expression into tokens; the last token is always kEnd. String literals use single or
// double quotes with the escapes \\ \" \' \n \t \r \/ \uXXXX.
std::variant<std::vector<Token>, CompileError> tokenize(std::string_view source);

}  // namespace watchfilter::filters

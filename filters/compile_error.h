#pragma once

#include <cstddef>
#include <string>

namespace watchfilter::filters {

// A parse or type error. `column` is 1-based and counts characters (UTF-8 code points) of the
// expression source; `message` says what was expected. to_string() is the text meant for the
// message of a Kubernetes Status (HTTP 400) and for WatchFilter status conditions.
struct CompileError {
  // The budget an expression went over (CompileOptions), so that a caller can count the refusal
  // by its limit; kNone for every other error.
  enum class Limit : unsigned char { kNone, kNodes, kStateBytes };

  std::size_t column = 1;
  std::string message;
  Limit limit = Limit::kNone;

  std::string to_string() const { return "col " + std::to_string(column) + ": " + message; }
};

}  // namespace watchfilter::filters

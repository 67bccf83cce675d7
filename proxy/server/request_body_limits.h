#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace watchfilter::proxy {

// What a request body may cost the proxy before anything else looks at it. The only bodies the
// proxy reads are Wakeup creations (a few hundred bytes, three levels deep); GET/HEAD bodies are
// read and ignored.
struct RequestBodyLimits {
  // --max-request-body-bytes: beyond it the session answers 413 while reading (the body is read
  // before authentication, so this bounds what an anonymous client can make the proxy buffer).
  std::uint64_t max_bytes = 64 * 1024;
  // --max-request-body-depth: JSON nested deeper is a 400 before it is parsed. RapidJSON parses
  // request bodies iteratively (kParseIterativeFlag), so depth costs heap rather than stack; the
  // limit keeps every later walk over the document shallow.
  std::size_t max_depth = 100;
};

// The nesting depth of JSON text: the most `[` and `{` open at once outside strings. Scanning
// stops once `limit` is passed (the result is then limit + 1). Malformed text is measured as far
// as it goes; the parser reports it afterwards.
std::size_t json_nesting_depth(std::string_view json, std::size_t limit);

}  // namespace watchfilter::proxy

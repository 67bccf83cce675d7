#include "filters/path.h"

#include <cctype>

namespace watchfilter::filters {
namespace {

bool is_identifier(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

}  // namespace

std::string Path::key() const {
  std::string out;
  for (const PathSegment& s : segments) {
    if (s.is_index) {
      out += '[';
      out += std::to_string(s.index);
      continue;
    }
    out += '.';
    for (char c : s.key) {
      if (c == '.' || c == '[' || c == '\\') out += '\\';
      out += c;
    }
  }
  return out;
}

std::string Path::display() const {
  std::string out;
  for (const PathSegment& s : segments) {
    if (s.is_index) {
      out += '[' + std::to_string(s.index) + ']';
    } else if (is_identifier(s.key)) {
      if (!out.empty()) out += '.';
      out += s.key;
    } else {
      out += "[\"";
      for (char c : s.key) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
      }
      out += "\"]";
    }
  }
  return out.empty() ? "object" : out;
}

}  // namespace watchfilter::filters

#include "filters/hash.h"

namespace watchfilter::filters {

CompiledPath CompiledPath::make(Path path) {
  CompiledPath out;
  out.key = path.key();
  out.display = path.display();
  out.key_hash = hash64(out.key);
  out.path = std::move(path);
  return out;
}

}  // namespace watchfilter::filters

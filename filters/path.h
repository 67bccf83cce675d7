#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace watchfilter::filters {

// One step of a path: a map key (`.spec`, `["app.kubernetes.io/name"]`) or a list index (`[0]`).
struct PathSegment {
  std::string key;
  std::size_t index = 0;
  bool is_index = false;

  static PathSegment field(std::string name) {
    PathSegment s;
    s.key = std::move(name);
    return s;
  }
  static PathSegment at(std::size_t i) {
    PathSegment s;
    s.index = i;
    s.is_index = true;
    return s;
  }
};

// A static path from the root of an object. Paths are fixed when the expression is compiled
// (indexes must be literals), which is what lets an event view memoize lookups by path.
struct Path {
  std::vector<PathSegment> segments;

  // Unambiguous text used as memo key: keys and indexes are distinguished, so `["0"]` and `[0]`
  // never share an entry.
  std::string key() const;
  // The path as a user would write it, for error messages: spec.x, metadata.labels["a/b"], c[0].
  std::string display() const;
};

}  // namespace watchfilter::filters

namespace watchfilter::filters {

// A path prepared for lookups: its memo key and the key's hash are computed once at compile time
// so that the hot path compares integers before it compares strings.
struct CompiledPath {
  Path path;
  std::string key;
  std::string display;
  std::uint64_t key_hash = 0;

  static CompiledPath make(Path path);
};

}  // namespace watchfilter::filters

#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "filters/program.h"

namespace watchfilter::filters {

// An expression compiled once and shared read-only (std::shared_ptr<const CompiledFilter>) by
// every stream that uses it, across threads. Per-object state lives in FilterState.
class CompiledFilter {
 public:
  CompiledFilter(std::string source, Program program);
  CompiledFilter(const CompiledFilter&) = delete;
  CompiledFilter& operator=(const CompiledFilter&) = delete;

  const std::string& source() const noexcept { return source_; }
  const Program& program() const noexcept { return program_; }
  // False for filters that need no per-object state (no changed/delta/reldelta/outlier/oldObject):
  // their FilterState stays empty.
  bool stateful() const noexcept { return program_.stateful(); }
  // Every object path the filter may read, plus metadata.uid for stateful filters: what
  // FilterState prefetches in one pass before evaluating.
  const std::vector<const CompiledPath*>& prefetch_paths() const noexcept { return prefetch_; }

 private:
  std::string source_;
  Program program_;
  std::vector<const CompiledPath*> prefetch_;
};

}  // namespace watchfilter::filters

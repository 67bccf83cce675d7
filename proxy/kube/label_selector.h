#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "filters/event_view.h"
#include "filters/path.h"
#include "proxy/kube/result.h"

namespace watchfilter::proxy {

// A label selector evaluated by the proxy, so that every stream of a resource and namespace
// shares one upstream informer whatever its selector (kube-apiserver's watch cache does the
// same). The syntax, validation and error messages are k8s.io/apimachinery's labels.Parse:
// requirements joined by `,` (AND), each `key=value`, `key==value`, `key!=value`,
// `key in (v1,v2)`, `key notin (v1,v2)`, `key` (exists), `!key` (does not exist), `key>n`,
// `key<n`; keys are qualified names (`[prefix/]name`), values label values.
//
// Immutable once parsed and shared by pointer; matches() reads metadata.labels through the
// event's view and allocates nothing.
class LabelSelector {
 public:
  LabelSelector() = default;  // selects everything
  // The selector, or the message of a 400 Status, worded as kube-apiserver words it.
  static Result<LabelSelector> parse(std::string_view text);

  bool empty() const { return requirements_.empty(); }
  bool matches(const filters::EventView& object) const;
  // The text as given (a watcher record compares it to tell its selector from another).
  const std::string& text() const { return text_; }

 private:
  enum class Op : std::uint8_t { kIn, kNotIn, kExists, kDoesNotExist, kGreater, kLess };
  struct Requirement {
    Op op = Op::kExists;
    std::vector<std::string> values;  // kIn, kNotIn (`=`, `==`: kIn, `!=`: kNotIn of one)
    std::int64_t bound = 0;           // kGreater, kLess
    filters::CompiledPath label;      // metadata.labels[key]
  };
  static bool requirement_matches(const Requirement& r, const filters::EventView& object);

  std::vector<Requirement> requirements_;
  std::string text_;
};

}  // namespace watchfilter::proxy

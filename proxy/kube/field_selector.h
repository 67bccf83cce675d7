#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "filters/event_view.h"
#include "filters/path.h"
#include "proxy/kube/result.h"

namespace watchfilter::proxy {

// A field selector evaluated by the proxy, so that every stream of a resource shares one
// upstream informer whatever its selector. Syntax as kube-apiserver's: terms joined by `,`
// (AND), each `field=value`, `field==value` or `field!=value`; `\` escapes `,`, `=`, `!` and
// `\` in values. Fields are `metadata.name`, `metadata.namespace` or any dotted JSON path from
// the object root (`spec.nodeName`, `status.phase`). Values compare as strings: a missing or
// null field is "", numbers and booleans compare by value (`spec.replicas=3`).
class FieldSelector {
 public:
  // The selector, or the error message for a 400 ("invalid field selector: ...").
  static Result<FieldSelector> parse(std::string_view text);

  bool empty() const { return terms_.empty(); }
  // True when only metadata.name / metadata.namespace are tested: those never change for an
  // object, so whether it matched before follows from whether it matches now.
  bool identity_only() const;
  bool matches(const filters::EventView& object) const;
  const std::string& text() const { return text_; }

 private:
  enum class Field { kName, kNamespace, kPath };
  struct Term {
    Field field = Field::kPath;
    bool equal = true;
    std::string value;
    filters::CompiledPath path;
  };
  static bool term_matches(const Term& term, const filters::EventView& object);

  std::vector<Term> terms_;
  std::string text_;
};

}  // namespace watchfilter::proxy

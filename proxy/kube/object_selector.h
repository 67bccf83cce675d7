#pragma once

#include <memory>
#include <string>

#include "filters/event_view.h"
#include "proxy/kube/field_selector.h"
#include "proxy/kube/label_selector.h"

namespace watchfilter::proxy {

// Which of an informer's objects a stream sees: its labelSelector and fieldSelector, both
// evaluated in the proxy, so that one informer per resource and namespace serves every
// selector. The selectors are immutable and shared with the request.
struct ObjectSelector {
  std::shared_ptr<const LabelSelector> labels;  // never null; may be empty
  std::shared_ptr<const FieldSelector> fields;  // never null; may be empty

  bool empty() const { return labels->empty() && fields->empty(); }
  bool matches(const filters::EventView& object) const {
    return labels->matches(object) && fields->matches(object);
  }
  // The same selection as `other`, by their texts (a named watcher's record is kept only for
  // the same selectors).
  bool same_as(const ObjectSelector& other) const {
    return labels->text() == other.labels->text() && fields->text() == other.fields->text();
  }
};

}  // namespace watchfilter::proxy

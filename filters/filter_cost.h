#pragma once

#include <cstddef>
#include <string>

#include "filters/program.h"

namespace watchfilter::filters {

// What a compiled filter costs a stream: its nodes (the work of one evaluation) and the state it
// keeps per object (the bytes of its slots, the largest each can grow to). Filters arrive from
// any caller who may watch, so the proxy bounds both (CompileOptions::max_nodes and
// max_state_bytes, the flags --max-filter-nodes and --max-filter-state-bytes).
struct FilterCost {
  std::size_t nodes = 0;
  std::size_t changed_bytes = 0;     // changed(): one 64-bit hash per distinct path
  std::size_t delta_bytes = 0;       // delta()/reldelta(): one number per distinct path
  std::size_t old_object_bytes = 0;  // oldObject.<path>: one remembered value per distinct path
  std::size_t outlier_bytes = 0;     // outlier(): outlier_state_bytes() of each distinct call
                                     // (its statistic's state once full: 104 to 65640 bytes)
  std::size_t outlier_calls = 0;

  std::size_t state_bytes() const {
    return changed_bytes + delta_bytes + old_object_bytes + outlier_bytes;
  }
  // "outlier() 150 calls 73200, changed() 0, delta() 0, oldObject 0": where the bytes go.
  std::string describe_state() const;
};

FilterCost filter_cost(const Program& program);

}  // namespace watchfilter::filters

#include "nab_replay.h"

#include <chrono>
#include <cstdio>
#include <stdexcept>

#include "filters/compile.h"
#include "filters/event_view.h"
#include "filters/filter_state.h"

namespace watchfilter::filters::bench {

std::vector<char> replay(const NabSeries& series, const std::string& expression,
                         const CompileOptions& options) {
  const CompileResult compiled = compile(expression, options);
  if (!compiled) throw std::runtime_error(expression + ": " + compiled.error->to_string());
  FilterState state(compiled.filter);
  EventParser parser;
  std::vector<char> delivered(series.values.size(), 0);
  std::string event;
  for (std::size_t i = 0; i < series.values.size(); ++i) {
    char value[40];
    std::snprintf(value, sizeof value, "%.17g", series.values[i]);
    event = R"({"type":")";
    event += i == 0 ? "ADDED" : "MODIFIED";
    event += R"(","object":{"metadata":{"uid":"nab","resourceVersion":")" + std::to_string(i + 1) +
             R"("},"value":)" + value + "}}";
    const ObservedAt at{std::chrono::seconds(series.seconds[i])};
    delivered[i] = state.decide(parser.parse_event(event), at).deliver ? 1 : 0;
  }
  return delivered;
}

}  // namespace watchfilter::filters::bench

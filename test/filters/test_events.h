#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "filters/compile.h"
#include "filters/event_view.h"
#include "filters/filter_state.h"

namespace watchfilter::filters::testing {

// {"type":TYPE,"object":{"metadata":{"uid":UID,...},BODY}} where BODY is a JSON fragment of the
// object's remaining members (may be empty).
inline std::string event(std::string_view type, std::string_view uid, std::string_view body,
                         int resource_version = 1) {
  std::string out = R"({"type":")" + std::string(type) + R"(","object":{"metadata":{"name":"n-)" +
                    std::string(uid) + R"(","namespace":"default","uid":")" + std::string(uid) +
                    R"(","resourceVersion":")" + std::to_string(resource_version) + R"("})";
  if (!body.empty()) out += "," + std::string(body);
  out += "}}";
  return out;
}

// A stream with one filter, fed event lines; reports whether each one is delivered.
class Stream {
 public:
  explicit Stream(std::string_view expression) : state_(must_compile(expression)) {}

  bool deliver(const std::string& line) { return decide(line).deliver; }
  Decision decide(const std::string& line) { return state_.decide(parser_.parse_event(line)); }
  FilterState& state() { return state_; }

  static std::shared_ptr<const CompiledFilter> must_compile(std::string_view expression) {
    CompileResult r = compile(expression);
    if (!r) throw std::runtime_error("compile failed: " + r.error->to_string());
    return r.filter;
  }

 private:
  EventParser parser_;
  FilterState state_;
};

}  // namespace watchfilter::filters::testing

// watchfilter-eval: applies a filter to watch events read as JSON lines on stdin and prints the
// admitted lines unchanged. It is the reference the e2e oracle test compares the proxy against,
// so it goes through exactly the proxy's path: EventParser -> FilterState::decide.
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>

#include "filters/compile.h"
#include "filters/event_view.h"
#include "filters/filter_state.h"

namespace {

constexpr std::string_view kUsage =
    R"(usage: watchfilter-eval --filter EXPRESSION [--errors] [--stats] < events.jsonl

Reads Kubernetes watch events, one JSON object per line ({"type":"MODIFIED","object":{...}}),
from standard input and writes to standard output exactly the lines the filter admits, unchanged
and in order. Empty lines are skipped. BOOKMARK and ERROR events pass through.

  --filter EXPRESSION  the filter expression (see docs/filters.md), e.g. 'changed(data)'
  --errors             report runtime evaluation errors on stderr (the event is still admitted)
  --stats              print evaluated/delivered/errors counts on stderr at the end
  --help               show this help

Exit status: 0 on success, 2 on a usage or compile error (message "col N: ..." on stderr).
)";

int usage_error(std::string_view message) {
  std::cerr << "watchfilter-eval: " << message << "\n\n" << kUsage;
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace watchfilter::filters;
  std::string expression;
  bool have_filter = false;
  bool report_errors = false;
  bool stats = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (arg == "--filter" && i + 1 < argc) {
      expression = argv[++i];
      have_filter = true;
    } else if (arg.starts_with("--filter=")) {
      expression = std::string(arg.substr(std::strlen("--filter=")));
      have_filter = true;
    } else if (arg == "--errors") {
      report_errors = true;
    } else if (arg == "--stats") {
      stats = true;
    } else {
      return usage_error("unknown argument '" + std::string(arg) + "'");
    }
  }
  if (!have_filter) return usage_error("--filter is required");

  const CompileResult compiled = compile(expression);
  if (!compiled) {
    std::cerr << "watchfilter-eval: invalid filter: " << compiled.error->to_string() << "\n";
    return 2;
  }
  FilterState state(compiled.filter);
  EventParser parser;
  std::ios::sync_with_stdio(false);
  std::string line;
  std::size_t line_number = 0;
  while (std::getline(std::cin, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const Decision decision = state.decide(parser.parse_event(line));
    if (report_errors && decision.error) {
      std::cerr << "line " << line_number << ": " << *decision.error << "\n";
    }
    if (decision.deliver) std::cout << line << '\n';
  }
  std::cout.flush();
  if (stats) {
    const FilterCounters& c = state.counters();
    std::cerr << "evaluated " << c.evaluated << " delivered " << c.delivered << " errors "
              << c.errors << " tracked_objects " << state.tracked_objects() << " state_bytes "
              << state.memory_bytes() << "\n";
  }
  return 0;
}

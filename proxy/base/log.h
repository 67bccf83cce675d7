#pragma once

#include <cstdio>
#include <source_location>
#include <string_view>

namespace watchfilter::proxy {

// klog-shaped logger: `I1123 16:05:01.123456   12345 file.cc:42] msg` on stderr.
//
// Immutable after construction (the verbosity is fixed by --v at startup), so one instance is
// shared by std::shared_ptr<const Logger> across threads without locking; each line is formatted
// into one buffer and handed to the C stream in a single fwrite, which glibc locks per call, so
// lines from different threads never interleave.
class Logger {
 public:
  explicit Logger(int verbosity, std::FILE* sink = stderr) : verbosity_(verbosity), sink_(sink) {}

  // True when messages of verbosity `level` are wanted (klog's `V(level)`); check it before
  // building an expensive message.
  bool v(int level) const { return level <= verbosity_; }
  int verbosity() const { return verbosity_; }

  void info(std::string_view msg,
            std::source_location loc = std::source_location::current()) const {
    write('I', msg, loc);
  }
  void warning(std::string_view msg,
               std::source_location loc = std::source_location::current()) const {
    write('W', msg, loc);
  }
  void error(std::string_view msg,
             std::source_location loc = std::source_location::current()) const {
    write('E', msg, loc);
  }

  // Formats one line without the trailing newline; exposed for tests.
  static std::string format_line(char severity, std::string_view msg, std::string_view file,
                                 unsigned line);

 private:
  void write(char severity, std::string_view msg, const std::source_location& loc) const;

  const int verbosity_;
  std::FILE* const sink_;
};

}  // namespace watchfilter::proxy

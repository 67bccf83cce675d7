#include "proxy/base/log.h"

#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <string>

namespace watchfilter::proxy {

std::string Logger::format_line(char severity, std::string_view msg, std::string_view file,
                                unsigned line) {
  if (auto slash = file.rfind('/'); slash != std::string_view::npos) file.remove_prefix(slash + 1);
  timeval tv{};
  gettimeofday(&tv, nullptr);
  std::tm tm{};
  localtime_r(&tv.tv_sec, &tm);
  char head[64];
  // klog pads the pid to 7 columns.
  std::snprintf(head, sizeof head, "%c%02d%02d %02d:%02d:%02d.%06ld %7d ", severity, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long>(tv.tv_usec),
                static_cast<int>(getpid()));
  std::string out(head);
  out.append(file);
  out.push_back(':');
  out.append(std::to_string(line));
  out.append("] ");
  out.append(msg);
  return out;
}

void Logger::write(char severity, std::string_view msg, const std::source_location& loc) const {
  std::string out = format_line(severity, msg, loc.file_name(), loc.line());
  out.push_back('\n');
  std::fwrite(out.data(), 1, out.size(), sink_);
}

}  // namespace watchfilter::proxy

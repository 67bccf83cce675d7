#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace watchfilter::proxy {

// Cuts a watch body, which arrives in pieces of any size, into its newline-terminated lines.
class LineSplitter {
 public:
  // Calls `on_line(std::string_view line)` for every complete line in `piece` (the '\n'
  // included), keeping a trailing partial line for the next piece.
  template <typename F>
  void feed(std::string_view piece, F&& on_line) {
    std::size_t start = 0;
    for (std::size_t nl = piece.find('\n'); nl != std::string_view::npos;
         nl = piece.find('\n', start)) {
      if (partial_.empty()) {
        on_line(piece.substr(start, nl + 1 - start));
      } else {
        partial_.append(piece.substr(start, nl + 1 - start));
        on_line(std::string_view(partial_));
        partial_.clear();
      }
      start = nl + 1;
    }
    partial_.append(piece.substr(start));
  }
  std::size_t pending() const { return partial_.size(); }
  void reset() { partial_.clear(); }

 private:
  std::string partial_;
};

}  // namespace watchfilter::proxy

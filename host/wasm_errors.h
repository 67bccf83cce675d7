#pragma once

#include <wasmtime.h>

#include <string>

namespace watchfilter::host {

// Message of a wasmtime error or trap; deletes it.
inline std::string take_message(wasmtime_error_t* error) {
  wasm_byte_vec_t msg;
  wasmtime_error_message(error, &msg);
  std::string out(msg.data, msg.size);
  wasm_byte_vec_delete(&msg);
  wasmtime_error_delete(error);
  return out;
}

// wasmtime's messages are multi-line ("error while executing at wasm backtrace:\n 0: ...\n\n
// Caused by:\n wasm trap: ..."); a log line wants the cause and the innermost frame.
inline std::string one_line(const std::string& text) {
  std::string cause, frame, first;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    std::size_t b = line.find_first_not_of(" \t");
    line = b == std::string::npos ? "" : line.substr(b);
    if (!line.empty()) {
      if (first.empty()) first = line;
      if (frame.empty() && line.rfind("0:", 0) == 0) frame = line.substr(2);
      cause = line;
    }
    start = end + 1;
  }
  if (cause.empty()) return text;
  if (cause == first) return cause;
  std::size_t b = frame.find_first_not_of(" ");
  return frame.empty()
             ? cause
             : cause + " (at" + (b == std::string::npos ? "" : " " + frame.substr(b)) + ")";
}

inline std::string take_message(wasm_trap_t* trap) {
  wasm_byte_vec_t msg;
  wasm_trap_message(trap, &msg);
  std::string out(msg.data, msg.size);
  wasm_byte_vec_delete(&msg);
  wasm_trap_delete(trap);
  while (!out.empty() && out.back() == '\0') out.pop_back();
  return out;
}

}  // namespace watchfilter::host

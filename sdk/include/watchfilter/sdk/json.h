#pragma once
// A small JSON DOM for children: parse, read paths, build, serialize. No exceptions (children
// are built with -fno-exceptions); a parse error yields a null Value and an error message.
// Numbers are doubles (Kubernetes integers in objects stay below 2^53) and integral values are
// written without a fraction.

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace watchfilter::sdk::json {

class Value {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  using Member = std::pair<std::string, Value>;

  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : kind_(Kind::kBool), bool_(b) {}
  Value(double d) : kind_(Kind::kNumber), number_(d) {}
  Value(int i) : kind_(Kind::kNumber), number_(i) {}
  Value(std::int64_t i) : kind_(Kind::kNumber), number_(static_cast<double>(i)) {}
  Value(std::string s) : kind_(Kind::kString), string_(std::move(s)) {}
  Value(const char* s) : kind_(Kind::kString), string_(s) {}
  static Value array() {
    Value v;
    v.kind_ = Kind::kArray;
    return v;
  }
  static Value object() {
    Value v;
    v.kind_ = Kind::kObject;
    return v;
  }

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_object() const { return kind_ == Kind::kObject; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_number() const { return kind_ == Kind::kNumber; }

  bool as_bool(bool fallback = false) const { return kind_ == Kind::kBool ? bool_ : fallback; }
  double as_number(double fallback = 0) const {
    return kind_ == Kind::kNumber ? number_ : fallback;
  }
  const std::string& as_string() const {
    static const std::string empty;
    return kind_ == Kind::kString ? string_ : empty;
  }
  const std::vector<Value>& items() const { return items_; }
  std::vector<Value>& items() { return items_; }
  const std::vector<Member>& members() const { return members_; }
  std::vector<Member>& members() { return members_; }

  // Member lookup; a missing member or a non-object yields a shared null.
  const Value& operator[](std::string_view key) const {
    for (const auto& m : members_)
      if (m.first == key) return m.second;
    return null_value();
  }
  const Value& operator[](std::size_t i) const {
    return i < items_.size() ? items_[i] : null_value();
  }
  // Dotted path: "metadata.name", "spec.template.spec".
  const Value& at_path(std::string_view path) const {
    const Value* v = this;
    while (!path.empty()) {
      auto dot = path.find('.');
      v = &(*v)[path.substr(0, dot)];
      if (dot == std::string_view::npos) break;
      path.remove_prefix(dot + 1);
    }
    return *v;
  }
  // Sets (or replaces) a member, turning a null into an object.
  Value& set(std::string_view key, Value v) {
    if (kind_ == Kind::kNull) kind_ = Kind::kObject;
    for (auto& m : members_)
      if (m.first == key) {
        m.second = std::move(v);
        return m.second;
      }
    members_.emplace_back(std::string(key), std::move(v));
    return members_.back().second;
  }
  // Moves a member out (null when missing).
  Value take(std::string_view key) {
    for (auto& m : members_)
      if (m.first == key)
        return std::exchange(m.second, Value());  // leaves null, not a moved-from string
    return Value();
  }
  bool erase(std::string_view key) {
    for (auto it = members_.begin(); it != members_.end(); ++it)
      if (it->first == key) {
        members_.erase(it);
        return true;
      }
    return false;
  }
  void push_back(Value v) {
    if (kind_ == Kind::kNull) kind_ = Kind::kArray;
    items_.push_back(std::move(v));
  }

  std::string dump() const {
    std::string out;
    dump_to(out);
    return out;
  }
  void dump_to(std::string& out) const {
    switch (kind_) {
      case Kind::kNull:
        out += "null";
        break;
      case Kind::kBool:
        out += bool_ ? "true" : "false";
        break;
      case Kind::kNumber: {
        char buf[32];
        if (std::isfinite(number_) && number_ == std::floor(number_) &&
            std::fabs(number_) < 9.007199254740992e15)
          std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(number_));
        else if (std::isfinite(number_))
          std::snprintf(buf, sizeof buf, "%.17g", number_);
        else
          std::snprintf(buf, sizeof buf, "null");
        out += buf;
        break;
      }
      case Kind::kString:
        quote(string_, out);
        break;
      case Kind::kArray:
        out += '[';
        for (std::size_t i = 0; i < items_.size(); ++i) {
          if (i) out += ',';
          items_[i].dump_to(out);
        }
        out += ']';
        break;
      case Kind::kObject:
        out += '{';
        for (std::size_t i = 0; i < members_.size(); ++i) {
          if (i) out += ',';
          quote(members_[i].first, out);
          out += ':';
          members_[i].second.dump_to(out);
        }
        out += '}';
        break;
    }
  }

  static void quote(std::string_view s, std::string& out) {
    out += '"';
    for (unsigned char c : s) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
          } else
            out += static_cast<char>(c);
      }
    }
    out += '"';
  }

 private:
  static const Value& null_value() {
    static const Value v;
    return v;
  }

  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  double number_ = 0;
  std::string string_;
  std::vector<Value> items_;
  std::vector<Member> members_;
};

// Recursive-descent parser with a depth limit (Kubernetes objects are shallow).
class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  // On error returns null and sets error().
  Value parse() {
    Value v = value(0);
    skip_ws();
    if (error_.empty() && pos_ != s_.size()) fail("trailing characters");
    return error_.empty() ? v : Value();
  }
  const std::string& error() const { return error_; }

 private:
  static constexpr int kMaxDepth = 128;

  Value fail(const char* what) {
    if (error_.empty()) error_ = std::string(what) + " at offset " + std::to_string(pos_);
    return Value();
  }
  void skip_ws() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t'))
      ++pos_;
  }
  bool consume(std::string_view lit) {
    if (s_.substr(pos_, lit.size()) != lit) return false;
    pos_ += lit.size();
    return true;
  }
  Value value(int depth) {
    if (depth > kMaxDepth) return fail("nesting too deep");
    skip_ws();
    if (pos_ >= s_.size()) return fail("unexpected end");
    char c = s_[pos_];
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    if (c == '"') {
      std::string out;
      if (!string(out)) return Value();
      return Value(std::move(out));
    }
    if (consume("null")) return Value();
    if (consume("true")) return Value(true);
    if (consume("false")) return Value(false);
    return number();
  }
  Value number() {
    std::size_t start = pos_;
    while (pos_ < s_.size() &&
           std::string_view("+-0123456789.eE").find(s_[pos_]) != std::string_view::npos)
      ++pos_;
    if (start == pos_) return fail("unexpected character");
    std::string text(s_.substr(start, pos_ - start));
    char* end = nullptr;
    double d = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size()) return fail("bad number");
    return Value(d);
  }
  static void append_utf8(std::uint32_t cp, std::string& out) {
    if (cp < 0x80)
      out += static_cast<char>(cp);
    else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  bool hex4(std::uint32_t& cp) {
    if (pos_ + 4 > s_.size()) return false;
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      char h = s_[pos_++];
      cp <<= 4;
      if (h >= '0' && h <= '9')
        cp |= h - '0';
      else if (h >= 'a' && h <= 'f')
        cp |= h - 'a' + 10;
      else if (h >= 'A' && h <= 'F')
        cp |= h - 'A' + 10;
      else
        return false;
    }
    return true;
  }
  bool string(std::string& out) {
    ++pos_;  // opening quote
    while (pos_ < s_.size()) {
      char c = s_[pos_++];
      if (c == '"') return true;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) break;
      char e = s_[pos_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          std::uint32_t cp;
          if (!hex4(cp)) {
            fail("bad \\u escape");
            return false;
          }
          if (cp >= 0xD800 && cp < 0xDC00 && consume("\\u")) {
            std::uint32_t lo;
            if (!hex4(lo) || lo < 0xDC00 || lo >= 0xE000) {
              fail("bad surrogate pair");
              return false;
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          append_utf8(cp, out);
          break;
        }
        default:
          fail("bad escape");
          return false;
      }
    }
    fail("unterminated string");
    return false;
  }
  Value array(int depth) {
    ++pos_;
    Value v = Value::array();
    skip_ws();
    if (consume("]")) return v;
    while (true) {
      v.push_back(value(depth + 1));
      if (!error_.empty()) return Value();
      skip_ws();
      if (consume(",")) continue;
      if (consume("]")) return v;
      return fail("expected , or ]");
    }
  }
  Value object(int depth) {
    ++pos_;
    Value v = Value::object();
    skip_ws();
    if (consume("}")) return v;
    while (true) {
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != '"') return fail("expected member name");
      std::string key;
      if (!string(key)) return Value();
      skip_ws();
      if (!consume(":")) return fail("expected :");
      Value member = value(depth + 1);
      if (!error_.empty()) return Value();
      v.members().emplace_back(std::move(key), std::move(member));
      skip_ws();
      if (consume(",")) continue;
      if (consume("}")) return v;
      return fail("expected , or }");
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::string error_;
};

inline Value parse(std::string_view text, std::string* error = nullptr) {
  Parser p(text);
  Value v = p.parse();
  if (error) *error = p.error();
  return v;
}

}  // namespace watchfilter::sdk::json

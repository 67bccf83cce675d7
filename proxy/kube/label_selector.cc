#include "proxy/kube/label_selector.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "proxy/base/dns_names.h"

namespace watchfilter::proxy {
namespace {

// The lexer and parser follow k8s.io/apimachinery/pkg/labels/selector.go (v0.36) step for
// step, so that a selector kube-apiserver refuses is refused here with the same message.

enum class Token {
  kError,
  kEnd,
  kClosedPar,
  kComma,
  kDoesNotExist,  // !
  kDoubleEquals,
  kEquals,
  kGreater,
  kIdentifier,
  kIn,
  kLess,
  kNotEquals,
  kNotIn,
  kOpenPar,
};

struct Scanned {
  Token token = Token::kEnd;
  std::string literal;
};

std::optional<Token> keyword(std::string_view s) {
  if (s == ")") return Token::kClosedPar;
  if (s == ",") return Token::kComma;
  if (s == "!") return Token::kDoesNotExist;
  if (s == "==") return Token::kDoubleEquals;
  if (s == "=") return Token::kEquals;
  if (s == ">") return Token::kGreater;
  if (s == "in") return Token::kIn;
  if (s == "<") return Token::kLess;
  if (s == "!=") return Token::kNotEquals;
  if (s == "notin") return Token::kNotIn;
  if (s == "(") return Token::kOpenPar;
  return std::nullopt;
}

bool is_whitespace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_special(char c) {
  return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Scanned lex() {
    char c = read();
    while (is_whitespace(c)) c = read();
    if (c == 0) return {Token::kEnd, ""};  // Go's lexer: a NUL byte ends the input too
    unread();
    return is_special(c) ? special() : identifier();
  }

 private:
  // Go's read(): 0 at the end, without moving.
  char read() { return pos_ < s_.size() ? s_[pos_++] : '\0'; }
  void unread() { --pos_; }

  Scanned identifier() {
    std::string buffer;
    while (true) {
      const char c = read();
      if (c == 0) break;
      if (is_special(c) || is_whitespace(c)) {
        unread();
        break;
      }
      buffer += c;
    }
    if (auto t = keyword(buffer)) return {*t, buffer};
    return {Token::kIdentifier, buffer};
  }

  // The longest run of special characters that is a token, extended one character at a time.
  Scanned special() {
    std::optional<Scanned> last;
    std::string buffer;
    while (true) {
      const char c = read();
      if (c == 0) break;
      if (!is_special(c)) {
        unread();
        break;
      }
      buffer += c;
      if (auto t = keyword(buffer)) {
        last = Scanned{*t, buffer};
      } else if (last) {
        unread();
        break;
      }
    }
    if (!last) return {Token::kError, "error expected: keyword found '" + buffer + "'"};
    return *last;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

// Go's strconv.Quote for the ASCII range (what a label key or value can hold that matters).
std::string go_quote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
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
      case '\v':
        out += "\\v";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

std::string regex_error(std::string msg, std::string_view re,
                        std::initializer_list<std::string_view> examples) {
  msg += " (e.g. ";
  bool first = true;
  for (const auto e : examples) {
    if (!first) msg += " or ";
    first = false;
    msg += "'" + std::string(e) + "', ";
  }
  msg += "regex used for validation is '" + std::string(re) + "')";
  return msg;
}

std::string max_len_error(std::size_t n) {
  return "must be no more than " + std::to_string(n) + " bytes";
}

constexpr std::string_view kLabelKeyFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
constexpr std::string_view kLabelKeyErrMsg =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character";
constexpr std::size_t kLabelMaxLength = 63;

bool alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// ^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$
bool label_name_chars(std::string_view s) {
  if (s.empty() || !alnum(s.front()) || !alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return alnum(c) || c == '-' || c == '_' || c == '.'; });
}

// ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$, whatever the length.
bool subdomain_chars(std::string_view s) {
  while (true) {
    const auto dot = s.find('.');
    if (!dns_names_detail::rfc1123_label_chars(s.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    s.remove_prefix(dot + 1);
  }
}

// content.IsLabelKey.
std::vector<std::string> label_key_errors(std::string_view value) {
  std::vector<std::string> errs;
  std::string_view name = value;
  const auto slashes = std::count(value.begin(), value.end(), '/');
  if (slashes > 1) {
    errs.push_back(
        "a valid label key " +
        regex_error(std::string(kLabelKeyErrMsg), kLabelKeyFmt, {"MyName", "my.name", "123-abc"}) +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
    return errs;
  }
  if (slashes == 1) {
    const auto slash = value.find('/');
    const std::string_view prefix = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (prefix.empty()) {
      errs.push_back("prefix part must be non-empty");
    } else {
      // content.IsDNS1123Subdomain: the length and the regular expression, each its own error.
      if (prefix.size() > 253) errs.push_back("prefix part " + max_len_error(253));
      if (!subdomain_chars(prefix)) {
        errs.push_back(
            "prefix part " +
            regex_error("a lowercase RFC 1123 subdomain must consist of lower case "
                        "alphanumeric characters, '-' or '.', and must start and end "
                        "with an alphanumeric character",
                        R"([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)",
                        {"example.com"}));
      }
    }
  }
  if (name.empty()) {
    errs.push_back("name part must be non-empty");
  } else if (name.size() > kLabelMaxLength) {
    errs.push_back("name part " + max_len_error(kLabelMaxLength));
  }
  if (!label_name_chars(name)) {
    errs.push_back("name part " + regex_error(std::string(kLabelKeyErrMsg), kLabelKeyFmt,
                                              {"MyName", "my.name", "123-abc"}));
  }
  return errs;
}

// content.IsLabelValue.
std::vector<std::string> label_value_errors(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kLabelMaxLength) errs.push_back(max_len_error(kLabelMaxLength));
  if (!value.empty() && !label_name_chars(value)) {
    errs.push_back(
        regex_error("a valid label must be an empty string or consist of alphanumeric "
                    "characters, '-', '_' or '.', and must start and end with an "
                    "alphanumeric character",
                    "(" + std::string(kLabelKeyFmt) + ")?", {"MyValue", "my_value", "12345"}));
  }
  return errs;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

// field.Invalid(path, value, detail).Error().
std::string invalid(std::string_view field, std::string_view value, std::string_view detail) {
  return std::string(field) + ": Invalid value: " + go_quote(value) + ": " + std::string(detail);
}

// strconv.ParseInt(s, 10, 64) succeeds.
std::optional<std::int64_t> parse_int64(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty() || s.front() == '+') return std::nullopt;
  std::int64_t out = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return out;
}

enum class Operator {
  kIn,
  kNotIn,
  kEquals,
  kDoubleEquals,
  kNotEquals,
  kGreater,
  kLess,
  kExists,
  kDoesNotExist
};

struct Parsed {
  std::string key;
  Operator op = Operator::kExists;
  std::vector<std::string> values;  // sorted, unique (Go's sets.String.List())
};

class Parser {
 public:
  explicit Parser(std::string_view text) {
    Lexer lexer(text);
    while (true) {
      items_.push_back(lexer.lex());
      if (items_.back().token == Token::kEnd) break;
    }
  }

  // The requirements, or the error message.
  std::variant<std::vector<Parsed>, std::string> parse() {
    std::vector<Parsed> out;
    while (true) {
      const auto& [tok, lit] = lookahead(true);
      switch (tok) {
        case Token::kIdentifier:
        case Token::kDoesNotExist: {
          auto r = requirement();
          if (auto* err = std::get_if<std::string>(&r)) {
            return "unable to parse requirement: " + *err;
          }
          out.push_back(std::move(std::get<Parsed>(r)));
          const auto [t, l] = consume(true);
          if (t == Token::kEnd) return out;
          if (t == Token::kComma) {
            const auto [t2, l2] = lookahead(true);
            if (t2 != Token::kIdentifier && t2 != Token::kDoesNotExist) {
              return "found '" + l2 + "', expected: identifier after ','";
            }
            break;
          }
          return "found '" + l + "', expected: ',' or 'end of string'";
        }
        case Token::kEnd:
          return out;
        default:
          return "found '" + lit + "', expected: !, identifier, or 'end of string'";
      }
    }
  }

 private:
  // `values` context: `in` and `notin` are identifiers there.
  std::pair<Token, std::string> lookahead(bool values) const {
    const Scanned& s = items_[std::min(position_, items_.size() - 1)];
    Token t = s.token;
    if (values && (t == Token::kIn || t == Token::kNotIn)) t = Token::kIdentifier;
    return {t, s.literal};
  }
  std::pair<Token, std::string> consume(bool values) {
    auto out = lookahead(values);
    ++position_;
    return out;
  }

  std::variant<Parsed, std::string> requirement() {
    Parsed r;
    auto [tok, lit] = consume(true);
    bool does_not_exist = false;
    if (tok == Token::kDoesNotExist) {
      does_not_exist = true;
      std::tie(tok, lit) = consume(true);
    }
    if (tok != Token::kIdentifier) return "found '" + lit + "', expected: identifier";
    if (auto errs = label_key_errors(lit); !errs.empty()) {
      return invalid("<nil>", lit, join(errs, "; "));
    }
    r.key = lit;
    // `!key` is complete whatever follows (`!a=b` then fails on the `=`, as in Go).
    if (does_not_exist) {
      r.op = Operator::kDoesNotExist;
      return r;
    }
    const Token next = lookahead(true).first;
    if (next == Token::kEnd || next == Token::kComma) {
      r.op = Operator::kExists;
      return r;
    }
    const auto [op_tok, op_lit] = consume(false);
    switch (op_tok) {
      case Token::kIn:
        r.op = Operator::kIn;
        break;
      case Token::kEquals:
        r.op = Operator::kEquals;
        break;
      case Token::kDoubleEquals:
        r.op = Operator::kDoubleEquals;
        break;
      case Token::kGreater:
        r.op = Operator::kGreater;
        break;
      case Token::kLess:
        r.op = Operator::kLess;
        break;
      case Token::kNotIn:
        r.op = Operator::kNotIn;
        break;
      case Token::kNotEquals:
        r.op = Operator::kNotEquals;
        break;
      default:
        return "found '" + op_lit + "', expected: in, notin, =, ==, !=, gt, lt";
    }
    std::variant<std::vector<std::string>, std::string> values =
        r.op == Operator::kIn || r.op == Operator::kNotIn ? value_set() : exact_value();
    if (auto* err = std::get_if<std::string>(&values)) return *err;
    r.values = std::move(std::get<std::vector<std::string>>(values));
    std::sort(r.values.begin(), r.values.end());
    r.values.erase(std::unique(r.values.begin(), r.values.end()), r.values.end());
    if (auto err = validate(r)) return *err;
    return r;
  }

  // NewRequirement's checks of the values (the key was checked already).
  static std::optional<std::string> validate(const Parsed& r) {
    std::vector<std::string> errs;
    if (r.op == Operator::kGreater || r.op == Operator::kLess) {
      for (std::size_t i = 0; i < r.values.size(); ++i) {
        if (!parse_int64(r.values[i])) {
          errs.push_back(invalid("values[" + std::to_string(i) + "]", r.values[i],
                                 "for 'Gt', 'Lt' operators, the value must be an integer"));
        }
      }
    }
    for (std::size_t i = 0; i < r.values.size(); ++i) {
      if (auto e = label_value_errors(r.values[i]); !e.empty()) {
        errs.push_back(invalid("values[" + std::to_string(i) + "][" + r.key + "]", r.values[i],
                               join(e, "; ")));
      }
    }
    // errors.NewAggregate: one message alone, several in brackets (duplicates once).
    std::vector<std::string> unique;
    for (auto& e : errs) {
      if (std::find(unique.begin(), unique.end(), e) == unique.end()) unique.push_back(e);
    }
    if (unique.empty()) return std::nullopt;
    if (unique.size() == 1) return unique.front();
    return "[" + join(unique, ", ") + "]";
  }

  std::variant<std::vector<std::string>, std::string> value_set() {
    const auto [tok, lit] = consume(true);
    if (tok != Token::kOpenPar) return "found '" + lit + "' expected: '('";
    const auto [next, next_lit] = lookahead(true);
    switch (next) {
      case Token::kIdentifier:
      case Token::kComma: {
        auto list = identifiers();
        if (std::holds_alternative<std::string>(list)) return list;
        if (consume(true).first != Token::kClosedPar) {
          return "found '" + next_lit + "', expected: ')'";
        }
        return list;
      }
      case Token::kClosedPar:
        consume(true);
        return std::vector<std::string>{""};
      default:
        return "found '" + next_lit + "', expected: ',', ')' or identifier";
    }
  }

  std::variant<std::vector<std::string>, std::string> identifiers() {
    std::vector<std::string> out;
    while (true) {
      const auto [tok, lit] = consume(true);
      if (tok == Token::kIdentifier) {
        out.push_back(lit);
        const auto [t2, l2] = lookahead(true);
        if (t2 == Token::kComma) continue;
        if (t2 == Token::kClosedPar) return out;
        return "found '" + l2 + "', expected: ',' or ')'";
      }
      if (tok == Token::kComma) {
        if (out.empty()) out.emplace_back();  // "(,"
        const Token t2 = lookahead(true).first;
        if (t2 == Token::kClosedPar) {
          out.emplace_back();  // ",)"
          return out;
        }
        if (t2 == Token::kComma) {
          consume(true);
          out.emplace_back();  // ",,"
        }
        continue;
      }
      return "found '" + lit + "', expected: ',', or identifier";
    }
  }

  std::variant<std::vector<std::string>, std::string> exact_value() {
    const Token next = lookahead(true).first;
    if (next == Token::kEnd || next == Token::kComma) return std::vector<std::string>{""};
    const auto [tok, lit] = consume(true);
    if (tok == Token::kIdentifier) return std::vector<std::string>{lit};
    return "found '" + lit + "', expected: identifier";
  }

  std::vector<Scanned> items_;
  std::size_t position_ = 0;
};

}  // namespace

Result<LabelSelector> LabelSelector::parse(std::string_view text) {
  auto parsed = Parser(text).parse();
  if (auto* err = std::get_if<std::string>(&parsed)) return bad_request(std::move(*err));
  LabelSelector out;
  out.text_ = std::string(text);
  for (Parsed& p : std::get<std::vector<Parsed>>(parsed)) {
    Requirement r;
    switch (p.op) {
      case Operator::kIn:
      case Operator::kEquals:
      case Operator::kDoubleEquals:
        r.op = Op::kIn;
        break;
      case Operator::kNotIn:
      case Operator::kNotEquals:
        r.op = Op::kNotIn;
        break;
      case Operator::kExists:
        r.op = Op::kExists;
        break;
      case Operator::kDoesNotExist:
        r.op = Op::kDoesNotExist;
        break;
      case Operator::kGreater:
      case Operator::kLess:
        r.op = p.op == Operator::kGreater ? Op::kGreater : Op::kLess;
        r.bound = *parse_int64(p.values.front());
        break;
    }
    r.values = std::move(p.values);
    r.label = filters::CompiledPath::make(
        filters::Path{{filters::PathSegment::field("metadata"),
                       filters::PathSegment::field("labels"), filters::PathSegment::field(p.key)}});
    out.requirements_.push_back(std::move(r));
  }
  return out;
}

bool LabelSelector::matches(const filters::EventView& object) const {
  for (const auto& r : requirements_) {
    if (!requirement_matches(r, object)) return false;
  }
  return true;
}

bool LabelSelector::requirement_matches(const Requirement& r, const filters::EventView& object) {
  const filters::Value v = object.lookup(r.label);
  // Labels are strings; a label that is not one (never written by kube-apiserver) is present
  // with no value any requirement names.
  const bool has = v.kind != filters::Kind::kMissing;
  const std::string_view value = v.kind == filters::Kind::kString ? v.text : std::string_view();
  auto listed = [&] {
    return v.kind == filters::Kind::kString || v.kind == filters::Kind::kNull
               ? std::find(r.values.begin(), r.values.end(), value) != r.values.end()
               : false;
  };
  switch (r.op) {
    case Op::kIn:
      return has && listed();
    case Op::kNotIn:
      return !has || !listed();
    case Op::kExists:
      return has;
    case Op::kDoesNotExist:
      return !has;
    case Op::kGreater:
    case Op::kLess: {
      if (!has) return false;
      auto n = parse_int64(value);
      if (!n) return false;
      return r.op == Op::kGreater ? *n > r.bound : *n < r.bound;
    }
  }
  return false;
}

}  // namespace watchfilter::proxy

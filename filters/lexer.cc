#include "filters/lexer.h"

#include <cctype>
#include <charconv>
#include <optional>
#include <string>

namespace watchfilter::filters {

std::string_view token_name(TokenKind kind) noexcept {
  switch (kind) {
    case TokenKind::kEnd:
      return "end of expression";
    case TokenKind::kIdent:
      return "identifier";
    case TokenKind::kNumber:
      return "number";
    case TokenKind::kString:
      return "string";
    case TokenKind::kTrue:
      return "'true'";
    case TokenKind::kFalse:
      return "'false'";
    case TokenKind::kNull:
      return "'null'";
    case TokenKind::kIn:
      return "'in'";
    case TokenKind::kLParen:
      return "'('";
    case TokenKind::kRParen:
      return "')'";
    case TokenKind::kLBracket:
      return "'['";
    case TokenKind::kRBracket:
      return "']'";
    case TokenKind::kDot:
      return "'.'";
    case TokenKind::kComma:
      return "','";
    case TokenKind::kNot:
      return "'!'";
    case TokenKind::kAndAnd:
      return "'&&'";
    case TokenKind::kOrOr:
      return "'||'";
    case TokenKind::kEq:
      return "'=='";
    case TokenKind::kNe:
      return "'!='";
    case TokenKind::kLt:
      return "'<'";
    case TokenKind::kLe:
      return "'<='";
    case TokenKind::kGt:
      return "'>'";
    case TokenKind::kGe:
      return "'>='";
    case TokenKind::kPlus:
      return "'+'";
    case TokenKind::kMinus:
      return "'-'";
    case TokenKind::kStar:
      return "'*'";
    case TokenKind::kSlash:
      return "'/'";
  }
  return "token";
}

namespace {

class Lexer {
 public:
  explicit Lexer(std::string_view src) : src_(src) {}

  std::variant<std::vector<Token>, CompileError> run() {
    std::vector<Token> tokens;
    while (true) {
      skip_space();
      Token t;
      t.column = column(pos_);
      if (pos_ >= src_.size()) {
        tokens.push_back(std::move(t));
        return tokens;
      }
      if (auto err = next(t)) return std::move(*err);
      tokens.push_back(std::move(t));
    }
  }

 private:
  // Columns count code points so that a caret under a UTF-8 label value still lines up.
  std::size_t column(std::size_t offset) const {
    std::size_t col = 1;
    for (std::size_t i = 0; i < offset && i < src_.size(); ++i) {
      if ((static_cast<unsigned char>(src_[i]) & 0xC0) != 0x80) ++col;
    }
    return col;
  }

  CompileError error_at(std::size_t offset, std::string message) const {
    return CompileError{column(offset), std::move(message)};
  }

  void skip_space() {
    while (pos_ < src_.size() && std::isspace(static_cast<unsigned char>(src_[pos_]))) ++pos_;
  }

  bool eat(char c) {
    if (pos_ < src_.size() && src_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  std::optional<CompileError> next(Token& t) {
    const std::size_t start = pos_;
    const char c = src_[pos_++];
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') return identifier(t, start);
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && pos_ < src_.size() && std::isdigit(static_cast<unsigned char>(src_[pos_])))) {
      return number(t, start);
    }
    switch (c) {
      case '"':
      case '\'':
        return string(t, start, c);
      case '(':
        t.kind = TokenKind::kLParen;
        return {};
      case ')':
        t.kind = TokenKind::kRParen;
        return {};
      case '[':
        t.kind = TokenKind::kLBracket;
        return {};
      case ']':
        t.kind = TokenKind::kRBracket;
        return {};
      case '.':
        t.kind = TokenKind::kDot;
        return {};
      case ',':
        t.kind = TokenKind::kComma;
        return {};
      case '+':
        t.kind = TokenKind::kPlus;
        return {};
      case '-':
        t.kind = TokenKind::kMinus;
        return {};
      case '*':
        t.kind = TokenKind::kStar;
        return {};
      case '/':
        t.kind = TokenKind::kSlash;
        return {};
      case '!':
        t.kind = eat('=') ? TokenKind::kNe : TokenKind::kNot;
        return {};
      case '<':
        t.kind = eat('=') ? TokenKind::kLe : TokenKind::kLt;
        return {};
      case '>':
        t.kind = eat('=') ? TokenKind::kGe : TokenKind::kGt;
        return {};
      case '=':
        if (eat('=')) {
          t.kind = TokenKind::kEq;
          return {};
        }
        return error_at(start, "expected '==' (single '=' is not an operator)");
      case '&':
        if (eat('&')) {
          t.kind = TokenKind::kAndAnd;
          return {};
        }
        return error_at(start, "expected '&&'");
      case '|':
        if (eat('|')) {
          t.kind = TokenKind::kOrOr;
          return {};
        }
        return error_at(start, "expected '||'");
      default:
        break;
    }
    return error_at(start, "unexpected character '" + std::string(1, c) + "'");
  }

  std::optional<CompileError> identifier(Token& t, std::size_t start) {
    while (pos_ < src_.size() &&
           (std::isalnum(static_cast<unsigned char>(src_[pos_])) || src_[pos_] == '_')) {
      ++pos_;
    }
    t.text = std::string(src_.substr(start, pos_ - start));
    if (t.text == "true") {
      t.kind = TokenKind::kTrue;
    } else if (t.text == "false") {
      t.kind = TokenKind::kFalse;
    } else if (t.text == "null") {
      t.kind = TokenKind::kNull;
    } else if (t.text == "in") {
      t.kind = TokenKind::kIn;
    } else {
      t.kind = TokenKind::kIdent;
    }
    return {};
  }

  std::optional<CompileError> number(Token& t, std::size_t start) {
    pos_ = start;
    bool integer = true;
    const auto digits = [&] {
      while (pos_ < src_.size() && std::isdigit(static_cast<unsigned char>(src_[pos_]))) ++pos_;
    };
    digits();
    if (pos_ + 1 < src_.size() && src_[pos_] == '.' &&
        std::isdigit(static_cast<unsigned char>(src_[pos_ + 1]))) {
      integer = false;
      ++pos_;
      digits();
    } else if (pos_ < src_.size() && src_[pos_] == '.' && start == pos_) {
      integer = false;
      ++pos_;
      digits();
    }
    if (pos_ < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
      const std::size_t mark = pos_++;
      if (pos_ < src_.size() && (src_[pos_] == '+' || src_[pos_] == '-')) ++pos_;
      if (pos_ < src_.size() && std::isdigit(static_cast<unsigned char>(src_[pos_]))) {
        integer = false;
        digits();
      } else {
        pos_ = mark;
      }
    }
    std::string text(src_.substr(start, pos_ - start));
    if (text.front() == '.') text.insert(text.begin(), '0');
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), t.number);
    if (ec != std::errc() || end != text.data() + text.size()) {
      return error_at(start, "expected a number");
    }
    if (pos_ < src_.size() &&
        (std::isalpha(static_cast<unsigned char>(src_[pos_])) || src_[pos_] == '_')) {
      return error_at(
          pos_, "expected an operator after number (quantities are written quantity(\"" + text +
                    "...\"))");
    }
    t.kind = TokenKind::kNumber;
    t.is_integer = integer;
    return {};
  }

  std::optional<CompileError> string(Token& t, std::size_t start, char quote) {
    std::string out;
    while (true) {
      if (pos_ >= src_.size()) return error_at(start, "expected closing quote of string");
      const char c = src_[pos_++];
      if (c == quote) break;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= src_.size()) return error_at(start, "expected closing quote of string");
      const std::size_t escape_at = pos_ - 1;
      const char e = src_[pos_++];
      switch (e) {
        case '\\':
          out += '\\';
          break;
        case '"':
          out += '"';
          break;
        case '\'':
          out += '\'';
          break;
        case '/':
          out += '/';
          break;
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'u': {
          unsigned code = 0;
          if (pos_ + 4 > src_.size() ||
              std::from_chars(src_.data() + pos_, src_.data() + pos_ + 4, code, 16).ptr !=
                  src_.data() + pos_ + 4) {
            return error_at(escape_at, "expected 4 hex digits after \\u");
          }
          pos_ += 4;
          append_utf8(out, code);
          break;
        }
        default:
          return error_at(escape_at, "unknown escape sequence in string");
      }
    }
    t.kind = TokenKind::kString;
    t.text = std::move(out);
    return {};
  }

  static void append_utf8(std::string& out, unsigned code) {
    if (code < 0x80) {
      out += static_cast<char>(code);
    } else if (code < 0x800) {
      out += static_cast<char>(0xC0 | (code >> 6));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
      out += static_cast<char>(0xE0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    }
  }

  std::string_view src_;
  std::size_t pos_ = 0;
};

}  // namespace

std::variant<std::vector<Token>, CompileError> tokenize(std::string_view source) {
  return Lexer(source).run();
}

}  // namespace watchfilter::filters

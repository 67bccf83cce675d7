#include "proxy/kube/field_selector.h"

#include <charconv>
#include <cstdlib>
#include <optional>

namespace watchfilter::proxy {
namespace {

// Splits on unescaped `sep`, keeping escapes (unescaped later, per part).
std::vector<std::string> split_unescaped(std::string_view text, char sep) {
  std::vector<std::string> parts(1);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      parts.back() += text[i];
      parts.back() += text[++i];
    } else if (text[i] == sep) {
      parts.emplace_back();
    } else {
      parts.back() += text[i];
    }
  }
  return parts;
}

std::string trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

std::optional<std::string> unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\') {
      if (i + 1 >= s.size()) return std::nullopt;
      const char n = s[++i];
      if (n != '\\' && n != ',' && n != '=' && n != '!') return std::nullopt;
      out += n;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Position of the first unescaped `!=`, `==` or `=` and its length.
std::pair<std::size_t, std::size_t> find_operator(std::string_view term) {
  for (std::size_t i = 0; i < term.size(); ++i) {
    if (term[i] == '\\') {
      ++i;
      continue;
    }
    if (term[i] == '!' && i + 1 < term.size() && term[i + 1] == '=') return {i, 2};
    if (term[i] == '=') return {i, i + 1 < term.size() && term[i + 1] == '=' ? 2 : 1};
  }
  return {std::string_view::npos, 0};
}

}  // namespace

Result<FieldSelector> FieldSelector::parse(std::string_view text) {
  FieldSelector out;
  out.text_ = std::string(text);
  if (trim(text).empty()) return out;
  for (const std::string& raw : split_unescaped(text, ',')) {
    const std::string part = trim(raw);
    const auto [pos, len] = find_operator(part);
    if (pos == std::string_view::npos) {
      return bad_request("invalid field selector: '" + std::string(text) + "'; can't understand '" +
                         part + "'");
    }
    Term term;
    term.equal = part[pos] != '!';
    const std::string field = trim(std::string_view(part).substr(0, pos));
    auto value = unescape(trim(std::string_view(part).substr(pos + len)));
    if (field.empty() || !value) {
      return bad_request("invalid field selector: '" + std::string(text) + "'; can't understand '" +
                         part + "'");
    }
    term.value = std::move(*value);
    if (field == "metadata.name") {
      term.field = Field::kName;
    } else if (field == "metadata.namespace") {
      term.field = Field::kNamespace;
    } else {
      filters::Path path;
      std::string_view rest = field;
      while (true) {
        const auto dot = rest.find('.');
        const std::string_view seg = rest.substr(0, dot);
        if (seg.empty()) {
          return bad_request("invalid field selector: '" + std::string(text) + "'; field '" +
                             field + "' is not a dotted path");
        }
        path.segments.push_back(filters::PathSegment::field(std::string(seg)));
        if (dot == std::string_view::npos) break;
        rest.remove_prefix(dot + 1);
      }
      term.path = filters::CompiledPath::make(std::move(path));
    }
    out.terms_.push_back(std::move(term));
  }
  return out;
}

bool FieldSelector::identity_only() const {
  for (const auto& t : terms_) {
    if (t.field == Field::kPath) return false;
  }
  return true;
}

bool FieldSelector::matches(const filters::EventView& object) const {
  for (const auto& t : terms_) {
    if (!term_matches(t, object)) return false;
  }
  return true;
}

bool FieldSelector::term_matches(const Term& term, const filters::EventView& object) {
  bool equal = false;
  switch (term.field) {
    case Field::kName:
      equal = object.name() == term.value;
      break;
    case Field::kNamespace:
      equal = object.namespace_name() == term.value;
      break;
    case Field::kPath: {
      const filters::Value v = object.lookup(term.path);
      switch (v.kind) {
        case filters::Kind::kMissing:
        case filters::Kind::kNull:
          equal = term.value.empty();
          break;
        case filters::Kind::kString:
          equal = v.text == term.value;
          break;
        case filters::Kind::kBool:
          equal = term.value == (v.boolean ? "true" : "false");
          break;
        case filters::Kind::kNumber: {
          char* end = nullptr;
          const double d = std::strtod(term.value.c_str(), &end);
          equal =
              !term.value.empty() && end == term.value.c_str() + term.value.size() && d == v.number;
          break;
        }
        default:
          equal = v.text == term.value;
          break;
      }
      break;
    }
  }
  return equal == term.equal;
}

}  // namespace watchfilter::proxy

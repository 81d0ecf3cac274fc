//===- Json.cpp - a small JSON reader for the runtime tools ---------------===//

#include "Json.h"
#include "Utf8.h"

#include <cmath>
#include <cstdlib>

namespace gaon::json {

const Value *Value::get(const std::string &key) const {
  if (kind != Object)
    return nullptr;
  for (const auto &[name, value] : members)
    if (name == key)
      return &value;
  return nullptr;
}

namespace {

class Parser {
public:
  Parser(const std::string &text, int maxDepth)
      : text(text), maxDepth(maxDepth) {}

  bool parseDocument(Value &out, std::string &error) {
    skipSpace();
    if (!parseValue(out, 0))
      return report(error);
    skipSpace();
    if (pos != text.size()) {
      fail("unexpected text after the JSON value");
      return report(error);
    }
    return true;
  }

private:
  const std::string &text;
  int maxDepth;
  size_t pos = 0;
  std::string message;
  size_t errorAt = 0;

  bool fail(const std::string &what) {
    if (message.empty()) {
      message = what;
      errorAt = pos;
    }
    return false;
  }
  bool report(std::string &error) {
    error = message + " at byte " + std::to_string(errorAt);
    return false;
  }
  void skipSpace() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' ||
                                 text[pos] == '\n' || text[pos] == '\r'))
      ++pos;
  }
  bool literal(const char *word) {
    size_t n = std::char_traits<char>::length(word);
    if (text.compare(pos, n, word) != 0)
      return fail("invalid literal");
    pos += n;
    return true;
  }

  bool parseValue(Value &out, int depth) {
    if (depth > maxDepth)
      return fail("JSON nested deeper than " + std::to_string(maxDepth) +
                  " levels");
    if (pos >= text.size())
      return fail("unexpected end of input");
    char c = text[pos];
    switch (c) {
    case '{':
      return parseObject(out, depth);
    case '[':
      return parseArray(out, depth);
    case '"':
      out.kind = Value::String;
      return parseString(out.string);
    case 't':
      out.kind = Value::Bool;
      out.boolean = true;
      return literal("true");
    case 'f':
      out.kind = Value::Bool;
      out.boolean = false;
      return literal("false");
    case 'n':
      out.kind = Value::Null;
      return literal("null");
    default:
      if (c == '-' || (c >= '0' && c <= '9'))
        return parseNumber(out);
      return fail(std::string("unexpected character '") + c + "'");
    }
  }

  bool parseObject(Value &out, int depth) {
    out.kind = Value::Object;
    ++pos;
    skipSpace();
    if (pos < text.size() && text[pos] == '}') {
      ++pos;
      return true;
    }
    while (true) {
      skipSpace();
      if (pos >= text.size() || text[pos] != '"')
        return fail("expected a member name in quotes");
      std::string name;
      if (!parseString(name))
        return false;
      skipSpace();
      if (pos >= text.size() || text[pos] != ':')
        return fail("expected ':' after a member name");
      ++pos;
      skipSpace();
      Value member;
      if (!parseValue(member, depth + 1))
        return false;
      out.members.emplace_back(std::move(name), std::move(member));
      skipSpace();
      if (pos < text.size() && text[pos] == ',') {
        ++pos;
        continue;
      }
      if (pos < text.size() && text[pos] == '}') {
        ++pos;
        return true;
      }
      return fail("expected ',' or '}' in an object");
    }
  }

  bool parseArray(Value &out, int depth) {
    out.kind = Value::Array;
    ++pos;
    skipSpace();
    if (pos < text.size() && text[pos] == ']') {
      ++pos;
      return true;
    }
    while (true) {
      skipSpace();
      Value item;
      if (!parseValue(item, depth + 1))
        return false;
      out.items.push_back(std::move(item));
      skipSpace();
      if (pos < text.size() && text[pos] == ',') {
        ++pos;
        continue;
      }
      if (pos < text.size() && text[pos] == ']') {
        ++pos;
        return true;
      }
      return fail("expected ',' or ']' in an array");
    }
  }

  bool hex4(uint32_t &v) {
    if (pos + 4 > text.size())
      return fail("truncated \\u escape");
    v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text[pos++];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= c - '0';
      else if (c >= 'a' && c <= 'f')
        v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        v |= c - 'A' + 10;
      else
        return fail("invalid \\u escape");
    }
    return true;
  }


  bool parseString(std::string &out) {
    ++pos; // the opening quote
    while (true) {
      if (pos >= text.size())
        return fail("unterminated string");
      char c = text[pos++];
      if (c == '"')
        return true;
      if ((unsigned char)c < 0x20)
        return fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos >= text.size())
        return fail("unterminated escape");
      char e = text[pos++];
      switch (e) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        uint32_t cp;
        if (!hex4(cp))
          return false;
        if (cp >= 0xD800 && cp < 0xDC00) {
          uint32_t low;
          if (pos + 2 > text.size() || text[pos] != '\\' ||
              text[pos + 1] != 'u')
            return fail("unpaired surrogate in a \\u escape");
          pos += 2;
          if (!hex4(low) || low < 0xDC00 || low >= 0xE000)
            return fail("unpaired surrogate in a \\u escape");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        } else if (cp >= 0xDC00 && cp < 0xE000) {
          return fail("unpaired surrogate in a \\u escape");
        }
        utf8::append(out, cp);
        break;
      }
      default:
        return fail(std::string("invalid escape '\\") + e + "'");
      }
    }
  }

  bool parseNumber(Value &out) {
    size_t start = pos;
    if (text[pos] == '-')
      ++pos;
    bool integral = true;
    auto digits = [&] {
      size_t from = pos;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9')
        ++pos;
      return pos > from;
    };
    if (!digits())
      return fail("invalid number");
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      integral = false;
      if (!digits())
        return fail("invalid number");
    }
    if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
      ++pos;
      integral = false;
      if (pos < text.size() && (text[pos] == '+' || text[pos] == '-'))
        ++pos;
      if (!digits())
        return fail("invalid number");
    }
    std::string token = text.substr(start, pos - start);
    out.kind = Value::Number;
    out.number = std::strtod(token.c_str(), nullptr);
    if (integral && token.size() <= 18) {
      out.isInteger = true;
      out.integer = std::strtoll(token.c_str(), nullptr, 10);
    }
    if (!std::isfinite(out.number))
      return fail("number out of range");
    return true;
  }
};

} // namespace

bool parse(const std::string &text, Value &out, std::string &error,
           int maxDepth) {
  out = Value();
  Parser parser(text, maxDepth);
  return parser.parseDocument(out, error);
}

} // namespace gaon::json

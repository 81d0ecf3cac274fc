//===- Utf8.h - UTF-8 for the runtime tools -------------------*- C++ -*-===//
//
// The JSON reader, the tokenizer and gaon-generate share these: encoding a
// code point, and decoding text into characters where bytes that are not
// UTF-8 (overlong forms, surrogates, truncated sequences) stay single
// "characters" of code point -1.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_RUNTIME_TOOLS_UTF8_H
#define GAON_RUNTIME_TOOLS_UTF8_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace gaon::utf8 {

inline void append(std::string &s, uint32_t cp) {
  if (cp < 0x80) {
    s += char(cp);
  } else if (cp < 0x800) {
    s += char(0xC0 | (cp >> 6));
    s += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s += char(0xE0 | (cp >> 12));
    s += char(0x80 | ((cp >> 6) & 0x3F));
    s += char(0x80 | (cp & 0x3F));
  } else {
    s += char(0xF0 | (cp >> 18));
    s += char(0x80 | ((cp >> 12) & 0x3F));
    s += char(0x80 | ((cp >> 6) & 0x3F));
    s += char(0x80 | (cp & 0x3F));
  }
}

/// One decoded character: its code point (-1 for a byte that is not valid
/// UTF-8) and its bytes in the text.
struct Char {
  int32_t cp;
  size_t at, len;
};

inline std::vector<Char> decode(const std::string &s) {
  std::vector<Char> out;
  size_t i = 0, n = s.size();
  while (i < n) {
    unsigned char c = s[i];
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3
                         : (c >> 3) == 30 ? 4 : 0;
    int32_t cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F
                                                               : c & 0x07;
    bool ok = len > 0 && i + len <= n;
    for (int k = 1; ok && k < len; ++k) {
      unsigned char d = s[i + k];
      ok = (d & 0xC0) == 0x80;
      cp = (cp << 6) | (d & 0x3F);
    }
    static const int32_t minimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (ok && (cp < minimum[len] || cp > 0x10FFFF ||
               (cp >= 0xD800 && cp < 0xE000)))
      ok = false;
    if (!ok) {
      out.push_back({-1, i, 1});
      ++i;
      continue;
    }
    out.push_back({cp, i, size_t(len)});
    i += len;
  }
  return out;
}

} // namespace gaon::utf8

#endif // GAON_RUNTIME_TOOLS_UTF8_H

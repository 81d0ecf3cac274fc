//===- Tokenizer.cpp - byte-level BPE from a tokenizer.json ---------------===//

#include "Tokenizer.h"
#include "Json.h"
#include "Utf8.h"

#include "targets/common/RegularFile.h"

#include <unicode/uchar.h>

#include <algorithm>
#include <queue>
#include <climits>
#include <cstdio>

namespace gaon {
namespace {

// The two pre-tokenizer regexes real byte-level vocabularies use, as
// tokenizer.json spells them (GPT-2's is ByteLevel's built-in one).
const char *kGpt2Pattern =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!"
    "\\S)|\\s+";
const char *kLlama3Pattern =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

using utf8::Char;
constexpr auto decodeUtf8 = utf8::decode;
constexpr auto appendUtf8 = utf8::append;

bool isLetter(int32_t cp) {
  return cp >= 0 && (U_GET_GC_MASK(cp) & U_GC_L_MASK);
}
bool isNumber(int32_t cp) {
  return cp >= 0 && (U_GET_GC_MASK(cp) & U_GC_N_MASK);
}
bool isSpace(int32_t cp) { return cp >= 0 && u_isUWhiteSpace(cp); }
bool isOther(int32_t cp) {
  return !isSpace(cp) && !isLetter(cp) && !isNumber(cp);
}
bool isNewline(int32_t cp) { return cp == '\r' || cp == '\n'; }

/// 's 't 're 've 'm 'll 'd at i: the match length, or 0.
size_t contraction(const std::vector<Char> &c, size_t i, bool anyCase) {
  if (c[i].cp != '\'')
    return 0;
  auto lower = [&](size_t k) -> int32_t {
    if (k >= c.size())
      return -1;
    int32_t cp = c[k].cp;
    return anyCase && cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
  };
  for (const char *suffix : {"s", "t", "re", "ve", "m", "ll", "d"}) {
    size_t k = 0;
    while (suffix[k] && lower(i + 1 + k) == suffix[k])
      ++k;
    if (!suffix[k])
      return k + 1;
  }
  return 0;
}

/// \s+(?!\S) then \s+, for the whitespace run starting at i.
size_t whitespaceRun(const std::vector<Char> &c, size_t i) {
  size_t k = i;
  while (k < c.size() && isSpace(c[k].cp))
    ++k;
  if (k == c.size() || k - i == 1)
    return k - i;
  return k - i - 1; // leave the last one to the word after it
}

template <typename Pred>
size_t runOf(const std::vector<Char> &c, size_t k, Pred pred) {
  size_t start = k;
  while (k < c.size() && pred(c[k].cp))
    ++k;
  return k - start;
}

size_t matchGpt2(const std::vector<Char> &c, size_t i) {
  if (size_t n = contraction(c, i, false))
    return n;
  for (bool (*cls)(int32_t) : {isLetter, isNumber, isOther}) {
    if (c[i].cp == ' ' && i + 1 < c.size() && cls(c[i + 1].cp))
      return 1 + runOf(c, i + 1, cls);
    if (cls(c[i].cp))
      return runOf(c, i, cls);
  }
  return whitespaceRun(c, i);
}

size_t matchLlama3(const std::vector<Char> &c, size_t i) {
  if (size_t n = contraction(c, i, true))
    return n;
  int32_t cp = c[i].cp;
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (!isNewline(cp) && !isLetter(cp) && !isNumber(cp) && i + 1 < c.size() &&
      isLetter(c[i + 1].cp))
    return 1 + runOf(c, i + 1, isLetter);
  if (isLetter(cp))
    return runOf(c, i, isLetter);
  // \p{N}{1,3}
  if (isNumber(cp))
    return std::min<size_t>(3, runOf(c, i, isNumber));
  // " ?[^\s\p{L}\p{N}]+[\r\n]*"
  size_t k = SIZE_MAX;
  if (cp == ' ' && i + 1 < c.size() && isOther(c[i + 1].cp))
    k = i + 1;
  else if (isOther(cp))
    k = i;
  if (k != SIZE_MAX) {
    k += runOf(c, k, isOther);
    k += runOf(c, k, isNewline);
    return k - i;
  }
  // \s*[\r\n]+: through the last newline of the whitespace run.
  size_t end = i + runOf(c, i, isSpace), lastNewline = SIZE_MAX;
  for (size_t j = i; j < end; ++j)
    if (isNewline(c[j].cp))
      lastNewline = j;
  if (lastNewline != SIZE_MAX)
    return lastNewline + 1 - i;
  return whitespaceRun(c, i);
}

/// GPT-2's table from bytes to printable characters.
const std::vector<std::string> &byteToChar() {
  static const std::vector<std::string> table = [] {
    std::vector<std::string> t(256);
    int next = 0;
    for (int b = 0; b < 256; ++b) {
      bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) ||
                       (b >= 174 && b <= 255);
      appendUtf8(t[b], printable ? b : 256 + next++);
    }
    return t;
  }();
  return table;
}

const std::unordered_map<int32_t, uint8_t> &charToByte() {
  static const std::unordered_map<int32_t, uint8_t> table = [] {
    std::unordered_map<int32_t, uint8_t> t;
    for (int b = 0; b < 256; ++b)
      t[decodeUtf8(byteToChar()[b])[0].cp] = uint8_t(b);
    return t;
  }();
  return table;
}

std::string str(const json::Value *v) {
  return v && v->kind == json::Value::String ? v->string : std::string();
}
bool flag(const json::Value *v, bool dflt = false) {
  return v && v->kind == json::Value::Bool ? v->boolean : dflt;
}

} // namespace

std::vector<std::string> preTokenize(const std::string &text,
                                     Tokenizer::Split split) {
  std::vector<std::string> pieces;
  if (split == Tokenizer::Split::None) {
    if (!text.empty())
      pieces.push_back(text);
    return pieces;
  }
  std::vector<Char> c = decodeUtf8(text);
  for (size_t i = 0; i < c.size();) {
    size_t n = split == Tokenizer::Split::Gpt2 ? matchGpt2(c, i)
                                               : matchLlama3(c, i);
    n = std::max<size_t>(n, 1);
    size_t from = c[i].at, to = c[i + n - 1].at + c[i + n - 1].len;
    pieces.push_back(text.substr(from, to - from));
    i += n;
  }
  return pieces;
}

std::unique_ptr<Tokenizer> Tokenizer::load(const std::string &path,
                                           std::string &error) {
  std::string text;
  // Real tokenizer.json files are a few MiB; 256 MiB bounds a hostile one.
  if (!readRegularFile(path, text, error, uint64_t(256) << 20))
    return nullptr;
  return fromJson(text, path, error);
}

std::unique_ptr<Tokenizer> Tokenizer::fromJson(const std::string &text,
                                               const std::string &name,
                                               std::string &error) {
  json::Value root;
  if (!json::parse(text, root, error)) {
    error = name + ": not valid JSON: " + error;
    return nullptr;
  }
  auto tok = std::make_unique<Tokenizer>();
  if (!tok->parse(root, error)) {
    error = name + ": " + error;
    return nullptr;
  }
  return tok;
}

bool Tokenizer::parse(const json::Value &root, std::string &error) {
  if (root.kind != json::Value::Object) {
    error = "the top level must be an object";
    return false;
  }
  const json::Value *model = root.get("model");
  if (!model || model->kind != json::Value::Object) {
    error = "no \"model\" object";
    return false;
  }
  std::string type = str(model->get("type"));
  if (type.empty() && model->get("merges"))
    type = "BPE"; // older files omit the type of a BPE model
  if (type != "BPE") {
    error = "model type '" + type +
            "' is not supported; Gaon reads BPE tokenizers (byte-level, as "
            "GPT-2, Llama 3 and EXAONE use)";
    return false;
  }
  for (const char *field : {"continuing_subword_prefix", "end_of_word_suffix"})
    if (!str(model->get(field)).empty()) {
      error = std::string("BPE option '") + field + "' is not supported";
      return false;
    }
  if (const json::Value *d = model->get("dropout");
      d && d->kind == json::Value::Number && d->number != 0) {
    error = "BPE dropout is not supported (it makes encoding random)";
    return false;
  }
  byteFallback = flag(model->get("byte_fallback"));
  ignoreMerges = flag(model->get("ignore_merges"));

  const json::Value *v = model->get("vocab");
  if (!v || v->kind != json::Value::Object) {
    error = "the model has no \"vocab\" object";
    return false;
  }
  for (const auto &[token, id] : v->members) {
    if (id.kind != json::Value::Number || !id.isInteger || id.integer < 0) {
      error = "vocab entry '" + token + "' has no non-negative integer id";
      return false;
    }
    vocab[token] = id.integer;
    idToToken[id.integer] = token;
  }
  const json::Value *merges = model->get("merges");
  if (!merges || merges->kind != json::Value::Array) {
    error = "the model has no \"merges\" array";
    return false;
  }
  for (size_t r = 0; r < merges->items.size(); ++r) {
    const json::Value &m = merges->items[r];
    std::string a, b;
    if (m.kind == json::Value::String) {
      size_t space = m.string.find(' ');
      if (space == std::string::npos || space == 0 ||
          space + 1 == m.string.size()) {
        error = "merge " + std::to_string(r) + " ('" + m.string +
                "') is not two tokens separated by a space";
        return false;
      }
      a = m.string.substr(0, space);
      b = m.string.substr(space + 1);
    } else if (m.kind == json::Value::Array && m.items.size() == 2 &&
               m.items[0].kind == json::Value::String &&
               m.items[1].kind == json::Value::String) {
      a = m.items[0].string;
      b = m.items[1].string;
    } else {
      error = "merge " + std::to_string(r) + " is neither \"a b\" nor [a, b]";
      return false;
    }
    mergeRank.emplace(a + ' ' + b, int64_t(r));
  }
  if (std::string unk = str(model->get("unk_token")); !unk.empty()) {
    auto it = vocab.find(unk);
    if (it == vocab.end()) {
      error = "unk_token '" + unk + "' is not in the vocabulary";
      return false;
    }
    unkId = it->second;
  }

  if (const json::Value *a = root.get("added_tokens");
      a && a->kind == json::Value::Array) {
    for (const json::Value &t : a->items) {
      const json::Value *id = t.get("id");
      std::string content = str(t.get("content"));
      if (!id || !id->isInteger || id->integer < 0 || content.empty()) {
        error = "an added token lacks an id or content";
        return false;
      }
      if (flag(t.get("single_word")) || flag(t.get("lstrip")) ||
          flag(t.get("rstrip"))) {
        error = "added token '" + content +
                "' uses single_word, lstrip or rstrip, which Gaon does not "
                "implement";
        return false;
      }
      bool special = flag(t.get("special"));
      added.push_back({content, id->integer, special});
      idToToken[id->integer] = content;
      if (special)
        specialIds[id->integer] = true;
    }
    std::stable_sort(added.begin(), added.end(),
                     [](const Added &x, const Added &y) {
                       return x.content.size() > y.content.size();
                     });
  }

  if (const json::Value *n = root.get("normalizer"); n && !n->isNull()) {
    error = "normalizer '" + str(n->get("type")) +
            "' is not supported (byte-level tokenizers have none)";
    return false;
  }

  // Pre-tokenizer: ByteLevel (GPT-2's regex or none), or a Split by a known
  // regex followed by ByteLevel without one.
  std::vector<const json::Value *> steps;
  if (const json::Value *p = root.get("pre_tokenizer"); p && !p->isNull()) {
    if (str(p->get("type")) == "Sequence") {
      const json::Value *list = p->get("pretokenizers");
      if (!list || list->kind != json::Value::Array) {
        error = "a Sequence pre-tokenizer without \"pretokenizers\"";
        return false;
      }
      for (const json::Value &s : list->items)
        steps.push_back(&s);
    } else {
      steps.push_back(p);
    }
  }
  for (const json::Value *s : steps) {
    std::string kind = str(s->get("type"));
    if (kind == "ByteLevel") {
      byteLevel = true;
      addPrefixSpace = flag(s->get("add_prefix_space"));
      if (flag(s->get("use_regex"), true)) {
        if (split != Split::None) {
          error = "two regex splits in the pre-tokenizer";
          return false;
        }
        split = Split::Gpt2;
      }
    } else if (kind == "Split") {
      const json::Value *pattern = s->get("pattern");
      std::string regex = pattern ? str(pattern->get("Regex")) : "";
      if (regex == kLlama3Pattern)
        split = Split::Llama3;
      else if (regex == kGpt2Pattern)
        split = Split::Gpt2;
      else {
        error = "pre-tokenizer regex '" + regex +
                "' is not one Gaon implements (GPT-2's and Llama 3's are)";
        return false;
      }
      if (str(s->get("behavior")) != "Isolated" || flag(s->get("invert"))) {
        error = "a Split pre-tokenizer must isolate its matches";
        return false;
      }
    } else {
      error = "pre-tokenizer '" + kind + "' is not supported";
      return false;
    }
  }
  if (!byteLevel) {
    error = "the pre-tokenizer is not byte-level; Gaon reads byte-level BPE "
            "tokenizers";
    return false;
  }

  // Decoder: ByteLevel, possibly in a Sequence with ByteFallback and Fuse.
  if (const json::Value *d = root.get("decoder"); d && !d->isNull()) {
    std::vector<const json::Value *> decoders;
    if (str(d->get("type")) == "Sequence" && d->get("decoders") &&
        d->get("decoders")->kind == json::Value::Array) {
      for (const json::Value &x : d->get("decoders")->items)
        decoders.push_back(&x);
    } else {
      decoders.push_back(d);
    }
    for (const json::Value *x : decoders) {
      std::string kind = str(x->get("type"));
      if (kind == "ByteLevel")
        byteLevelDecoder = true;
      else if (kind == "ByteFallback")
        byteFallbackDecoder = true;
      else if (kind != "Fuse") {
        error = "decoder '" + kind + "' is not supported";
        return false;
      }
    }
  }

  // Post-processor: the prefix special tokens of a template, if any.
  if (const json::Value *p = root.get("post_processor"); p && !p->isNull()) {
    std::vector<const json::Value *> processors;
    if (str(p->get("type")) == "Sequence" && p->get("processors") &&
        p->get("processors")->kind == json::Value::Array) {
      for (const json::Value &x : p->get("processors")->items)
        processors.push_back(&x);
    } else {
      processors.push_back(p);
    }
    for (const json::Value *x : processors) {
      std::string kind = str(x->get("type"));
      if (kind == "ByteLevel")
        continue;
      if (kind != "TemplateProcessing") {
        error = "post-processor '" + kind + "' is not supported";
        return false;
      }
      const json::Value *single = x->get("single");
      const json::Value *specials = x->get("special_tokens");
      if (!single || single->kind != json::Value::Array) {
        error = "a TemplateProcessing without a \"single\" template";
        return false;
      }
      for (const json::Value &item : single->items) {
        if (item.get("Sequence"))
          break; // only the prefix is added
        const json::Value *special = item.get("SpecialToken");
        std::string tokenName = special ? str(special->get("id")) : "";
        const json::Value *entry =
            specials ? specials->get(tokenName) : nullptr;
        const json::Value *ids = entry ? entry->get("ids") : nullptr;
        if (!ids || ids->kind != json::Value::Array) {
          error = "template token '" + tokenName + "' has no ids";
          return false;
        }
        for (const json::Value &id : ids->items)
          prefixIds.push_back(id.integer);
      }
    }
  }
  return true;
}

int64_t Tokenizer::tokenId(const std::string &token) const {
  for (const Added &a : added)
    if (a.content == token)
      return a.id;
  auto it = vocab.find(token);
  return it == vocab.end() ? -1 : it->second;
}

void Tokenizer::bpe(const std::string &piece, std::vector<int64_t> &ids) const {
  if (auto hit = cache.find(piece); hit != cache.end()) {
    ids.insert(ids.end(), hit->second.begin(), hit->second.end());
    return;
  }
  std::vector<std::string> symbols;
  if (ignoreMerges && vocab.count(piece)) {
    symbols.push_back(piece);
  } else {
    // Merge the best-ranked adjacent pair, leftmost first, until none is
    // in the merge list: a heap of candidate pairs over a linked list of
    // symbols, so a long piece costs n log n, not n^2.
    std::vector<Char> chars = decodeUtf8(piece);
    size_t n = chars.size();
    std::vector<std::string> sym(n);
    std::vector<size_t> prev(n), next(n);
    for (size_t i = 0; i < n; ++i) {
      sym[i] = piece.substr(chars[i].at, chars[i].len);
      prev[i] = i - 1; // SIZE_MAX for the first
      next[i] = i + 1; // n for the last
    }
    struct Candidate {
      int64_t rank;
      size_t left;
      std::string merged;
      bool operator>(const Candidate &o) const {
        return rank != o.rank ? rank > o.rank : left > o.left;
      }
    };
    std::priority_queue<Candidate, std::vector<Candidate>,
                        std::greater<Candidate>>
        heap;
    auto consider = [&](size_t left) {
      if (left >= n || next[left] >= n)
        return;
      auto it = mergeRank.find(sym[left] + ' ' + sym[next[left]]);
      if (it != mergeRank.end())
        heap.push({it->second, left, sym[left] + sym[next[left]]});
    };
    for (size_t i = 0; i + 1 < n; ++i)
      consider(i);
    while (!heap.empty()) {
      Candidate c = heap.top();
      heap.pop();
      size_t right = next[c.left];
      // Stale: an earlier merge changed one side of this pair.
      if (sym[c.left].empty() || right >= n ||
          sym[c.left] + sym[right] != c.merged)
        continue;
      sym[c.left] = std::move(c.merged);
      sym[right].clear();
      next[c.left] = next[right];
      if (next[right] < n)
        prev[next[right]] = c.left;
      if (prev[c.left] < n)
        consider(prev[c.left]);
      consider(c.left);
    }
    for (size_t i = 0; i < n; i = next[i])
      symbols.push_back(sym[i]);
  }
  std::vector<int64_t> out;
  for (const std::string &s : symbols) {
    auto it = vocab.find(s);
    if (it != vocab.end()) {
      out.push_back(it->second);
      continue;
    }
    bool spelled = false;
    if (byteFallback) {
      spelled = true;
      std::vector<int64_t> bytes;
      // The symbol's characters are mapped bytes: spell the bytes.
      for (const Char &c : decodeUtf8(s)) {
        auto mapped = charToByte().find(c.cp);
        if (mapped == charToByte().end()) {
          spelled = false;
          break;
        }
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", mapped->second);
        auto byte = vocab.find(name);
        if (byte == vocab.end()) {
          spelled = false;
          break;
        }
        bytes.push_back(byte->second);
      }
      if (spelled)
        out.insert(out.end(), bytes.begin(), bytes.end());
    }
    if (!spelled && unkId >= 0)
      out.push_back(unkId);
  }
  cache.emplace(piece, out);
  ids.insert(ids.end(), out.begin(), out.end());
}

bool Tokenizer::encodeText(const std::string &text, std::vector<int64_t> &ids,
                           std::string &error) const {
  std::string input = text;
  if (addPrefixSpace && !input.empty() && input[0] != ' ')
    input.insert(input.begin(), ' ');
  for (const std::string &piece : preTokenize(input, split)) {
    std::string mapped;
    for (unsigned char b : piece)
      mapped += byteToChar()[b];
    size_t before = ids.size();
    bpe(mapped, ids);
    if (ids.size() == before) {
      error = "the vocabulary cannot spell '" + piece +
              "' (no token, byte fallback or unk_token covers it)";
      return false;
    }
  }
  return true;
}

bool Tokenizer::encode(const std::string &text, bool addSpecial,
                       std::vector<int64_t> &ids, std::string &error) const {
  ids.clear();
  if (addSpecial)
    ids = prefixIds;
  // Added tokens split the text first; the longest wins at a position.
  size_t start = 0, i = 0;
  while (i < text.size()) {
    const Added *hit = nullptr;
    for (const Added &a : added)
      if (text.compare(i, a.content.size(), a.content) == 0) {
        hit = &a;
        break;
      }
    if (!hit) {
      ++i;
      continue;
    }
    if (i > start && !encodeText(text.substr(start, i - start), ids, error))
      return false;
    ids.push_back(hit->id);
    i += hit->content.size();
    start = i;
  }
  if (start < text.size() && !encodeText(text.substr(start), ids, error))
    return false;
  return true;
}

bool Tokenizer::decode(const std::vector<int64_t> &ids, std::string &text,
                       std::string &error, bool skipSpecial) const {
  text.clear();
  std::string pending; // byte-level characters not yet turned into bytes
  auto flush = [&] {
    for (const Char &c : decodeUtf8(pending)) {
      auto it = byteLevelDecoder ? charToByte().find(c.cp) : charToByte().end();
      if (it != charToByte().end())
        text += char(it->second);
      else
        text += pending.substr(c.at, c.len);
    }
    pending.clear();
  };
  for (int64_t id : ids) {
    auto it = idToToken.find(id);
    if (it == idToToken.end()) {
      error = "token id " + std::to_string(id) + " is not in the vocabulary";
      return false;
    }
    bool isAdded = std::any_of(added.begin(), added.end(),
                               [&](const Added &a) { return a.id == id; });
    if (isAdded) {
      if (skipSpecial && isSpecial(id))
        continue;
      flush();
      text += it->second;
      continue;
    }
    const std::string &token = it->second;
    unsigned byte;
    if (byteFallbackDecoder && token.size() == 6 &&
        std::sscanf(token.c_str(), "<0x%2X>", &byte) == 1) {
      flush();
      text += char(byte);
      continue;
    }
    pending += token;
  }
  flush();
  return true;
}

} // namespace gaon

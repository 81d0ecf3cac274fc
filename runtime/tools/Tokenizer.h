//===- Tokenizer.h - byte-level BPE from a tokenizer.json ------*- C++ -*-===//
//
// The tokenizers of GPT-2, Llama 3, EXAONE and most decoders since: text
// split by added (special) tokens, pre-tokenized by a regex (GPT-2's or
// Llama 3's), bytes mapped to GPT-2's printable alphabet, merged by BPE
// ranks; `<0xNN>` byte tokens for what the vocabulary lacks when the model
// has byte_fallback. Read from Hugging Face's tokenizer.json; anything in it
// that this implementation does not do exactly is refused with a message,
// never approximated.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_RUNTIME_TOOLS_TOKENIZER_H
#define GAON_RUNTIME_TOOLS_TOKENIZER_H

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace gaon {
namespace json {
struct Value;
} // namespace json

class Tokenizer {
public:
  /// Loads a tokenizer.json; on failure returns null and sets `error`.
  static std::unique_ptr<Tokenizer> load(const std::string &path,
                                         std::string &error);
  /// As load, from the file's text (`name` is for messages).
  static std::unique_ptr<Tokenizer> fromJson(const std::string &text,
                                             const std::string &name,
                                             std::string &error);

  /// Token ids of `text` (UTF-8). With `addSpecial`, the post-processor's
  /// prefix tokens (Llama 3's <|begin_of_text|>) come first. Fails (false,
  /// `error`) only for text the vocabulary cannot spell: invalid UTF-8
  /// bytes with no byte tokens.
  bool encode(const std::string &text, bool addSpecial,
              std::vector<int64_t> &ids, std::string &error) const;
  /// The text of `ids`; unknown ids are an error.
  bool decode(const std::vector<int64_t> &ids, std::string &text,
              std::string &error, bool skipSpecial = false) const;

  /// The id of a token string (added or vocabulary), or -1.
  int64_t tokenId(const std::string &token) const;
  bool isSpecial(int64_t id) const { return specialIds.count(id) != 0; }
  size_t vocabSize() const { return idToToken.size(); }

  enum class Split { None, Gpt2, Llama3 };

private:
  std::unordered_map<std::string, int64_t> vocab;
  std::unordered_map<std::string, int64_t> mergeRank; // "a b" -> rank
  std::map<int64_t, std::string> idToToken;
  struct Added {
    std::string content;
    int64_t id;
    bool special;
  };
  std::vector<Added> added; // longest content first
  std::map<int64_t, bool> specialIds;
  std::vector<int64_t> prefixIds; // added by encode(addSpecial)
  Split split = Split::None;
  bool byteLevel = false, addPrefixSpace = false, byteFallback = false;
  bool byteLevelDecoder = false, byteFallbackDecoder = false;
  bool ignoreMerges = false;
  int64_t unkId = -1;
  mutable std::unordered_map<std::string, std::vector<int64_t>> cache;

  bool parse(const json::Value &root, std::string &error);
  void bpe(const std::string &piece, std::vector<int64_t> &ids) const;
  bool encodeText(const std::string &text, std::vector<int64_t> &ids,
                  std::string &error) const;
};

/// Splits UTF-8 `text` by a known pre-tokenizer regex (exposed for tests).
std::vector<std::string> preTokenize(const std::string &text,
                                     Tokenizer::Split split);

} // namespace gaon

#endif // GAON_RUNTIME_TOOLS_TOKENIZER_H

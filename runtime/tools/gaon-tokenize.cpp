//===- gaon-tokenize.cpp - text to token ids and back ---------------------===//
//
// gaon-tokenize --tokenizer=tokenizer.json (--text=TEXT | --text-file=F)
//     [--lines] [--add-special]
// gaon-tokenize --tokenizer=tokenizer.json --decode=ID,ID,...
//
// Prints the token ids as a JSON array (one per line of the file with
// --lines), or the decoded text. The tokenizer is the one gaon-generate
// uses (runtime/tools/Tokenizer.h).
//
//===----------------------------------------------------------------------===//

#include "Tokenizer.h"

#include "gaon/runtime.h"
#include "targets/common/RegularFile.h"

#include <cstdio>
#include <cstring>
#include <string>

namespace {

int usage(const char *error) {
  if (error)
    std::fprintf(stderr, "gaon-tokenize: %s\n", error);
  std::fprintf(
      error ? stderr : stdout,
      "usage: gaon-tokenize --tokenizer=tokenizer.json (--text=TEXT | "
      "--text-file=F) [--lines] [--add-special]\n"
      "       gaon-tokenize --tokenizer=tokenizer.json --decode=ID,ID,...\n"
      "Prints token ids as a JSON array (one per input line with --lines), "
      "or the text of --decode's ids. --add-special adds the tokenizer's "
      "prefix tokens (Llama 3's <|begin_of_text|>).\n");
  return error ? 2 : 0;
}

bool value(const char *arg, const char *flag, std::string &out) {
  size_t n = std::strlen(flag);
  if (std::strncmp(arg, flag, n) != 0 || arg[n] != '=')
    return false;
  out = arg + n + 1;
  return true;
}

void printIds(const std::vector<int64_t> &ids) {
  std::string line = "[";
  for (size_t i = 0; i < ids.size(); ++i)
    line += (i ? "," : "") + std::to_string(ids[i]);
  std::printf("%s]\n", line.c_str());
}

} // namespace

int main(int argc, char **argv) {
  std::string tokenizerPath, text, textFile, decodeList;
  bool lines = false, addSpecial = false, haveText = false, haveDecode = false;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (!std::strcmp(a, "--help") || !std::strcmp(a, "-h"))
      return usage(nullptr);
    if (!std::strcmp(a, "--version")) {
      std::printf("gaon-tokenize (Gaon) %s\n", GAON_VERSION);
      return 0;
    }
    if (value(a, "--tokenizer", tokenizerPath))
      continue;
    if (value(a, "--text", text)) {
      haveText = true;
      continue;
    }
    if (value(a, "--text-file", textFile))
      continue;
    if (value(a, "--decode", decodeList)) {
      haveDecode = true;
      continue;
    }
    if (!std::strcmp(a, "--lines")) {
      lines = true;
      continue;
    }
    if (!std::strcmp(a, "--add-special")) {
      addSpecial = true;
      continue;
    }
    return usage((std::string("unknown argument '") + a + "'").c_str());
  }
  if (tokenizerPath.empty())
    return usage("--tokenizer=tokenizer.json is required");
  if (int(haveText) + int(!textFile.empty()) + int(haveDecode) != 1)
    return usage("give one of --text, --text-file and --decode");
  if (lines && textFile.empty())
    return usage("--lines reads --text-file line by line");

  std::string error;
  auto tokenizer = gaon::Tokenizer::load(tokenizerPath, error);
  if (!tokenizer) {
    std::fprintf(stderr, "gaon-tokenize: %s\n", error.c_str());
    return 1;
  }
  if (haveDecode) {
    std::vector<int64_t> ids;
    size_t at = 0;
    while (at <= decodeList.size()) {
      size_t comma = decodeList.find(',', at);
      std::string item = decodeList.substr(
          at, comma == std::string::npos ? std::string::npos : comma - at);
      char *end = nullptr;
      long long id = std::strtoll(item.c_str(), &end, 10);
      if (item.empty() || *end || id < 0) {
        std::fprintf(stderr,
                     "gaon-tokenize: --decode: '%s' is not a token id\n",
                     item.c_str());
        return 1;
      }
      ids.push_back(id);
      if (comma == std::string::npos)
        break;
      at = comma + 1;
    }
    std::string out;
    if (!tokenizer->decode(ids, out, error)) {
      std::fprintf(stderr, "gaon-tokenize: %s\n", error.c_str());
      return 1;
    }
    std::printf("%s\n", out.c_str());
    return 0;
  }
  if (!textFile.empty() &&
      !gaon::readRegularFile(textFile, text, error, uint64_t(64) << 20)) {
    std::fprintf(stderr, "gaon-tokenize: %s\n", error.c_str());
    return 1;
  }
  std::vector<std::string> inputs;
  if (lines) {
    size_t at = 0;
    while (at < text.size()) {
      size_t nl = text.find('\n', at);
      if (nl == std::string::npos)
        nl = text.size();
      if (nl > at)
        inputs.push_back(text.substr(at, nl - at));
      at = nl + 1;
    }
  } else {
    inputs.push_back(text);
  }
  for (const std::string &input : inputs) {
    std::vector<int64_t> ids;
    if (!tokenizer->encode(input, addSpecial, ids, error)) {
      std::fprintf(stderr, "gaon-tokenize: %s\n", error.c_str());
      return 1;
    }
    printIds(ids);
  }
  return 0;
}

//===- Json.h - a small JSON reader for the runtime tools ------*- C++ -*-===//
//
// The runtime has no LLVM, so its tools read JSON (tokenizer.json, chat
// templates) with this: a DOM of values, parsed with a nesting limit, every
// error naming its byte offset. Numbers keep their text's integer value when
// they have one.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_RUNTIME_TOOLS_JSON_H
#define GAON_RUNTIME_TOOLS_JSON_H

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace gaon::json {

struct Value {
  enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
  bool boolean = false;
  double number = 0;
  int64_t integer = 0;
  bool isInteger = false;
  std::string string;
  std::vector<Value> items;                           // Array
  std::vector<std::pair<std::string, Value>> members; // Object, in order

  /// The member named `key`, or null (objects only).
  const Value *get(const std::string &key) const;
  bool isNull() const { return kind == Null; }
};

/// Parses `text` into `out`; on failure returns false with `error` saying
/// what is wrong and at which byte offset. Nesting deeper than `maxDepth`
/// is refused (no recursion runs away).
bool parse(const std::string &text, Value &out, std::string &error,
           int maxDepth = 64);

} // namespace gaon::json

#endif // GAON_RUNTIME_TOOLS_JSON_H

//===- NpuConfigJson.cpp - NPU configurations from JSON -------------------===//
//
// Every field is required: a configuration that leaves one out is more
// likely a mistake than a wish for a default. Unknown fields are errors too,
// so a misspelt field cannot silently keep its preset value.
//
//===----------------------------------------------------------------------===//

#include "targets/npu/NpuConfigJson.h"

#include "llvm/Support/JSON.h"
#include "targets/common/RegularFile.h"

#include <cmath>
#include <set>

using namespace llvm;

namespace gaon::npu {
namespace {

/// Reads the fields of one JSON object, remembering which it used.
class Fields {
public:
  Fields(const json::Object &object, std::string path, std::string &error)
      : object(object), path(std::move(path)), error(error) {}

  const json::Object *child(StringRef key) {
    const json::Value *v = get(key);
    if (!v)
      return nullptr;
    if (const json::Object *o = v->getAsObject())
      return o;
    fail(key, "must be an object");
    return nullptr;
  }
  void number(StringRef key, double &out) {
    if (const json::Value *v = get(key)) {
      if (std::optional<double> d = v->getAsNumber())
        out = *d;
      else
        fail(key, "must be a number");
    }
  }
  void integer(StringRef key, int64_t &out) {
    if (const json::Value *v = get(key)) {
      std::optional<double> d = v->getAsNumber();
      if (std::optional<int64_t> i = v->getAsInteger())
        out = *i;
      else if (d && std::isfinite(*d) && *d == std::floor(*d) &&
               std::fabs(*d) < 9.0e18)
        out = static_cast<int64_t>(*d); // 16e9 written as 1.6e10
      else
        fail(key, "must be an integer");
    }
  }
  void string(StringRef key, std::string &out) {
    if (const json::Value *v = get(key)) {
      if (std::optional<StringRef> s = v->getAsString())
        out = s->str();
      else
        fail(key, "must be a string");
    }
  }
  /// Reports the first field this object has but the format does not.
  void rejectUnknown() {
    if (!error.empty())
      return;
    for (const auto &entry : object)
      if (!used.count(entry.first.str())) {
        error = "unknown field '" + qualified(entry.first) +
                "' (see docs/npu.md for the fields)";
        return;
      }
  }

private:
  const json::Value *get(StringRef key) {
    used.insert(key.str());
    const json::Value *v = object.get(key);
    if (!v)
      fail(key, "is missing");
    return error.empty() ? v : nullptr;
  }
  std::string qualified(StringRef key) const {
    return path.empty() ? key.str() : path + "." + key.str();
  }
  void fail(StringRef key, const char *what) {
    if (error.empty())
      error = "field '" + qualified(key) + "' " + what;
  }

  const json::Object &object;
  std::string path;
  std::string &error;
  std::set<std::string> used;
};

} // namespace

Expected<NpuConfig> parseNpuConfig(StringRef text, StringRef source) {
  auto fail = [&](const Twine &message) {
    return createStringError(inconvertibleErrorCode(),
                             source + ": " + message);
  };
  // LLVM's parser recurses once per nesting level: bound the depth first.
  int depth = 0;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (inString) {
      if (ch == '\\')
        ++i;
      else if (ch == '"')
        inString = false;
    } else if (ch == '"') {
      inString = true;
    } else if ((ch == '{' || ch == '[') && ++depth > 16) {
      return fail("nests objects and arrays deeper than 16 levels");
    } else if (ch == '}' || ch == ']') {
      --depth;
    }
  }
  Expected<json::Value> root = json::parse(text);
  if (!root)
    return fail("not valid JSON: " + toString(root.takeError()));
  const json::Object *top = root->getAsObject();
  if (!top)
    return fail("an NPU configuration is a JSON object");
  NpuConfig c;
  std::string error;
  Fields fields(*top, "", error);
  fields.string("name", c.name);
  fields.number("clock_hz", c.clockHz);
  fields.integer("cores", c.cores);
  fields.integer("sram_bytes", c.sramBytes);
  if (const json::Object *m = fields.child("matrix")) {
    Fields f(*m, "matrix", error);
    f.integer("rows", c.matrixRows);
    f.integer("cols", c.matrixCols);
    f.number("bf16_rate", c.bf16Rate);
    f.number("int4_rate", c.int4Rate);
    f.rejectUnknown();
  }
  if (const json::Object *v = fields.child("vector")) {
    Fields f(*v, "vector", error);
    f.integer("lanes", c.vectorLanes);
    f.rejectUnknown();
  }
  if (const json::Object *d = fields.child("dram")) {
    Fields f(*d, "dram", error);
    f.integer("bytes", c.dramBytes);
    f.number("bandwidth", c.dramBandwidth);
    f.number("latency_ns", c.dramLatencyNs);
    f.rejectUnknown();
  }
  if (const json::Object *h = fields.child("host")) {
    Fields f(*h, "host", error);
    f.number("bandwidth", c.hostBandwidth);
    f.rejectUnknown();
  }
  if (const json::Object *d = fields.child("dma")) {
    Fields f(*d, "dma", error);
    f.integer("bytes_per_cycle", c.dmaBytesPerCycle);
    f.rejectUnknown();
  }
  fields.rejectUnknown();
  if (error.empty())
    error = validateNpuConfig(c);
  if (!error.empty())
    return fail(error);
  return c;
}

Expected<NpuConfig> loadNpuConfig(StringRef nameOrPath) {
  if (nameOrPath == "edge")
    return edgeNpuConfig();
  if (nameOrPath == "server")
    return serverNpuConfig();
  // A configuration is a few hundred bytes; 1 MiB bounds what a wrong path
  // (a log, /dev/zero) can cost.
  std::string text, error;
  if (!readRegularFile(nameOrPath.str(), text, error, 1 << 20))
    return createStringError(inconvertibleErrorCode(),
                             "--npu-config must be edge, server or a JSON "
                             "file; " +
                                 error);
  return parseNpuConfig(text, nameOrPath);
}

} // namespace gaon::npu

//===- OpDesc.h - one kernel call, as the kernels see it -------*- C++ -*-===//
//
// Part of the CPU kernels' public API: what the runtime hands a kernel
// about its op (the op's name, its attributes as the binary carries them,
// its ONNX location). The kernels include nothing of the runtime's
// internals; the runtime builds these from a .gnb's ops.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_TARGETS_CPU_KERNELS_OPDESC_H
#define GAON_TARGETS_CPU_KERNELS_OPDESC_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace gaon::cpu {

/// An attribute's value: integers (and bools), floats, or a string (enums).
struct AttributeDesc {
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::string str;
};

struct OpDesc {
  std::string kind;
  std::vector<uint32_t> inputs, outputs; // tensor ids in the model
  std::map<std::string, AttributeDesc> attributes;
  std::string location;

  /// Attribute accessors with defaults; enums are strings or ints.
  int64_t getInt(const std::string &name, int64_t dflt) const;
  double getFloat(const std::string &name, double dflt) const;
  std::vector<int64_t> getInts(const std::string &name) const;
  std::vector<double> getFloats(const std::string &name) const;
  std::string getString(const std::string &name, const std::string &dflt) const;
  bool has(const std::string &name) const { return attributes.count(name); }
};

} // namespace gaon::cpu

#endif // GAON_TARGETS_CPU_KERNELS_OPDESC_H

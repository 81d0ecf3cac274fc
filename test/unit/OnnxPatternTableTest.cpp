//===- OnnxPatternTableTest.cpp - the conversion table against ONNX -------===//
//
// The onnx-to-graph table is keyed by ONNX schema since-versions. These tests
// hold it to ONNX 1.12's own schema registry: every registered version is a
// real schema of that op, and from the lowest registered version on, no later
// schema (up to opset 17) is missing, so a model can never reach a handler
// written for a different schema.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/OnnxToGraph/OnnxToGraph.h"

#include <gtest/gtest.h>
#include <onnx/defs/schema.h>

#include <set>

namespace {

constexpr int kMaxOpset = 17;

std::pair<std::string, std::string> splitName(const std::string &name) {
  size_t dot = name.rfind('.');
  if (dot == std::string::npos)
    return {"", name};
  return {name.substr(0, dot), name.substr(dot + 1)};
}

/// Since-versions of an op's schemas up to kMaxOpset.
std::set<int64_t> onnxVersions(const std::string &domain,
                               const std::string &op) {
  std::set<int64_t> versions;
  for (int opset = 1; opset <= kMaxOpset; ++opset)
    if (const auto *schema = ::onnx::OpSchemaRegistry::Schema(
            op, opset, domain.empty() ? ::onnx::ONNX_DOMAIN : domain))
      versions.insert(schema->since_version());
  return versions;
}

TEST(OnnxPatternTable, EveryVersionIsARealSchema) {
  for (const auto &[name, versions] : gaon::getOnnxToGraphPatterns().entries()) {
    auto [domain, op] = splitName(name);
    std::set<int64_t> known = onnxVersions(domain, op);
    EXPECT_FALSE(known.empty()) << name << " is not an ONNX operator";
    for (int64_t v : versions)
      EXPECT_TRUE(known.count(v))
          << name << " version " << v << " is not a since-version in ONNX";
  }
}

TEST(OnnxPatternTable, NoLaterSchemaIsMissing) {
  for (const auto &[name, versions] : gaon::getOnnxToGraphPatterns().entries()) {
    auto [domain, op] = splitName(name);
    int64_t lowest = versions.front();
    for (int64_t v : onnxVersions(domain, op)) {
      if (v >= lowest) {
        EXPECT_TRUE(std::count(versions.begin(), versions.end(), v))
            << name << " handles version " << lowest << " but not version "
            << v;
      }
    }
  }
}

TEST(OnnxPatternTable, CoversTheCoreOperators) {
  const auto &table = gaon::getOnnxToGraphPatterns();
  size_t ops = table.entries().size();
  EXPECT_GE(ops, 120u);
  for (const char *op : {"Conv", "MatMul", "Gemm", "Softmax", "LayerNormalization",
                         "Reshape", "Transpose", "Gather", "Resize",
                         "QuantizeLinear", "DequantizeLinear"})
    EXPECT_FALSE(table.versions(op, "").empty()) << op;
}

} // namespace

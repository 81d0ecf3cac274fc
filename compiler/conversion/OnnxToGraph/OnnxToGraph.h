//===- OnnxToGraph.h - the onnx-to-graph conversion table ------*- C++ -*-===//
//
// Each ONNX operator schema (op type, domain, since-version) maps to one
// conversion function, registered in a table in the style of torch-mlir's
// ONNX importer. A new op goes in the populate function of its family:
// Elementwise (unary, binary, comparison, logic), NN (conv, pool, norms,
// softmax, reductions, matmul) or Tensor (shape, data movement, indexing,
// constants) or Quant (QuantizeLinear and the integer and QLinear ops);
// onnxruntime's contrib operators of decoder exports are in Contrib.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_COMPILER_CONVERSION_ONNXTOGRAPH_ONNXTOGRAPH_H
#define GAON_COMPILER_CONVERSION_ONNXTOGRAPH_ONNXTOGRAPH_H

#include "dialects/graph/GraphOps.h"
#include "dialects/onnx/OnnxOps.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"

#include <functional>
#include <map>

namespace gaon {

/// One ONNX node being converted: its operands (already graph values; null
/// for a missing optional input), its attributes, and a builder positioned
/// before it. Entries build graph ops through it and return the node's
/// results; every error goes through `fail` so it names the node.
class OnnxNode {
public:
  OnnxNode(onnx::NodeOp node, mlir::OpBuilder &builder)
      : node(node), builder(builder), loc(node.getLoc()) {}

  onnx::NodeOp node;
  mlir::OpBuilder &builder;
  mlir::Location loc;

  llvm::StringRef opType() { return node.getOpType(); }
  int64_t version() { return node.getSinceVersion(); }
  mlir::MLIRContext *context() { return builder.getContext(); }

  // Inputs ----------------------------------------------------------------
  unsigned numInputs() { return node.getInputs().size(); }
  /// Input i, or null if absent (past the end or an empty ONNX name).
  mlir::Value input(unsigned i);
  mlir::RankedTensorType inputType(unsigned i);
  mlir::Type elementType(unsigned i) {
    return inputType(i).getElementType();
  }
  int64_t rank(unsigned i) { return inputType(i).getRank(); }
  /// Input i's value if it is a compile-time constant.
  mlir::DenseElementsAttr constantInput(unsigned i);
  /// Input i's value; fails (with an error that says how to make it
  /// constant) unless it is a compile-time constant.
  mlir::DenseElementsAttr requireConstant(unsigned i, llvm::StringRef what);
  /// Input i as integers; fails (with an error) unless constant.
  mlir::FailureOr<llvm::SmallVector<int64_t>> constantInts(unsigned i,
                                                           llvm::StringRef what);
  /// Input i as a scalar double; fails (with an error) unless constant.
  mlir::FailureOr<double> constantScalar(unsigned i, llvm::StringRef what);

  // Outputs ---------------------------------------------------------------
  unsigned numOutputs() { return node.getOutputs().size(); }
  bool outputUsed(unsigned i) {
    return i < numOutputs() && !node.getResult(i).use_empty();
  }

  // Attributes ------------------------------------------------------------
  bool hasAttr(llvm::StringRef name) { return (bool)node.getNodeAttr(name); }
  int64_t attrInt(llvm::StringRef name, int64_t dflt);
  float attrFloat(llvm::StringRef name, float dflt);
  std::string attrString(llvm::StringRef name, llvm::StringRef dflt);
  std::optional<llvm::SmallVector<int64_t>> attrInts(llvm::StringRef name);
  std::optional<llvm::SmallVector<float>> attrFloats(llvm::StringRef name);
  mlir::DenseElementsAttr attrTensor(llvm::StringRef name);

  // Errors ----------------------------------------------------------------
  /// Reports why this node cannot be converted; returns failure.
  mlir::InFlightDiagnostic fail();

  // Building --------------------------------------------------------------
  /// Creates op OpTy with inferred result types and folds it; fails if the
  /// operands do not fit (the op's inference already said why).
  template <typename OpTy>
  mlir::FailureOr<mlir::Value>
  make(mlir::ValueRange operands,
       llvm::ArrayRef<mlir::NamedAttribute> attrs = {}) {
    auto op = graph::createInferred<OpTy>(builder, loc, operands, attrs);
    if (mlir::failed(op))
      return mlir::failure();
    return fold(op->getOperation());
  }
  /// Creates op OpTy through one of its generated builders and folds it.
  template <typename OpTy, typename... Args>
  mlir::Value create(Args &&...args) {
    auto op = builder.create<OpTy>(loc, std::forward<Args>(args)...);
    return fold(op.getOperation());
  }
  mlir::NamedAttribute attr(llvm::StringRef name, mlir::Attribute value) {
    return builder.getNamedAttr(name, value);
  }
  mlir::FloatAttr f32(float value) { return builder.getF32FloatAttr(value); }
  mlir::Value constant(mlir::DenseElementsAttr value);
  /// A splat constant of `shape` (default: scalar) and element type.
  mlir::Value splat(mlir::Type element, double value,
                    llvm::ArrayRef<int64_t> shape = {});
  mlir::Value reshape(mlir::Value v, llvm::ArrayRef<int64_t> shape);
  mlir::Value cast(mlir::Value v, mlir::Type element);
  mlir::FailureOr<mlir::Value> transpose(mlir::Value v,
                                         llvm::ArrayRef<int64_t> perm);
  mlir::FailureOr<mlir::Value> reduce(graph::ReduceKind kind, mlir::Value v,
                                      llvm::ArrayRef<int64_t> axes,
                                      bool keepdims);

  /// Normalizes an ONNX axis (negative counts from the end) into
  /// [0, rank); fails with an error naming `what` if out of range.
  mlir::FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank,
                                         llvm::StringRef what = "axis");

private:
  mlir::Value fold(mlir::Operation *op);
};

/// Window attributes of Conv, ConvTranspose and the pools, with auto_pad
/// resolved into explicit pads.
struct Window {
  llvm::SmallVector<int64_t> kernel, strides, dilations, pads;
};
mlir::FailureOr<Window> resolveWindow(OnnxNode &n,
                                      llvm::ArrayRef<int64_t> spatialIn,
                                      llvm::ArrayRef<int64_t> kernel);
/// Fails unless a declared kernel_shape matches the weight's.
mlir::LogicalResult checkKernelShape(OnnxNode &n,
                                     llvm::ArrayRef<int64_t> fromWeight);
/// The graph.conv attributes (strides, dilations, pads, group) of a node
/// shaped like Conv: input 0 the data, input 1 the weight.
mlir::FailureOr<llvm::SmallVector<mlir::NamedAttribute>>
convAttributes(OnnxNode &n);

/// The ONNX node name a location carries (NameLoc), for messages.
std::string onnxNodeName(mlir::Location loc);

/// Converts one node; pushes one value per ONNX output (null for outputs
/// that are absent or unused and not computed).
using OnnxConvertFn = std::function<mlir::LogicalResult(
    OnnxNode &, llvm::SmallVectorImpl<mlir::Value> &)>;

class OnnxPatternTable {
public:
  /// Registers `fn` for op type `opType` at each since-version in
  /// `versions` (of the default domain unless `domain` is given).
  void on(llvm::StringRef opType, std::initializer_list<int64_t> versions,
          OnnxConvertFn fn, llvm::StringRef domain = "");
  /// Registers `fn` for an operator ONNX's schema registry does not define
  /// (onnxruntime's contrib operators, in `com.microsoft` or the default
  /// domain): it has no since-versions, so every opset import reaches it.
  void onExtension(llvm::StringRef opType, OnnxConvertFn fn,
                   llvm::StringRef domain);
  /// The entry for exactly this schema (or the extension operator), or
  /// null.
  const OnnxConvertFn *lookup(llvm::StringRef opType, llvm::StringRef domain,
                              int64_t sinceVersion) const;
  /// The versions registered for an op, for messages and --list-onnx-ops.
  llvm::SmallVector<int64_t> versions(llvm::StringRef opType,
                                      llvm::StringRef domain) const;
  /// Every (domain, op type) of ONNX's own operators with its versions,
  /// sorted.
  std::vector<std::pair<std::string, std::vector<int64_t>>> entries() const;
  /// Every extension operator, as "domain.OpType" (or "OpType"), sorted.
  std::vector<std::string> extensions() const;

private:
  static constexpr int64_t kAnyVersion = 0;
  std::map<std::pair<std::string, std::string>,
           std::map<int64_t, OnnxConvertFn>>
      table;
};

void populateOnnxToGraphElementwisePatterns(OnnxPatternTable &table);
void populateOnnxToGraphNNPatterns(OnnxPatternTable &table);
void populateOnnxToGraphTensorPatterns(OnnxPatternTable &table);
void populateOnnxToGraphQuantPatterns(OnnxPatternTable &table);
/// onnxruntime's contrib operators of decoder exports (onnxruntime-genai):
/// SimplifiedLayerNormalization, SkipSimplifiedLayerNormalization,
/// RotaryEmbedding, GroupQueryAttention, MatMulNBits.
void populateOnnxToGraphContribPatterns(OnnxPatternTable &table);

/// The full table, built once.
const OnnxPatternTable &getOnnxToGraphPatterns();

} // namespace gaon

#endif // GAON_COMPILER_CONVERSION_ONNXTOGRAPH_ONNXTOGRAPH_H

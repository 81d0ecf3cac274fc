//===- GraphOps.cpp - Gaon's typed tensor dialect -------------------------===//

#include "dialects/graph/GraphOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace gaon::graph;

#include "dialects/graph/GraphDialect.cpp.inc"
#include "dialects/graph/GraphEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/graph/GraphAttrs.cpp.inc"

void GraphDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/graph/GraphAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "dialects/graph/GraphOps.cpp.inc"
      >();
}

Operation *GraphDialect::materializeConstant(OpBuilder &builder,
                                             Attribute value, Type type,
                                             Location loc) {
  auto elements = llvm::dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return builder.create<ConstantOp>(loc, elements);
}

//===----------------------------------------------------------------------===//
// Verifiers
//===----------------------------------------------------------------------===//

static LogicalResult verifySameShape(Operation *op, RankedTensorType a,
                                     RankedTensorType b) {
  if (a.getShape() != b.getShape())
    return op->emitOpError("input shape ")
           << a << " differs from result shape " << b;
  return success();
}

static LogicalResult verifySameElementType(Operation *op, RankedTensorType a,
                                           RankedTensorType b) {
  if (a.getElementType() != b.getElementType())
    return op->emitOpError("input element type ")
           << a.getElementType() << " differs from result element type "
           << b.getElementType();
  return success();
}

LogicalResult ClipOp::verify() {
  if (getMin() && getMax() &&
      getMin()->convertToDouble() > getMax()->convertToDouble())
    return emitOpError("min ") << getMin()->convertToDouble()
                               << " exceeds max "
                               << getMax()->convertToDouble();
  return success();
}

LogicalResult ReshapeOp::verify() {
  auto in = getInput().getType(), out = getOutput().getType();
  if (failed(verifySameElementType(*this, in, out)))
    return failure();
  if (in.getNumElements() != out.getNumElements())
    return emitOpError("cannot reshape ")
           << in.getNumElements() << " elements of " << in << " into "
           << out.getNumElements() << " elements of " << out;
  return success();
}

LogicalResult SliceOp::verify() {
  auto in = getInput().getType(), out = getOutput().getType();
  if (failed(verifySameElementType(*this, in, out)))
    return failure();
  int64_t rank = in.getRank();
  if (out.getRank() != rank || (int64_t)getStarts().size() != rank ||
      (int64_t)getSteps().size() != rank)
    return emitOpError("needs one start and one step per axis of rank ")
           << rank << " and a result of the same rank";
  for (int64_t d = 0; d < rank; ++d) {
    int64_t start = getStarts()[d], step = getSteps()[d];
    int64_t n = out.getDimSize(d), size = in.getDimSize(d);
    if (step == 0)
      return emitOpError("step on axis ") << d << " is zero";
    if (n == 0)
      continue;
    int64_t last = start + (n - 1) * step;
    if (start < 0 || start >= size || last < 0 || last >= size)
      return emitOpError("axis ")
             << d << " reads indices " << start << " to " << last
             << ", outside [0, " << size << ")";
  }
  return success();
}

LogicalResult ExpandOp::verify() {
  auto in = getInput().getType(), out = getOutput().getType();
  if (failed(verifySameElementType(*this, in, out)))
    return failure();
  auto shape = broadcastShapes(in.getShape(), out.getShape());
  if (failed(shape) || ArrayRef<int64_t>(*shape) != out.getShape())
    return emitOpError("input ") << in << " does not broadcast to " << out;
  return success();
}

LogicalResult CastOp::verify() {
  return verifySameShape(*this, getInput().getType(), getOutput().getType());
}

LogicalResult ResizeOp::verify() {
  auto in = getInput().getType(), out = getOutput().getType();
  if (failed(verifySameElementType(*this, in, out)))
    return failure();
  if (in.getRank() != out.getRank() ||
      (int64_t)getScales().size() != in.getRank())
    return emitOpError("needs one scale per axis and a result of the input's "
                       "rank ")
           << in.getRank();
  for (double scale : getScales())
    if (!(scale > 0))
      return emitOpError("scales must be positive");
  return success();
}

LogicalResult TriluOp::verify() {
  if (getInput().getType().getRank() < 2)
    return emitOpError("needs rank >= 2");
  return success();
}

LogicalResult OneHotOp::verify() {
  auto idx = getIndices().getType(), out = getOutput().getType();
  int64_t axis = getAxis();
  if (out.getRank() != idx.getRank() + 1 || axis < 0 || axis >= out.getRank())
    return emitOpError("result must add one axis at a position in [0, ")
           << out.getRank() << ")";
  SmallVector<int64_t> rest(out.getShape());
  rest.erase(rest.begin() + axis);
  if (ArrayRef<int64_t>(rest) != idx.getShape())
    return emitOpError("result shape ")
           << out << " does not extend indices " << idx;
  return success();
}

/// Checks that a per-axis quantized type fits a tensor's shape.
static LogicalResult verifyQuantizedFits(Operation *op,
                                         RankedTensorType tensor,
                                         quant::QuantizedType q) {
  if (auto perAxis = llvm::dyn_cast<quant::UniformQuantizedPerAxisType>(q)) {
    int64_t axis = perAxis.getQuantizedDimension();
    if (axis >= tensor.getRank() ||
        (int64_t)perAxis.getScales().size() != tensor.getDimSize(axis))
      return op->emitOpError("per-axis quantization on axis ")
             << axis << " with " << perAxis.getScales().size()
             << " scales does not fit " << tensor;
  }
  return success();
}

LogicalResult QuantizeOp::verify() {
  auto in = getInput().getType(), out = getOutput().getType();
  if (failed(verifySameShape(*this, in, out)))
    return failure();
  auto q = llvm::dyn_cast<quant::QuantizedType>(out.getElementType());
  if (!q)
    return emitOpError("result element type must be a quantized type, got ")
           << out.getElementType();
  if (q.getExpressedType() != in.getElementType())
    return emitOpError("input element type ")
           << in.getElementType() << " differs from the expressed type "
           << q.getExpressedType();
  return verifyQuantizedFits(*this, out, q);
}

LogicalResult DequantizeOp::verify() {
  auto in = getInput().getType(), out = getOutput().getType();
  if (failed(verifySameShape(*this, in, out)))
    return failure();
  auto q = llvm::dyn_cast<quant::QuantizedType>(in.getElementType());
  if (!q)
    return emitOpError("input element type must be a quantized type, got ")
           << in.getElementType();
  if (q.getExpressedType() != out.getElementType())
    return emitOpError("result element type ")
           << out.getElementType() << " differs from the expressed type "
           << q.getExpressedType();
  return verifyQuantizedFits(*this, in, q);
}

LogicalResult StorageCastOp::verify() {
  auto in = getInput().getType(), out = getOutput().getType();
  if (failed(verifySameShape(*this, in, out)))
    return failure();
  auto qIn = llvm::dyn_cast<quant::QuantizedType>(in.getElementType());
  auto qOut = llvm::dyn_cast<quant::QuantizedType>(out.getElementType());
  if ((qIn != nullptr) == (qOut != nullptr))
    return emitOpError("exactly one side must be quantized");
  auto q = qIn ? qIn : qOut;
  auto storage = llvm::dyn_cast<IntegerType>(qIn ? out.getElementType()
                                                 : in.getElementType());
  if (!storage || storage.getWidth() != q.getStorageTypeIntegralWidth() ||
      storage.isUnsigned() == q.isSigned())
    return emitOpError("integer type ")
           << (qIn ? out.getElementType() : in.getElementType())
           << " is not the storage type of " << q;
  return success();
}

#define GET_OP_CLASSES
#include "dialects/graph/GraphOps.cpp.inc"

//===- GraphOps.cpp - Gaon's typed tensor dialect -------------------------===//

#include "dialects/graph/GraphOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

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

LogicalResult PositionRowsOp::verify() {
  auto table = llvm::cast<RankedTensorType>(getTable().getType());
  auto positions = llvm::cast<RankedTensorType>(getPositions().getType());
  auto out = llvm::cast<RankedTensorType>(getOutput().getType());
  if (failed(verifySameElementType(*this, table, out)))
    return failure();
  if (table.getRank() != 2 || positions.getRank() != 1 || out.getRank() != 4 ||
      !out.hasStaticShape() || !table.hasStaticShape() ||
      out.getDimSize(1) != 1 || out.getDimSize(3) != table.getDimSize(1) ||
      out.getDimSize(2) > table.getDimSize(0) ||
      (out.getDimSize(0) != 1 && out.getDimSize(0) != positions.getDimSize(0)))
    return emitOpError("takes a T x R table and B positions to Bt x 1 x S x "
                       "R rows (Bt 1 or B, S at most T), not ")
           << table << " and " << positions << " to " << out;
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

SmallVector<double> gaon::graph::quantScales(Type type) {
  Type e = getElementTypeOrSelf(type);
  if (auto u = llvm::dyn_cast<quant::UniformQuantizedType>(e))
    return {u.getScale()};
  if (auto a = llvm::dyn_cast<quant::UniformQuantizedPerAxisType>(e))
    return SmallVector<double>(a.getScales());
  return {};
}

SmallVector<int64_t> gaon::graph::quantZeroPoints(Type type) {
  Type e = getElementTypeOrSelf(type);
  if (auto u = llvm::dyn_cast<quant::UniformQuantizedType>(e))
    return {u.getZeroPoint()};
  if (auto a = llvm::dyn_cast<quant::UniformQuantizedPerAxisType>(e))
    return SmallVector<int64_t>(a.getZeroPoints());
  return {};
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

/// `t`'s element type if it is quantized per tensor with 8-bit storage.
static quant::UniformQuantizedType perTensor8Bit(RankedTensorType t) {
  auto q = llvm::dyn_cast<quant::UniformQuantizedType>(t.getElementType());
  if (!q || q.getStorageTypeIntegralWidth() != 8)
    return {};
  return q;
}

static LogicalResult verifyClamp(Operation *op, FloatAttr loAttr,
                                 FloatAttr hiAttr) {
  std::optional<double> lo, hi;
  if (loAttr)
    lo = loAttr.getValueAsDouble();
  if (hiAttr)
    hi = hiAttr.getValueAsDouble();
  if ((lo && !std::isfinite(*lo)) || (hi && !std::isfinite(*hi)))
    return op->emitOpError("clamp bounds must be finite");
  if (lo && hi && *lo > *hi)
    return op->emitOpError("clamp_min ") << *lo << " exceeds clamp_max " << *hi;
  return success();
}

LogicalResult RequantizeOp::verify() {
  auto in = getInput().getType(), out = getOutput().getType();
  if (failed(verifySameShape(*this, in, out)))
    return failure();
  auto qIn = llvm::cast<quant::QuantizedType>(in.getElementType());
  if (!llvm::isa<quant::UniformQuantizedType,
                 quant::UniformQuantizedPerAxisType>(qIn))
    return emitOpError("input must be uniformly quantized, got ") << qIn;
  if (failed(verifyQuantizedFits(*this, in, qIn)))
    return failure();
  if (qIn.getStorageTypeIntegralWidth() > 8) {
    // Wider inputs are integer sums, whose zero point is 0 by construction.
    if (qIn.getStorageTypeIntegralWidth() != 32 ||
        llvm::any_of(quantZeroPoints(qIn), [](int64_t z) { return z != 0; }))
      return emitOpError("an input wider than 8 bits must be i32 sums with "
                         "zero point 0, got ")
             << qIn;
  }
  auto qOut = perTensor8Bit(out);
  if (!qOut)
    return emitOpError("result must be quantized per tensor with 8-bit "
                       "storage, got ")
           << out.getElementType();
  if (qOut.getExpressedType() != qIn.getExpressedType())
    return emitOpError("input and result express different types");
  return verifyClamp(*this, getClampMinAttr(), getClampMaxAttr());
}

LogicalResult QuantizeLinearOp::verify() {
  auto in = getInput().getType(), out = getOutput().getType();
  if (failed(verifySameShape(*this, in, out)))
    return failure();
  if (getScale().getType().getElementType() != in.getElementType())
    return emitOpError("scale type ")
           << getScale().getType().getElementType()
           << " differs from the input type " << in.getElementType();
  if (getZeroPoint().getType().getElementType() != out.getElementType())
    return emitOpError("zero point type ")
           << getZeroPoint().getType().getElementType()
           << " differs from the result type " << out.getElementType();
  return success();
}

LogicalResult BlockDequantizeOp::verify() {
  auto in = getInput().getType(), scales = getScales().getType(),
       out = getOutput().getType();
  if (failed(verifySameShape(*this, in, out)))
    return failure();
  int64_t rank = in.getRank(), axis = getAxis(), block = getBlockSize();
  if (axis < 0 || axis >= rank)
    return emitOpError("axis ") << axis << " is outside the input's rank "
                                << rank;
  if (block < 1)
    return emitOpError("block_size must be at least 1, got ") << block;
  if (scales.getElementType() != out.getElementType())
    return emitOpError("scale type ")
           << scales.getElementType() << " differs from the result type "
           << out.getElementType();
  if (scales.getRank() != rank)
    return emitOpError("scales have rank ")
           << scales.getRank() << "; the input's is " << rank;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t size = in.getDimSize(d), expected = size;
    if (d == axis && !ShapedType::isDynamic(size))
      expected = (size + block - 1) / block;
    if (!ShapedType::isDynamic(expected) &&
        !ShapedType::isDynamic(scales.getDimSize(d)) &&
        scales.getDimSize(d) != expected)
      return emitOpError("scales have ")
             << scales.getDimSize(d) << " entries on dimension " << d
             << "; blocks of " << block << " over " << size << " need "
             << expected;
  }
  if (Value zp = getZeroPoints()) {
    auto z = llvm::cast<RankedTensorType>(zp.getType());
    if (z.getShape() != scales.getShape() ||
        z.getElementType() != in.getElementType())
      return emitOpError("zero points must have the scales' shape and the "
                         "input's type");
  }
  return success();
}

LogicalResult QMeanOp::verify() {
  auto in = getInput().getType(), out = getOutput().getType();
  if (!perTensor8Bit(in) || !perTensor8Bit(out))
    return emitOpError("input and result must be quantized per tensor with "
                       "8-bit storage");
  ArrayRef<int64_t> axes = getAxes();
  int64_t rank = in.getRank();
  for (size_t i = 0; i < axes.size(); ++i)
    if (axes[i] < 0 || axes[i] >= rank || (i && axes[i] <= axes[i - 1]))
      return emitOpError("axes must be sorted, unique and within the rank ")
             << rank;
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d) {
    bool reduced = llvm::is_contained(axes, d);
    if (!reduced)
      shape.push_back(in.getDimSize(d));
    else if (getKeepdims())
      shape.push_back(1);
  }
  if (out.getShape() != ArrayRef<int64_t>(shape))
    return emitOpError("result shape ")
           << out << " is not the input's with axes reduced";
  return success();
}

LogicalResult QAddOp::verify() {
  auto lhs = getLhs().getType(), rhs = getRhs().getType(),
       out = getOutput().getType();
  if (failed(verifySameShape(*this, lhs, rhs)) ||
      failed(verifySameShape(*this, lhs, out)))
    return failure();
  auto qa = perTensor8Bit(lhs), qb = perTensor8Bit(rhs), qy = perTensor8Bit(out);
  if (!qa || !qb || !qy)
    return emitOpError("operands and result must be quantized per tensor "
                       "with 8-bit storage");
  if (qa.getExpressedType() != qy.getExpressedType() ||
      qb.getExpressedType() != qy.getExpressedType())
    return emitOpError("operands and result express different types");
  return verifyClamp(*this, getClampMinAttr(), getClampMaxAttr());
}

#define GET_OP_CLASSES
#include "dialects/graph/GraphOps.cpp.inc"

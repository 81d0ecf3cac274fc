//===- OnnxToGraphQuant.cpp - QuantizeLinear and the integer ops ----------===//
//
// ONNX passes quantized tensors around as their storage integers, with the
// scale and zero point as separate inputs. Here those inputs become
// `!quant.uniform` element types: a storage_cast gives the integers their
// meaning, the graph's integer ops (qconv, qmatmul, requantize) compute,
// and a storage_cast hands the integers back. QDQ folding then meets these
// casts and cancels them (docs/dialects/graph.md, "Quantization").
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/OnnxToGraph/OnnxToGraph.h"

#include "mlir/Dialect/Quant/QuantTypes.h"

using namespace mlir;
using namespace gaon::graph;

namespace gaon {
namespace {

using Results = SmallVectorImpl<Value>;

/// Where a quantized type's parameters come from: constant inputs for the
/// scale and zero point (absent: scale 1, zero point 0), and the axis a
/// per-axis type would use, computed only when there is more than one scale
/// or zero point.
struct QuantParams {
  std::optional<unsigned> scale, zeroPoint;
  std::function<FailureOr<int64_t>()> axis;
  StringRef what; // the tensor, for messages
};

FailureOr<quant::QuantizedType> quantTypeOf(OnnxNode &n,
                                            const QuantParams &p,
                                            Type storage, Type expressed) {
  auto storageInt = llvm::dyn_cast<IntegerType>(storage);
  if (!storageInt || storageInt.getWidth() == 1 ||
      storageInt.getWidth() > 32) {
    n.fail() << p.what << ": quantized values must be integers of 2 to 32 "
             << "bits, got " << storage;
    return failure();
  }
  SmallVector<double> scales{1.0};
  bool vectorParams = false;
  if (p.scale && n.input(*p.scale)) {
    DenseElementsAttr scale = n.requireConstant(*p.scale, "scale");
    if (!scale)
      return failure();
    if (!llvm::isa<FloatType>(scale.getElementType())) {
      n.fail() << p.what << ": scale must be floating-point";
      return failure();
    }
    scales.clear();
    for (const APFloat &f : scale.getValues<APFloat>())
      scales.push_back(f.convertToDouble());
    vectorParams |= scales.size() != 1 || scale.getType().getRank() > 1;
  }
  for (double s : scales)
    if (!(s > 0) || !std::isfinite(s)) {
      n.fail() << p.what << ": scales must be positive and finite, got "
               << s;
      return failure();
    }
  bool isSigned = !storageInt.isUnsigned();
  unsigned width = storageInt.getWidth();
  SmallVector<int64_t> zeroPoints(1, 0);
  if (p.zeroPoint && n.input(*p.zeroPoint)) {
    DenseElementsAttr zp = n.requireConstant(*p.zeroPoint, "zero_point");
    if (!zp)
      return failure();
    if (zp.getElementType() != storage) {
      n.fail() << p.what << ": zero_point type " << zp.getElementType()
               << " differs from the quantized type " << storage;
      return failure();
    }
    zeroPoints.clear();
    for (const APInt &v : zp.getValues<APInt>())
      zeroPoints.push_back(isSigned ? v.getSExtValue()
                                    : (int64_t)v.getZExtValue());
    vectorParams |= zeroPoints.size() != 1 || zp.getType().getRank() > 1;
  }
  // One of the two may be a scalar beside a vector of the other.
  if (scales.size() == 1 && zeroPoints.size() > 1)
    scales.assign(zeroPoints.size(), scales[0]);
  if (zeroPoints.size() == 1 && scales.size() > 1)
    zeroPoints.assign(scales.size(), zeroPoints[0]);
  if (zeroPoints.size() != scales.size()) {
    n.fail() << p.what << ": scale and zero_point differ in size";
    return failure();
  }
  int64_t lo = isSigned ? -(int64_t(1) << (width - 1)) : 0;
  int64_t hi = isSigned ? (int64_t(1) << (width - 1)) - 1
                        : (int64_t(1) << width) - 1;
  unsigned flags = isSigned ? quant::QuantizationFlags::Signed : 0;
  Type storageType = IntegerType::get(n.context(), width);
  if (!vectorParams)
    return quant::QuantizedType(quant::UniformQuantizedType::getChecked(
        n.loc, flags, storageType, expressed, scales[0], zeroPoints[0], lo,
        hi));
  auto axis = p.axis ? p.axis() : FailureOr<int64_t>(failure());
  if (!p.axis) {
    n.fail() << p.what << " must be quantized per tensor: its scale and "
             << "zero point must be scalars";
    return failure();
  }
  if (failed(axis))
    return failure();
  return quant::QuantizedType(quant::UniformQuantizedPerAxisType::getChecked(
      n.loc, flags, storageType, expressed, scales, zeroPoints, *axis, lo,
      hi));
}

/// Gives input `i`'s storage integers the quantized type `q`.
Value asQuantized(OnnxNode &n, unsigned i, quant::QuantizedType q) {
  return n.create<StorageCastOp>(
      RankedTensorType::get(n.inputType(i).getShape(), q), n.input(i));
}

/// The storage integers of a quantized value, for ONNX consumers.
Value asStorage(OnnxNode &n, Value v) {
  auto t = llvm::cast<RankedTensorType>(v.getType());
  auto q = llvm::cast<quant::QuantizedType>(t.getElementType());
  Type storage = IntegerType::get(n.context(), q.getStorageTypeIntegralWidth(),
                                  q.isSigned() ? IntegerType::Signless
                                               : IntegerType::Unsigned);
  return n.create<StorageCastOp>(RankedTensorType::get(t.getShape(), storage),
                                 v);
}

/// An axis attribute (QuantizeLinear's `axis`, default 1) normalized to the
/// rank of input `i`.
std::function<FailureOr<int64_t>()> axisAttr(OnnxNode &n, unsigned i) {
  return [&n, i]() {
    return n.normalizeAxis(n.attrInt("axis", 1), n.rank(i));
  };
}
std::function<FailureOr<int64_t>()> fixedAxis(int64_t axis) {
  return [axis]() { return FailureOr<int64_t>(axis); };
}

LogicalResult convertQuantizeLinear(OnnxNode &n, Results &out) {
  auto in = n.inputType(0);
  if (!llvm::isa<FloatType>(in.getElementType()))
    return n.fail() << "only float inputs can be quantized, got "
                    << in.getElementType();
  Type storage = n.input(2) ? n.elementType(2)
                            : n.builder.getIntegerType(8, false);
  if (!n.constantInput(1) && n.rank(1) == 0 && n.input(2) &&
      !n.constantInput(2) && n.rank(2) == 0) {
    // Parameters computed in the graph: no quantized type can hold them.
    if (!storage.isInteger(8))
      return n.fail() << "a zero point computed at run time must be int8 or "
                         "uint8, got "
                      << storage;
    if (n.elementType(1) != in.getElementType())
      return n.fail() << "scale type " << n.elementType(1)
                      << " differs from the input type";
    out.push_back(n.create<QuantizeLinearOp>(
        RankedTensorType::get(in.getShape(), storage), n.input(0), n.input(1),
        n.input(2)));
    return success();
  }
  auto q = quantTypeOf(n, {1, 2, axisAttr(n, 0), "output"}, storage,
                       in.getElementType());
  if (failed(q))
    return failure();
  if (n.elementType(1) != in.getElementType())
    return n.fail() << "scale type " << n.elementType(1)
                    << " differs from the input type";
  Value quantized = n.create<QuantizeOp>(
      RankedTensorType::get(in.getShape(), *q), n.input(0));
  out.push_back(asStorage(n, quantized));
  return success();
}

LogicalResult convertDequantizeLinear(OnnxNode &n, Results &out) {
  auto in = n.inputType(0);
  Type expressed = n.elementType(1);
  auto q = quantTypeOf(n, {1, 2, axisAttr(n, 0), "input"}, in.getElementType(),
                       expressed);
  if (failed(q))
    return failure();
  out.push_back(n.create<DequantizeOp>(
      RankedTensorType::get(in.getShape(), expressed), asQuantized(n, 0, *q)));
  return success();
}

/// The requantization to `y_scale`, `y_zero_point` (inputs `scaleIdx` and
/// scaleIdx + 1) that ends QLinearConv and QLinearMatMul.
LogicalResult requantizeTo(OnnxNode &n, Value sums, unsigned scaleIdx,
                           Results &out) {
  auto sumsType = llvm::cast<RankedTensorType>(sums.getType());
  Type storage = n.input(scaleIdx + 1) ? n.elementType(scaleIdx + 1)
                                       : n.builder.getIntegerType(8, false);
  auto qy = quantTypeOf(n, {scaleIdx, scaleIdx + 1, nullptr, "y"}, storage,
                        n.builder.getF32Type());
  if (failed(qy))
    return failure();
  if (qy->getStorageTypeIntegralWidth() != 8)
    return n.fail() << "y must be 8-bit, got " << storage;
  Value y = n.create<RequantizeOp>(
      RankedTensorType::get(sumsType.getShape(), *qy), sums, FloatAttr(),
      FloatAttr());
  out.push_back(asStorage(n, y));
  return success();
}

/// A conv-shaped integer op: x at input 0, w at input `wIdx`; the quantized
/// types of both; returns the int32 sums (graph.qconv).
FailureOr<Value> integerConv(OnnxNode &n, const QuantParams &x,
                             const QuantParams &w, unsigned wIdx,
                             std::optional<unsigned> biasIdx) {
  Type f32 = n.builder.getF32Type();
  auto qx = quantTypeOf(n, x, n.elementType(0), f32);
  auto qw = quantTypeOf(n, w, n.elementType(wIdx), f32);
  if (failed(qx) || failed(qw))
    return failure();
  if (n.rank(0) < 3 || n.rank(wIdx) != n.rank(0))
    return n.fail() << "x and w need the same rank >= 3, got "
                    << n.inputType(0) << " and " << n.inputType(wIdx);
  auto kernel = n.inputType(wIdx).getShape().drop_front(2);
  if (failed(checkKernelShape(n, kernel)))
    return failure();
  auto win = resolveWindow(n, n.inputType(0).getShape().drop_front(2), kernel);
  if (failed(win))
    return failure();
  SmallVector<Value> operands{asQuantized(n, 0, *qx),
                              asQuantized(n, wIdx, *qw)};
  if (biasIdx && n.input(*biasIdx))
    operands.push_back(n.input(*biasIdx));
  return n.make<QConvOp>(
      operands,
      {n.attr("strides", n.builder.getDenseI64ArrayAttr(win->strides)),
       n.attr("dilations", n.builder.getDenseI64ArrayAttr(win->dilations)),
       n.attr("pads", n.builder.getDenseI64ArrayAttr(win->pads)),
       n.attr("group", n.builder.getI64IntegerAttr(n.attrInt("group", 1)))});
}

FailureOr<Value> integerMatMul(OnnxNode &n, const QuantParams &a,
                               const QuantParams &b, unsigned bIdx) {
  Type f32 = n.builder.getF32Type();
  auto qa = quantTypeOf(n, a, n.elementType(0), f32);
  auto qb = quantTypeOf(n, b, n.elementType(bIdx), f32);
  if (failed(qa) || failed(qb))
    return failure();
  return n.make<QMatMulOp>(
      ValueRange{asQuantized(n, 0, *qa), asQuantized(n, bIdx, *qb)});
}

/// b's per-column parameters sit on its last axis.
std::function<FailureOr<int64_t>()> lastAxis(OnnxNode &n, unsigned i) {
  return [&n, i]() -> FailureOr<int64_t> {
    if (n.rank(i) < 2) {
      n.fail() << "per-column quantization needs b of rank >= 2";
      return failure();
    }
    return n.rank(i) - 1;
  };
}

LogicalResult convertQLinearConv(OnnxNode &n, Results &out) {
  auto sums = integerConv(n, {1, 2, nullptr, "x"}, {4, 5, fixedAxis(0), "w"},
                          3, 8);
  if (failed(sums))
    return failure();
  return requantizeTo(n, *sums, 6, out);
}

LogicalResult convertConvInteger(OnnxNode &n, Results &out) {
  auto sums = integerConv(n, {std::nullopt, 2, nullptr, "x"},
                          {std::nullopt, 3, fixedAxis(0), "w"}, 1,
                          std::nullopt);
  if (failed(sums))
    return failure();
  out.push_back(asStorage(n, *sums));
  return success();
}

LogicalResult convertQLinearMatMul(OnnxNode &n, Results &out) {
  auto sums = integerMatMul(n, {1, 2, nullptr, "a"},
                            {4, 5, lastAxis(n, 3), "b"}, 3);
  if (failed(sums))
    return failure();
  return requantizeTo(n, *sums, 6, out);
}

LogicalResult convertMatMulInteger(OnnxNode &n, Results &out) {
  auto sums = integerMatMul(n, {std::nullopt, 2, nullptr, "a"},
                            {std::nullopt, 3, lastAxis(n, 1), "b"}, 1);
  if (failed(sums))
    return failure();
  out.push_back(asStorage(n, *sums));
  return success();
}

LogicalResult convertDynamicQuantizeLinear(OnnxNode &n, Results &out) {
  if (!n.elementType(0).isF32())
    return n.fail() << "x must be f32, got " << n.elementType(0);
  auto op = graph::createInferred<DynamicQuantizeOp>(n.builder, n.loc,
                                                     ValueRange{n.input(0)});
  if (failed(op))
    return failure();
  for (Value v : op->getResults())
    out.push_back(v);
  return success();
}

} // namespace

void populateOnnxToGraphQuantPatterns(OnnxPatternTable &t) {
  t.on("QuantizeLinear", {10, 13}, convertQuantizeLinear);
  t.on("DequantizeLinear", {10, 13}, convertDequantizeLinear);
  t.on("QLinearConv", {10}, convertQLinearConv);
  t.on("ConvInteger", {10}, convertConvInteger);
  t.on("QLinearMatMul", {10}, convertQLinearMatMul);
  t.on("MatMulInteger", {10}, convertMatMulInteger);
  t.on("DynamicQuantizeLinear", {11}, convertDynamicQuantizeLinear);
}

} // namespace gaon

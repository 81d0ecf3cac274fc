//===- GraphShapes.cpp - result type inference for graph ops --------------===//
//
// Every check an op's verifier needs about its operands lives here: the
// verifier runs inference and compares, so one message serves the builder,
// the parser and the verifier alike.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/GraphOps.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/TypeUtilities.h"

#include <limits>

using namespace mlir;
using namespace gaon::graph;

using Types = SmallVectorImpl<Type>;
using OptLoc = std::optional<Location>;

namespace {

/// No axis may exceed this; it keeps every size computation below away
/// from int64 overflow (a tensor this large could not exist anyway).
constexpr int64_t kMaxDimSize = int64_t(1) << 40;

RankedTensorType ranked(Value v) {
  return llvm::cast<RankedTensorType>(v.getType());
}

RankedTensorType withShape(RankedTensorType t, ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, t.getElementType());
}

LogicalResult checkAxis(OptLoc loc, int64_t axis, int64_t rank,
                        StringRef what = "axis") {
  if (axis < 0 || axis >= rank)
    return emitOptionalError(loc, what, " ", axis,
                             " is out of range for rank ", rank,
                             " (graph axes are normalized to [0, rank))");
  return success();
}

LogicalResult checkSameElementType(OptLoc loc, Type a, Type b,
                                   StringRef what) {
  if (getElementTypeOrSelf(a) != getElementTypeOrSelf(b))
    return emitOptionalError(loc, what, " element types differ: ",
                             getElementTypeOrSelf(a), " vs ",
                             getElementTypeOrSelf(b));
  return success();
}

/// Output size of a sliding window along one axis, as ONNX and PyTorch define
/// it (including the ceil-mode rule that drops a window starting in padding).
int64_t windowOutputSize(int64_t in, int64_t kernel, int64_t stride,
                         int64_t dilation, int64_t padBegin, int64_t padEnd,
                         bool ceilMode) {
  int64_t span = (kernel - 1) * dilation + 1;
  int64_t numerator = in + padBegin + padEnd - span;
  if (numerator < 0)
    return 0;
  if (!ceilMode)
    return numerator / stride + 1;
  int64_t out = (numerator + stride - 1) / stride + 1;
  if ((out - 1) * stride >= in + padBegin)
    --out;
  return out;
}

LogicalResult checkWindowAttrs(OptLoc loc, int64_t spatial,
                               ArrayRef<int64_t> strides,
                               ArrayRef<int64_t> dilations,
                               ArrayRef<int64_t> pads) {
  if ((int64_t)strides.size() != spatial ||
      (int64_t)dilations.size() != spatial ||
      (int64_t)pads.size() != 2 * spatial)
    return emitOptionalError(loc, "expects ", spatial, " strides, ", spatial,
                             " dilations and ", 2 * spatial,
                             " pads for ", spatial,
                             " spatial axes; got ", strides.size(), ", ",
                             dilations.size(), " and ", pads.size());
  for (int64_t i = 0; i < spatial; ++i) {
    if (strides[i] < 1 || dilations[i] < 1)
      return emitOptionalError(loc, "strides and dilations must be >= 1");
    if (pads[i] < 0 || pads[i + spatial] < 0)
      return emitOptionalError(loc, "pads must be >= 0");
    if (strides[i] > kMaxDimSize || dilations[i] > kMaxDimSize ||
        pads[i] > kMaxDimSize || pads[i + spatial] > kMaxDimSize)
      return emitOptionalError(loc, "window attributes are too large");
  }
  return success();
}

template <typename Adaptor>
LogicalResult inferBinary(OptLoc loc, Adaptor adaptor, Types &types,
                          Type resultElement, bool sameElementType) {
  auto lhs = ranked(adaptor.getLhs()), rhs = ranked(adaptor.getRhs());
  if (sameElementType &&
      failed(checkSameElementType(loc, lhs, rhs, "operand")))
    return failure();
  auto shape = broadcastShapes(lhs.getShape(), rhs.getShape());
  if (failed(shape))
    return emitOptionalError(loc, "operand shapes ", lhs, " and ", rhs,
                             " do not broadcast");
  types.push_back(RankedTensorType::get(
      *shape, resultElement ? resultElement : lhs.getElementType()));
  return success();
}

} // namespace

FailureOr<SmallVector<int64_t>>
gaon::graph::broadcastShapes(ArrayRef<int64_t> lhs, ArrayRef<int64_t> rhs) {
  size_t rank = std::max(lhs.size(), rhs.size());
  SmallVector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t a = i < rank - lhs.size() ? 1 : lhs[i - (rank - lhs.size())];
    int64_t b = i < rank - rhs.size() ? 1 : rhs[i - (rank - rhs.size())];
    if (a != b && a != 1 && b != 1)
      return failure();
    out[i] = a == 1 ? b : a;
  }
  return out;
}

LogicalResult ConstantOp::inferReturnTypes(MLIRContext *, OptLoc,
                                           Adaptor adaptor, Types &types) {
  types.push_back(adaptor.getValue().getType());
  return success();
}

#define GAON_BINARY_INFER(OP, RESULT_ELEMENT, SAME)                            \
  LogicalResult OP::inferReturnTypes(MLIRContext *ctx, OptLoc loc,             \
                                     Adaptor adaptor, Types &types) {          \
    (void)ctx;                                                                 \
    return inferBinary(loc, adaptor, types, RESULT_ELEMENT, SAME);             \
  }

GAON_BINARY_INFER(AddOp, Type(), true)
GAON_BINARY_INFER(SubOp, Type(), true)
GAON_BINARY_INFER(MulOp, Type(), true)
GAON_BINARY_INFER(DivOp, Type(), true)
GAON_BINARY_INFER(PowOp, Type(), false)
GAON_BINARY_INFER(MaxOp, Type(), true)
GAON_BINARY_INFER(MinOp, Type(), true)
GAON_BINARY_INFER(ModOp, Type(), true)
GAON_BINARY_INFER(AndOp, Type(), true)
GAON_BINARY_INFER(OrOp, Type(), true)
GAON_BINARY_INFER(XorOp, Type(), true)
GAON_BINARY_INFER(BitShiftOp, Type(), true)
GAON_BINARY_INFER(EqualOp, IntegerType::get(ctx, 1), true)
GAON_BINARY_INFER(LessOp, IntegerType::get(ctx, 1), true)
GAON_BINARY_INFER(LessEqualOp, IntegerType::get(ctx, 1), true)
GAON_BINARY_INFER(GreaterOp, IntegerType::get(ctx, 1), true)
GAON_BINARY_INFER(GreaterEqualOp, IntegerType::get(ctx, 1), true)
#undef GAON_BINARY_INFER

LogicalResult PReluOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                        Adaptor adaptor, Types &types) {
  if (failed(inferBinary(loc, adaptor, types, Type(), true)))
    return failure();
  // The slope broadcasts to the input, never the other way round.
  if (types.back() != adaptor.getLhs().getType())
    return emitOptionalError(loc, "slope shape ", adaptor.getRhs().getType(),
                             " must broadcast to the input shape ",
                             adaptor.getLhs().getType());
  return success();
}

LogicalResult SelectOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                         Adaptor adaptor, Types &types) {
  auto c = ranked(adaptor.getCondition());
  auto t = ranked(adaptor.getOnTrue()), f = ranked(adaptor.getOnFalse());
  if (failed(checkSameElementType(loc, t, f, "branch")))
    return failure();
  auto shape = broadcastShapes(c.getShape(), t.getShape());
  if (succeeded(shape))
    shape = broadcastShapes(*shape, f.getShape());
  if (failed(shape))
    return emitOptionalError(loc, "shapes ", c, ", ", t, " and ", f,
                             " do not broadcast");
  types.push_back(withShape(t, *shape));
  return success();
}

/// The result shape of numpy.matmul on `lhs` and `rhs`, checked.
static FailureOr<SmallVector<int64_t>>
matmulShape(OptLoc loc, RankedTensorType lhs, RankedTensorType rhs) {
  if (lhs.getRank() < 1 || rhs.getRank() < 1)
    return emitOptionalError(loc, "operands must have rank >= 1");
  SmallVector<int64_t> a(lhs.getShape()), b(rhs.getShape());
  bool lhsVector = a.size() == 1, rhsVector = b.size() == 1;
  if (lhsVector)
    a.insert(a.begin(), 1);
  if (rhsVector)
    b.push_back(1);
  int64_t m = a[a.size() - 2], k = a.back(), k2 = b[b.size() - 2],
          n = b.back();
  if (k != k2)
    return emitOptionalError(loc, "contracting dimensions differ: lhs ", lhs,
                             " has ", k, ", rhs ", rhs, " has ", k2);
  auto batch = broadcastShapes(ArrayRef<int64_t>(a).drop_back(2),
                               ArrayRef<int64_t>(b).drop_back(2));
  if (failed(batch))
    return emitOptionalError(loc, "batch dimensions of ", lhs, " and ", rhs,
                             " do not broadcast");
  SmallVector<int64_t> out(*batch);
  if (!lhsVector)
    out.push_back(m);
  if (!rhsVector)
    out.push_back(n);
  return out;
}

LogicalResult MatMulOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                         Adaptor adaptor, Types &types) {
  auto lhs = ranked(adaptor.getLhs()), rhs = ranked(adaptor.getRhs());
  if (failed(checkSameElementType(loc, lhs, rhs, "operand")))
    return failure();
  auto out = matmulShape(loc, lhs, rhs);
  if (failed(out))
    return failure();
  types.push_back(withShape(lhs, *out));
  return success();
}

/// The result shape of a convolution, checked.
template <typename Adaptor>
static FailureOr<SmallVector<int64_t>>
convShape(OptLoc loc, Adaptor adaptor) {
  auto in = ranked(adaptor.getInput()), w = ranked(adaptor.getWeight());
  int64_t rank = in.getRank();
  if (rank < 3 || w.getRank() != rank)
    return emitOptionalError(loc, "input and weight must have the same rank "
                                  ">= 3 (N, C, spatial...); got ",
                             in, " and ", w);
  int64_t spatial = rank - 2, group = adaptor.getGroup();
  if (failed(checkWindowAttrs(loc, spatial, adaptor.getStrides(),
                              adaptor.getDilations(), adaptor.getPads())))
    return failure();
  int64_t channels = in.getDimSize(1), filters = w.getDimSize(0);
  if (group < 1 || channels % group != 0 || filters % group != 0)
    return emitOptionalError(loc, "group ", group,
                             " must divide input channels ", channels,
                             " and filters ", filters);
  if (w.getDimSize(1) != channels / group)
    return emitOptionalError(loc, "weight has ", w.getDimSize(1),
                             " channels per group, expected ",
                             channels / group);
  if (Value bias = adaptor.getBias()) {
    auto b = ranked(bias);
    if (b.getRank() != 1 || b.getDimSize(0) != filters)
      return emitOptionalError(loc, "bias must be 1-D of size ", filters,
                               ", got ", b);
  }
  SmallVector<int64_t> out{in.getDimSize(0), filters};
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t size = windowOutputSize(
        in.getDimSize(i + 2), w.getDimSize(i + 2), adaptor.getStrides()[i],
        adaptor.getDilations()[i], adaptor.getPads()[i],
        adaptor.getPads()[i + spatial], false);
    if (size < 1)
      return emitOptionalError(loc, "kernel is larger than the padded input "
                                    "on spatial axis ",
                               i);
    out.push_back(size);
  }
  return out;
}

LogicalResult ConvOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                       Adaptor adaptor, Types &types) {
  auto in = ranked(adaptor.getInput()), w = ranked(adaptor.getWeight());
  if (failed(checkSameElementType(loc, in, w, "input and weight")))
    return failure();
  auto out = convShape(loc, adaptor);
  if (failed(out))
    return failure();
  types.push_back(withShape(in, *out));
  return success();
}

//===----------------------------------------------------------------------===//
// Integer ops on quantized tensors
//===----------------------------------------------------------------------===//

/// The uniform quantized element type of an integer op's operand: storage
/// of at most 8 bits, per tensor, or per axis on `channelAxis` when that is
/// given.
static FailureOr<quant::QuantizedType>
quantOperand(OptLoc loc, RankedTensorType t, StringRef what,
             std::optional<int64_t> channelAxis) {
  auto q = llvm::dyn_cast<quant::QuantizedType>(t.getElementType());
  if (!q || q.getStorageTypeIntegralWidth() > 8)
    return emitOptionalError(loc, what,
                             " must be quantized with storage of at most 8 "
                             "bits, got ",
                             t.getElementType());
  if (llvm::isa<quant::UniformQuantizedType>(q))
    return q;
  auto perAxis = llvm::dyn_cast<quant::UniformQuantizedPerAxisType>(q);
  if (!perAxis)
    return emitOptionalError(loc, what, " must be uniformly quantized, got ",
                             q);
  if (!channelAxis || perAxis.getQuantizedDimension() != *channelAxis)
    return emitOptionalError(
        loc, what, " may only be quantized per tensor",
        channelAxis ? " or per axis " + std::to_string(*channelAxis) : "",
        ", got ", q);
  if ((int64_t)perAxis.getScales().size() != t.getDimSize(*channelAxis))
    return emitOptionalError(loc, what, ": ", perAxis.getScales().size(),
                             " scales do not fit ", t);
  return q;
}

/// The int32-sum type of x (per tensor) times w: zero point 0 and scale
/// sx * sw, per axis `resultAxis` when w is per axis.
static Type accumulatorType(quant::QuantizedType x, quant::QuantizedType w,
                            int64_t resultAxis) {
  MLIRContext *ctx = x.getContext();
  auto i32 = IntegerType::get(ctx, 32);
  Type expressed = x.getExpressedType();
  int64_t lo = std::numeric_limits<int32_t>::min(),
          hi = std::numeric_limits<int32_t>::max();
  double sx = llvm::cast<quant::UniformQuantizedType>(x).getScale();
  if (auto perAxis = llvm::dyn_cast<quant::UniformQuantizedPerAxisType>(w)) {
    SmallVector<double> scales;
    for (double sw : perAxis.getScales())
      scales.push_back(sx * sw);
    SmallVector<int64_t> zeros(scales.size(), 0);
    return quant::UniformQuantizedPerAxisType::get(
        quant::QuantizationFlags::Signed, i32, expressed, scales, zeros,
        resultAxis, lo, hi);
  }
  double sw = llvm::cast<quant::UniformQuantizedType>(w).getScale();
  return quant::UniformQuantizedType::get(quant::QuantizationFlags::Signed,
                                          i32, expressed, sx * sw, 0, lo, hi);
}

static LogicalResult checkBias(OptLoc loc, Value bias, int64_t size) {
  if (!bias)
    return success();
  auto b = ranked(bias);
  if (!b.getElementType().isSignlessInteger(32) || b.getRank() != 1 ||
      b.getDimSize(0) != size)
    return emitOptionalError(loc, "bias must be i32 of shape [", size,
                             "], got ", b);
  return success();
}

LogicalResult QConvOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                        Adaptor adaptor, Types &types) {
  auto in = ranked(adaptor.getInput()), w = ranked(adaptor.getWeight());
  auto qx = quantOperand(loc, in, "input", std::nullopt);
  if (failed(qx))
    return failure();
  auto qw = quantOperand(loc, w, "weight", 0);
  if (failed(qw) || failed(checkBias(loc, adaptor.getBias(), w.getDimSize(0))))
    return failure();
  if (qx->getExpressedType() != qw->getExpressedType())
    return emitOptionalError(loc, "input and weight express different types");
  auto out = convShape(loc, adaptor);
  if (failed(out))
    return failure();
  types.push_back(
      RankedTensorType::get(*out, accumulatorType(*qx, *qw, /*axis=*/1)));
  return success();
}

LogicalResult QMatMulOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                          Adaptor adaptor, Types &types) {
  auto lhs = ranked(adaptor.getLhs()), rhs = ranked(adaptor.getRhs());
  auto qa = quantOperand(loc, lhs, "lhs", std::nullopt);
  if (failed(qa))
    return failure();
  std::optional<int64_t> column;
  if (rhs.getRank() >= 2)
    column = rhs.getRank() - 1;
  auto qb = quantOperand(loc, rhs, "rhs", column);
  if (failed(qb))
    return failure();
  if (qa->getExpressedType() != qb->getExpressedType())
    return emitOptionalError(loc, "lhs and rhs express different types");
  auto out = matmulShape(loc, lhs, rhs);
  if (failed(out))
    return failure();
  if (failed(checkBias(loc, adaptor.getBias(), rhs.getShape().back())))
    return failure();
  if (rhs.getRank() == 1 && adaptor.getBias())
    return emitOptionalError(loc, "a bias needs a rhs of rank >= 2");
  types.push_back(RankedTensorType::get(
      *out, accumulatorType(*qa, *qb, (int64_t)out->size() - 1)));
  return success();
}

LogicalResult DynamicQuantizeOp::inferReturnTypes(MLIRContext *ctx, OptLoc,
                                                  Adaptor adaptor,
                                                  Types &types) {
  auto in = ranked(adaptor.getInput());
  auto u8 = IntegerType::get(ctx, 8, IntegerType::Unsigned);
  types.push_back(RankedTensorType::get(in.getShape(), u8));
  types.push_back(RankedTensorType::get({}, Float32Type::get(ctx)));
  types.push_back(RankedTensorType::get({}, u8));
  return success();
}

LogicalResult ConvTransposeOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                                Adaptor adaptor,
                                                Types &types) {
  auto in = ranked(adaptor.getInput()), w = ranked(adaptor.getWeight());
  if (failed(checkSameElementType(loc, in, w, "input and weight")))
    return failure();
  int64_t rank = in.getRank();
  if (rank < 3 || w.getRank() != rank)
    return emitOptionalError(loc, "input and weight must have the same rank "
                                  ">= 3; got ",
                             in, " and ", w);
  int64_t spatial = rank - 2, group = adaptor.getGroup();
  if (failed(checkWindowAttrs(loc, spatial, adaptor.getStrides(),
                              adaptor.getDilations(), adaptor.getPads())))
    return failure();
  if ((int64_t)adaptor.getOutputPadding().size() != spatial)
    return emitOptionalError(loc, "expects ", spatial, " output_padding");
  for (int64_t p : adaptor.getOutputPadding())
    if (p < 0 || p > kMaxDimSize)
      return emitOptionalError(loc, "output_padding must be in [0, 2^40]");
  int64_t channels = in.getDimSize(1);
  if (group < 1 || channels % group != 0 || w.getDimSize(0) != channels)
    return emitOptionalError(loc, "weight must have ", channels,
                             " input channels divisible by group ", group);
  int64_t filters = w.getDimSize(1) * group;
  if (Value bias = adaptor.getBias()) {
    auto b = ranked(bias);
    if (b.getRank() != 1 || b.getDimSize(0) != filters)
      return emitOptionalError(loc, "bias must be 1-D of size ", filters);
  }
  SmallVector<int64_t> out{in.getDimSize(0), filters};
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t size = (in.getDimSize(i + 2) - 1) * adaptor.getStrides()[i] +
                   (w.getDimSize(i + 2) - 1) * adaptor.getDilations()[i] + 1 -
                   adaptor.getPads()[i] - adaptor.getPads()[i + spatial] +
                   adaptor.getOutputPadding()[i];
    if (size < 1)
      return emitOptionalError(loc, "output size on spatial axis ", i,
                               " would be ", size);
    out.push_back(size);
  }
  types.push_back(withShape(in, out));
  return success();
}

template <typename Adaptor>
static LogicalResult inferPool(OptLoc loc, Adaptor adaptor, Types &types) {
  auto in = ranked(adaptor.getInput());
  int64_t spatial = in.getRank() - 2;
  if (spatial < 1)
    return emitOptionalError(loc, "input must have rank >= 3 (N, C, "
                                  "spatial...), got ",
                             in);
  ArrayRef<int64_t> kernel = adaptor.getKernelShape();
  if ((int64_t)kernel.size() != spatial)
    return emitOptionalError(loc, "expects ", spatial,
                             " kernel sizes, got ", kernel.size());
  if (failed(checkWindowAttrs(loc, spatial, adaptor.getStrides(),
                              adaptor.getDilations(), adaptor.getPads())))
    return failure();
  SmallVector<int64_t> out{in.getDimSize(0), in.getDimSize(1)};
  for (int64_t i = 0; i < spatial; ++i) {
    if (kernel[i] < 1 || kernel[i] > kMaxDimSize)
      return emitOptionalError(loc, "kernel sizes must be in [1, 2^40]");
    int64_t size = windowOutputSize(
        in.getDimSize(i + 2), kernel[i], adaptor.getStrides()[i],
        adaptor.getDilations()[i], adaptor.getPads()[i],
        adaptor.getPads()[i + spatial], adaptor.getCeilMode());
    if (size < 1)
      return emitOptionalError(loc, "window is larger than the padded input "
                                    "on spatial axis ",
                               i);
    out.push_back(size);
  }
  types.push_back(withShape(in, out));
  return success();
}

LogicalResult MaxPoolOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                          Adaptor adaptor, Types &types) {
  return inferPool(loc, adaptor, types);
}
LogicalResult AvgPoolOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                          Adaptor adaptor, Types &types) {
  return inferPool(loc, adaptor, types);
}

LogicalResult ReduceOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                         Adaptor adaptor, Types &types) {
  auto in = ranked(adaptor.getInput());
  ArrayRef<int64_t> axes = adaptor.getAxes();
  for (size_t i = 0; i < axes.size(); ++i) {
    if (failed(checkAxis(loc, axes[i], in.getRank())))
      return failure();
    if (i > 0 && axes[i] <= axes[i - 1])
      return emitOptionalError(loc, "axes must be sorted and unique");
  }
  SmallVector<int64_t> out;
  for (int64_t d = 0; d < in.getRank(); ++d) {
    if (!llvm::is_contained(axes, d))
      out.push_back(in.getDimSize(d));
    else if (adaptor.getKeepdims())
      out.push_back(1);
  }
  types.push_back(withShape(in, out));
  return success();
}

template <typename Adaptor>
static LogicalResult inferArgReduce(MLIRContext *ctx, OptLoc loc,
                                    Adaptor adaptor, Types &types) {
  auto in = ranked(adaptor.getInput());
  int64_t axis = adaptor.getAxis();
  if (failed(checkAxis(loc, axis, in.getRank())))
    return failure();
  SmallVector<int64_t> out(in.getShape());
  if (adaptor.getKeepdims())
    out[axis] = 1;
  else
    out.erase(out.begin() + axis);
  types.push_back(RankedTensorType::get(out, IntegerType::get(ctx, 64)));
  return success();
}
LogicalResult ArgMaxOp::inferReturnTypes(MLIRContext *ctx, OptLoc loc,
                                         Adaptor adaptor, Types &types) {
  return inferArgReduce(ctx, loc, adaptor, types);
}
LogicalResult ArgMinOp::inferReturnTypes(MLIRContext *ctx, OptLoc loc,
                                         Adaptor adaptor, Types &types) {
  return inferArgReduce(ctx, loc, adaptor, types);
}

template <typename Adaptor>
static LogicalResult inferAxisOp(OptLoc loc, Adaptor adaptor, Types &types) {
  auto in = ranked(adaptor.getInput());
  if (failed(checkAxis(loc, adaptor.getAxis(), in.getRank())))
    return failure();
  types.push_back(in);
  return success();
}
LogicalResult SoftmaxOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                          Adaptor adaptor, Types &types) {
  return inferAxisOp(loc, adaptor, types);
}
LogicalResult LogSoftmaxOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                             Adaptor adaptor, Types &types) {
  return inferAxisOp(loc, adaptor, types);
}
LogicalResult HardmaxOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                          Adaptor adaptor, Types &types) {
  return inferAxisOp(loc, adaptor, types);
}
LogicalResult CumSumOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                         Adaptor adaptor, Types &types) {
  return inferAxisOp(loc, adaptor, types);
}

static LogicalResult checkPerChannel(OptLoc loc, RankedTensorType in,
                                     ValueRange params, int64_t minRank) {
  if (in.getRank() < minRank)
    return emitOptionalError(loc, "input must have rank >= ", minRank,
                             ", got ", in);
  int64_t channels = in.getDimSize(1);
  for (Value p : params) {
    auto t = ranked(p);
    if (t.getRank() != 1 || t.getDimSize(0) != channels)
      return emitOptionalError(loc, "per-channel operand ", t,
                               " must be 1-D of size ", channels);
    if (failed(checkSameElementType(loc, in, t, "input and parameter")))
      return failure();
  }
  return success();
}

LogicalResult BatchNormOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                            Adaptor adaptor, Types &types) {
  auto in = ranked(adaptor.getInput());
  if (failed(checkPerChannel(loc, in,
                             {adaptor.getScale(), adaptor.getBias(),
                              adaptor.getMean(), adaptor.getVariance()},
                             2)))
    return failure();
  types.push_back(in);
  return success();
}

LogicalResult InstanceNormOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                               Adaptor adaptor, Types &types) {
  auto in = ranked(adaptor.getInput());
  if (failed(checkPerChannel(loc, in, {adaptor.getScale(), adaptor.getBias()},
                             3)))
    return failure();
  types.push_back(in);
  return success();
}

static LogicalResult checkNormParams(OptLoc loc, RankedTensorType in,
                                     int64_t axis, ValueRange params) {
  if (failed(checkAxis(loc, axis, in.getRank())))
    return failure();
  ArrayRef<int64_t> normalized = in.getShape().drop_front(axis);
  for (Value p : params) {
    auto t = ranked(p);
    auto shape = broadcastShapes(normalized, t.getShape());
    if (failed(shape) || ArrayRef<int64_t>(*shape) != normalized)
      return emitOptionalError(loc, "parameter ", t,
                               " does not broadcast to the normalized shape");
    if (failed(checkSameElementType(loc, in, t, "input and parameter")))
      return failure();
  }
  return success();
}

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                            Adaptor adaptor, Types &types) {
  auto in = ranked(adaptor.getInput());
  SmallVector<Value> params{adaptor.getScale()};
  if (adaptor.getBias())
    params.push_back(adaptor.getBias());
  if (failed(checkNormParams(loc, in, adaptor.getAxis(), params)))
    return failure();
  types.push_back(in);
  return success();
}

LogicalResult RmsNormOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                          Adaptor adaptor, Types &types) {
  auto in = ranked(adaptor.getInput());
  if (failed(checkNormParams(loc, in, adaptor.getAxis(), adaptor.getScale())))
    return failure();
  types.push_back(in);
  return success();
}

/// Fails unless `operand` broadcasts to `target` (not merely with it).
static LogicalResult checkBroadcastsTo(OptLoc loc, RankedTensorType operand,
                                       ArrayRef<int64_t> target,
                                       StringRef what, StringRef into) {
  auto shape = broadcastShapes(target, operand.getShape());
  if (failed(shape) || ArrayRef<int64_t>(*shape) != target)
    return emitOptionalError(loc, what, " ", operand,
                             " does not broadcast to ", into, " [",
                             target, "]");
  return success();
}

LogicalResult RotaryEmbeddingOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                                  Adaptor adaptor,
                                                  Types &types) {
  auto in = ranked(adaptor.getInput());
  auto cos = ranked(adaptor.getCos()), sin = ranked(adaptor.getSin());
  if (in.getRank() < 1 || cos.getRank() < 1)
    return emitOptionalError(loc, "input and cos must have rank >= 1");
  if (cos.getShape() != sin.getShape())
    return emitOptionalError(loc, "cos ", cos, " and sin ", sin,
                             " must have the same shape");
  if (failed(checkSameElementType(loc, in, cos, "input and cos")) ||
      failed(checkSameElementType(loc, in, sin, "input and sin")))
    return failure();
  int64_t rotary = cos.getShape().back(), width = in.getShape().back();
  if (rotary < 2 || rotary % 2 || rotary > width)
    return emitOptionalError(loc, "rotary size ", rotary,
                             " (cos's last size) must be even, >= 2 and at "
                             "most the input's last size ",
                             width);
  SmallVector<int64_t> rotated(in.getShape());
  rotated.back() = rotary;
  if (failed(checkBroadcastsTo(loc, cos, rotated, "cos",
                               "the rotated part of the input")))
    return failure();
  types.push_back(in);
  return success();
}

LogicalResult AttentionOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                            Adaptor adaptor, Types &types) {
  auto q = ranked(adaptor.getQuery()), k = ranked(adaptor.getKey()),
       v = ranked(adaptor.getValue());
  if (q.getRank() != 4 || k.getRank() != 4 || v.getRank() != 4)
    return emitOptionalError(
        loc, "query, key and value must have rank 4 (batch, heads, "
             "sequence, head size); got ",
        q, ", ", k, " and ", v);
  if (failed(checkSameElementType(loc, q, k, "query and key")) ||
      failed(checkSameElementType(loc, q, v, "query and value")))
    return failure();
  int64_t batch = q.getDimSize(0), heads = q.getDimSize(1),
          queries = q.getDimSize(2), kvHeads = k.getDimSize(1),
          keys = k.getDimSize(2);
  if (k.getDimSize(0) != batch || v.getDimSize(0) != batch)
    return emitOptionalError(loc, "query, key and value batch sizes differ: ",
                             batch, ", ", k.getDimSize(0), " and ",
                             v.getDimSize(0));
  if (k.getDimSize(3) != q.getDimSize(3))
    return emitOptionalError(loc, "query head size ", q.getDimSize(3),
                             " differs from key head size ", k.getDimSize(3));
  if (v.getDimSize(1) != kvHeads || v.getDimSize(2) != keys)
    return emitOptionalError(loc, "key ", k, " and value ", v,
                             " must agree on heads and sequence length");
  if (kvHeads < 1 || heads % kvHeads)
    return emitOptionalError(loc, "key/value heads ", kvHeads,
                             " must divide query heads ", heads);
  if (Value mask = adaptor.getMask()) {
    auto m = ranked(mask);
    if (failed(checkSameElementType(loc, q, m, "query and mask")) ||
        failed(checkBroadcastsTo(loc, m, {batch, heads, queries, keys},
                                 "mask", "the scores")))
      return failure();
  }
  if (Value lengths = adaptor.getKvLengths()) {
    auto l = ranked(lengths);
    if (l.getRank() != 1 || l.getDimSize(0) != batch)
      return emitOptionalError(loc, "kv_lengths ", l,
                               " must hold one length per batch row (",
                               batch, ")");
  }
  auto window = adaptor.getAttributes().getAs<IntegerAttr>("window");
  if (window && window.getInt() < 0)
    return emitOptionalError(loc, "window ", window.getInt(),
                             " must be >= 0 (0: no window)");
  auto softcap = adaptor.getAttributes().getAs<FloatAttr>("softcap");
  if (softcap && !(softcap.getValueAsDouble() >= 0))
    return emitOptionalError(loc, "softcap must be >= 0 (0: none)");
  types.push_back(
      RankedTensorType::get({batch, heads, queries, v.getDimSize(3)},
                            q.getElementType()));
  return success();
}

LogicalResult CacheUpdateOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                              Adaptor adaptor, Types &types) {
  auto cache = ranked(adaptor.getCache()), update = ranked(adaptor.getUpdate());
  auto positions = ranked(adaptor.getPositions());
  int64_t axis = adaptor.getAxis(), rank = cache.getRank();
  if (rank < 2 || update.getRank() != rank)
    return emitOptionalError(loc, "cache ", cache, " and update ", update,
                             " must have one rank >= 2");
  if (axis < 1 || axis >= rank)
    return emitOptionalError(loc, "axis ", axis, " must be in [1, ", rank,
                             ") (axis 0 is the batch)");
  if (failed(checkSameElementType(loc, cache, update, "cache and update")))
    return failure();
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis && cache.getDimSize(d) != update.getDimSize(d))
      return emitOptionalError(loc, "cache ", cache, " and update ", update,
                               " differ on axis ", d);
  if (update.getDimSize(axis) > cache.getDimSize(axis))
    return emitOptionalError(loc, "update ", update, " has more entries than "
                             "cache ", cache, " on axis ", axis);
  if (positions.getRank() != 1 ||
      positions.getDimSize(0) != cache.getDimSize(0))
    return emitOptionalError(loc, "positions ", positions,
                             " must hold one position per batch row (",
                             cache.getDimSize(0), ")");
  types.push_back(cache);
  return success();
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                            Adaptor adaptor, Types &types) {
  auto in = ranked(adaptor.getInput());
  ArrayRef<int64_t> perm = adaptor.getPerm();
  if ((int64_t)perm.size() != in.getRank())
    return emitOptionalError(loc, "perm has ", perm.size(),
                             " entries for rank ", in.getRank());
  SmallVector<bool> seen(perm.size(), false);
  SmallVector<int64_t> out;
  for (int64_t p : perm) {
    if (p < 0 || p >= in.getRank() || seen[p])
      return emitOptionalError(loc, "perm is not a permutation of [0, ",
                               in.getRank(), ")");
    seen[p] = true;
    out.push_back(in.getDimSize(p));
  }
  types.push_back(withShape(in, out));
  return success();
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                         Adaptor adaptor, Types &types) {
  if (adaptor.getInputs().empty())
    return emitOptionalError(loc, "needs at least one input");
  auto first = ranked(adaptor.getInputs().front());
  int64_t axis = adaptor.getAxis();
  if (failed(checkAxis(loc, axis, first.getRank())))
    return failure();
  SmallVector<int64_t> out(first.getShape());
  out[axis] = 0;
  for (Value v : adaptor.getInputs()) {
    auto t = ranked(v);
    if (failed(checkSameElementType(loc, first, t, "input")))
      return failure();
    if (t.getRank() != first.getRank())
      return emitOptionalError(loc, "inputs have different ranks");
    for (int64_t d = 0; d < t.getRank(); ++d)
      if (d != axis && t.getDimSize(d) != first.getDimSize(d))
        return emitOptionalError(loc, "input ", t, " differs from ", first,
                                 " off the concatenation axis");
    out[axis] += t.getDimSize(axis);
  }
  types.push_back(withShape(first, out));
  return success();
}

LogicalResult SplitOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                        Adaptor adaptor, Types &types) {
  auto in = ranked(adaptor.getInput());
  int64_t axis = adaptor.getAxis();
  if (failed(checkAxis(loc, axis, in.getRank())))
    return failure();
  int64_t total = 0;
  for (int64_t size : adaptor.getSizes()) {
    if (size < 0)
      return emitOptionalError(loc, "split sizes must be >= 0");
    total += size;
  }
  if (adaptor.getSizes().empty() || total != in.getDimSize(axis))
    return emitOptionalError(loc, "split sizes sum to ", total,
                             " but the axis has size ", in.getDimSize(axis));
  for (int64_t size : adaptor.getSizes()) {
    SmallVector<int64_t> out(in.getShape());
    out[axis] = size;
    types.push_back(withShape(in, out));
  }
  return success();
}

LogicalResult PadOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                      Adaptor adaptor, Types &types) {
  auto in = ranked(adaptor.getInput());
  ArrayRef<int64_t> pads = adaptor.getPads();
  int64_t rank = in.getRank();
  if ((int64_t)pads.size() != 2 * rank)
    return emitOptionalError(loc, "expects ", 2 * rank, " pads, got ",
                             pads.size());
  bool mirrored = adaptor.getMode() == PadMode::reflect ||
                  adaptor.getMode() == PadMode::wrap ||
                  adaptor.getMode() == PadMode::edge;
  SmallVector<int64_t> out;
  for (int64_t d = 0; d < rank; ++d) {
    if (std::abs(pads[d]) > kMaxDimSize || std::abs(pads[d + rank]) > kMaxDimSize)
      return emitOptionalError(loc, "pads on axis ", d, " are too large");
    int64_t size = in.getDimSize(d) + pads[d] + pads[d + rank];
    if (size < 0)
      return emitOptionalError(loc, "pads crop axis ", d, " below size 0");
    if (mirrored && in.getDimSize(d) == 0 && size > 0)
      return emitOptionalError(loc, "cannot pad an empty axis in this mode");
    if (adaptor.getMode() == PadMode::reflect &&
        std::max(pads[d], pads[d + rank]) >= in.getDimSize(d) &&
        in.getDimSize(d) > 0 && (pads[d] > 0 || pads[d + rank] > 0))
      return emitOptionalError(loc, "reflect pads on axis ", d,
                               " must be smaller than its size ",
                               in.getDimSize(d));
    out.push_back(size);
  }
  types.push_back(withShape(in, out));
  return success();
}

LogicalResult GatherOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                         Adaptor adaptor, Types &types) {
  auto in = ranked(adaptor.getInput()), idx = ranked(adaptor.getIndices());
  int64_t axis = adaptor.getAxis();
  if (failed(checkAxis(loc, axis, in.getRank())))
    return failure();
  SmallVector<int64_t> out(in.getShape().take_front(axis));
  llvm::append_range(out, idx.getShape());
  llvm::append_range(out, in.getShape().drop_front(axis + 1));
  types.push_back(withShape(in, out));
  return success();
}

LogicalResult GatherElementsOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                                 Adaptor adaptor,
                                                 Types &types) {
  auto in = ranked(adaptor.getInput()), idx = ranked(adaptor.getIndices());
  if (failed(checkAxis(loc, adaptor.getAxis(), in.getRank())))
    return failure();
  if (idx.getRank() != in.getRank())
    return emitOptionalError(loc, "indices must have the input's rank ",
                             in.getRank());
  types.push_back(withShape(in, idx.getShape()));
  return success();
}

LogicalResult GatherNdOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                           Adaptor adaptor, Types &types) {
  auto in = ranked(adaptor.getInput()), idx = ranked(adaptor.getIndices());
  int64_t b = adaptor.getBatchDims();
  if (idx.getRank() < 1 || b < 0 || b >= std::min(in.getRank(), idx.getRank()))
    return emitOptionalError(loc, "batch_dims ", b,
                             " must be below both ranks");
  int64_t m = idx.getShape().back();
  if (m < 1 || m > in.getRank() - b)
    return emitOptionalError(loc, "index tuples of length ", m,
                             " do not fit input rank ", in.getRank());
  for (int64_t d = 0; d < b; ++d)
    if (in.getDimSize(d) != idx.getDimSize(d))
      return emitOptionalError(loc, "batch dimension ", d, " differs");
  SmallVector<int64_t> out(idx.getShape().drop_back());
  llvm::append_range(out, in.getShape().drop_front(b + m));
  types.push_back(withShape(in, out));
  return success();
}

LogicalResult ScatterElementsOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                                  Adaptor adaptor,
                                                  Types &types) {
  auto in = ranked(adaptor.getInput()), idx = ranked(adaptor.getIndices()),
       upd = ranked(adaptor.getUpdates());
  if (failed(checkAxis(loc, adaptor.getAxis(), in.getRank())))
    return failure();
  if (idx.getShape() != upd.getShape() || idx.getRank() != in.getRank())
    return emitOptionalError(loc, "indices and updates must have one shape "
                                  "of the input's rank");
  if (failed(checkSameElementType(loc, in, upd, "input and updates")))
    return failure();
  types.push_back(in);
  return success();
}

LogicalResult ScatterNdOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                            Adaptor adaptor, Types &types) {
  auto in = ranked(adaptor.getInput()), idx = ranked(adaptor.getIndices()),
       upd = ranked(adaptor.getUpdates());
  if (idx.getRank() < 1)
    return emitOptionalError(loc, "indices must have rank >= 1");
  int64_t m = idx.getShape().back();
  if (m < 1 || m > in.getRank())
    return emitOptionalError(loc, "index tuples of length ", m,
                             " do not fit input rank ", in.getRank());
  SmallVector<int64_t> expected(idx.getShape().drop_back());
  llvm::append_range(expected, in.getShape().drop_front(m));
  if (upd.getShape() != ArrayRef<int64_t>(expected))
    return emitOptionalError(loc, "updates shape ", upd,
                             " does not match indices and input");
  if (failed(checkSameElementType(loc, in, upd, "input and updates")))
    return failure();
  types.push_back(in);
  return success();
}

LogicalResult TileOp::inferReturnTypes(MLIRContext *, OptLoc loc,
                                       Adaptor adaptor, Types &types) {
  auto in = ranked(adaptor.getInput());
  ArrayRef<int64_t> repeats = adaptor.getRepeats();
  if ((int64_t)repeats.size() != in.getRank())
    return emitOptionalError(loc, "expects ", in.getRank(), " repeats, got ",
                             repeats.size());
  SmallVector<int64_t> out;
  for (int64_t d = 0; d < in.getRank(); ++d) {
    int64_t size;
    if (repeats[d] < 0)
      return emitOptionalError(loc, "repeats must be >= 0");
    if (__builtin_mul_overflow(in.getDimSize(d), repeats[d], &size) ||
        size > kMaxDimSize)
      return emitOptionalError(loc, "repeating axis ", d, " ", repeats[d],
                               " times makes it too large");
    out.push_back(size);
  }
  types.push_back(withShape(in, out));
  return success();
}

LogicalResult TopKOp::inferReturnTypes(MLIRContext *ctx, OptLoc loc,
                                       Adaptor adaptor, Types &types) {
  auto in = ranked(adaptor.getInput());
  int64_t axis = adaptor.getAxis(), k = adaptor.getK();
  if (failed(checkAxis(loc, axis, in.getRank())))
    return failure();
  if (k < 0 || k > in.getDimSize(axis))
    return emitOptionalError(loc, "k = ", k, " is outside [0, ",
                             in.getDimSize(axis), "]");
  SmallVector<int64_t> out(in.getShape());
  out[axis] = k;
  types.push_back(withShape(in, out));
  types.push_back(RankedTensorType::get(out, IntegerType::get(ctx, 64)));
  return success();
}

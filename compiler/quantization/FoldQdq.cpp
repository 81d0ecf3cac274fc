//===- FoldQdq.cpp - QDQ graphs to integer ops ----------------------------===//
//
// Every pattern starts at a graph.quantize and looks up through at most one
// activation (ReLU, Clip) to the float op that produced its input; if that
// op's operands are all dequantized (or constant, for biases), the chain
// becomes integer ops. The rewrites are exact: the integer program computes
// what the QDQ graph says, with the rounding of docs/npu.md.
//
//===----------------------------------------------------------------------===//

#include "compiler/quantization/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>
#include <limits>
#include <type_traits>

namespace gaon {
#define GEN_PASS_DEF_FOLDQDQ
#include "compiler/quantization/Passes.h.inc"
} // namespace gaon

using namespace mlir;
using namespace gaon::graph;

namespace gaon {
namespace {

quant::UniformQuantizedType perTensor8Bit(Type t) {
  auto q = llvm::dyn_cast<quant::UniformQuantizedType>(getElementTypeOrSelf(t));
  return q && q.getStorageTypeIntegralWidth() == 8 ? q : nullptr;
}

/// x when v = dequantize(x), else null.
Value dequantized(Value v) {
  if (auto dq = v.getDefiningOp<DequantizeOp>())
    return dq.getInput();
  return {};
}

/// x when v = dequantize(x) and x is 8-bit, quantized per tensor.
Value dequantizedPerTensor(Value v) {
  Value x = dequantized(v);
  return x && perTensor8Bit(x.getType()) ? x : Value();
}

/// The real-valued clamp an activation applies.
struct Clamp {
  std::optional<double> lo, hi;
  FloatAttr loAttr(Builder &b) const {
    return lo ? b.getF64FloatAttr(*lo) : FloatAttr();
  }
  FloatAttr hiAttr(Builder &b) const {
    return hi ? b.getF64FloatAttr(*hi) : FloatAttr();
  }
};

/// Peels a ReLU or Clip (used only here) off `v`, returning what it
/// clamps and the clamp.
Value peelActivation(Value v, Clamp &clamp) {
  Operation *op = v.getDefiningOp();
  if (!op || !v.hasOneUse())
    return v;
  if (auto relu = llvm::dyn_cast<ReluOp>(op)) {
    clamp.lo = 0.0;
    return relu.getInput();
  }
  if (auto clip = llvm::dyn_cast<ClipOp>(op)) {
    if (auto lo = clip.getMinAttr())
      clamp.lo = lo.getValueAsDouble();
    if (auto hi = clip.getMaxAttr())
      clamp.hi = hi.getValueAsDouble();
    return clip.getInput();
  }
  return v;
}

/// A constant float bias of `size` quantized to int32 at the sums' scales
/// (round half to even, saturated), or null if `bias` is not a constant.
Value quantizeBias(PatternRewriter &rewriter, Location loc, Value bias,
                   Type sumsType, int64_t size) {
  SmallVector<double> scales = quantScales(sumsType);
  SmallVector<int32_t> values;
  // Already quantized: dequantize(i32 constant) at exactly the sums' scales.
  if (Value q = dequantized(bias)) {
    DenseElementsAttr attr;
    auto cast = q.getDefiningOp<StorageCastOp>();
    if (!cast || !matchPattern(cast.getInput(), m_Constant(&attr)) ||
        !attr.getElementType().isSignlessInteger(32) ||
        quantScales(q.getType()) != scales ||
        (int64_t)attr.getNumElements() != size)
      return {};
    for (const APInt &v : attr.getValues<APInt>())
      values.push_back((int32_t)v.getSExtValue());
  } else {
    DenseElementsAttr attr;
    if (!matchPattern(bias, m_Constant(&attr)) ||
        !llvm::isa<FloatType>(attr.getElementType()))
      return {};
    auto floats = llvm::to_vector(attr.getValues<APFloat>());
    if ((int64_t)floats.size() != size && floats.size() != 1)
      return {};
    for (int64_t c = 0; c < size; ++c) {
      double b = floats[floats.size() == 1 ? 0 : c].convertToDouble();
      double s = scales[scales.size() == 1 ? 0 : c];
      double q = std::nearbyint(b / s);
      if (!std::isfinite(q))
        return {};
      values.push_back((int32_t)std::clamp(
          q, double(std::numeric_limits<int32_t>::min()),
          double(std::numeric_limits<int32_t>::max())));
    }
  }
  auto type = RankedTensorType::get({size}, rewriter.getI32Type());
  return rewriter.create<ConstantOp>(
      loc, DenseElementsAttr::get(type, ArrayRef<int32_t>(values)));
}

Value requantize(PatternRewriter &rewriter, Location loc, Value v,
                 quant::UniformQuantizedType to, const Clamp &clamp) {
  auto t = llvm::cast<RankedTensorType>(v.getType());
  return rewriter.create<RequantizeOp>(
      loc, RankedTensorType::get(t.getShape(), to), v,
      clamp.loAttr(rewriter), clamp.hiAttr(rewriter));
}

/// The result type OpTy infers for these operands, or null (silently: a
/// pattern that does not apply is not an error).
template <typename OpTy>
Type inferSilently(MLIRContext *ctx, ValueRange operands,
                   ArrayRef<NamedAttribute> attrs = {}) {
  SmallVector<Type> types;
  if (failed(OpTy::inferReturnTypes(ctx, std::nullopt, operands,
                                    DictionaryAttr::get(ctx, attrs),
                                    /*properties=*/nullptr, /*regions=*/{},
                                    types)))
    return {};
  return types.front();
}

/// Integer sums of `x` and `w` (OpTy: qconv or qmatmul) with the float
/// `bias` quantized into them, requantized to q's type.
template <typename OpTy>
LogicalResult foldSums(QuantizeOp q, Operation *floatOp, Value x, Value w,
                       Value bias, const Clamp &clamp,
                       PatternRewriter &rewriter) {
  MLIRContext *ctx = rewriter.getContext();
  SmallVector<NamedAttribute> attrs(floatOp->getAttrs());
  Type sumsType = inferSilently<OpTy>(ctx, {x, w}, attrs);
  if (!sumsType)
    return failure();
  SmallVector<Value> operands{x, w};
  if (bias) {
    auto wt = llvm::cast<RankedTensorType>(w.getType());
    int64_t channels = std::is_same_v<OpTy, QConvOp> ? wt.getDimSize(0)
                                                     : wt.getShape().back();
    if (!std::is_same_v<OpTy, QConvOp> && wt.getRank() < 2)
      return failure();
    Value qb = quantizeBias(rewriter, floatOp->getLoc(), bias, sumsType,
                            channels);
    if (!qb)
      return failure();
    operands.push_back(qb);
  }
  Value sums = rewriter.create<OpTy>(floatOp->getLoc(), sumsType, operands,
                                     attrs);
  rewriter.replaceOp(q, requantize(rewriter, floatOp->getLoc(), sums,
                                   perTensor8Bit(q.getType()), clamp));
  return success();
}

/// quantize(act?(conv(dequantize(x), dequantize(w), bias?)))
LogicalResult foldConv(QuantizeOp q, ConvOp conv, const Clamp &clamp,
                       PatternRewriter &rewriter) {
  Value x = dequantizedPerTensor(conv.getInput());
  Value w = dequantized(conv.getWeight());
  if (!x || !w || !conv->hasOneUse())
    return failure();
  return foldSums<QConvOp>(q, conv, x, w, conv.getBias(), clamp, rewriter);
}

/// quantize(act?(add?(matmul(dequantize(a), dequantize(b)), bias)))
LogicalResult foldMatMul(QuantizeOp q, MatMulOp mm, Value bias,
                         const Clamp &clamp, PatternRewriter &rewriter) {
  Value a = dequantizedPerTensor(mm.getLhs());
  Value b = dequantized(mm.getRhs());
  if (!a || !b || !mm->hasOneUse())
    return failure();
  return foldSums<QMatMulOp>(q, mm, a, b, bias, clamp, rewriter);
}

/// A constant bias of a matmul's columns: a tensor of shape [N] (or
/// [1, ..., N]) added to it.
Value matmulBias(AddOp add, MatMulOp &mm) {
  for (int i = 0; i < 2; ++i) {
    Value mmSide = add->getOperand(i), other = add->getOperand(1 - i);
    auto producer = mmSide.getDefiningOp<MatMulOp>();
    if (!producer || !matchPattern(other, m_Constant()))
      continue;
    auto bt = llvm::cast<RankedTensorType>(other.getType());
    auto mt = llvm::cast<RankedTensorType>(mmSide.getType());
    if (bt.getRank() < 1 || mt.getRank() < 1 ||
        bt.getNumElements() != bt.getShape().back() ||
        bt.getShape().back() != mt.getShape().back() ||
        bt.getRank() > mt.getRank())
      continue;
    mm = producer;
    return other; // [1, ..., 1, N]: quantizeBias reads its N values
  }
  return {};
}

/// quantize(act?(add(dequantize(a), dequantize(b))))
LogicalResult foldAdd(QuantizeOp q, AddOp add, const Clamp &clamp,
                      PatternRewriter &rewriter) {
  Value a = dequantizedPerTensor(add.getLhs());
  Value b = dequantizedPerTensor(add.getRhs());
  auto type = llvm::cast<RankedTensorType>(add.getType());
  if (!a || !b || !add->hasOneUse() ||
      llvm::cast<RankedTensorType>(a.getType()).getShape() != type.getShape() ||
      llvm::cast<RankedTensorType>(b.getType()).getShape() != type.getShape())
    return failure();
  rewriter.replaceOpWithNewOp<QAddOp>(
      q, RankedTensorType::get(type.getShape(), perTensor8Bit(q.getType())), a,
      b, clamp.loAttr(rewriter), clamp.hiAttr(rewriter));
  return success();
}

/// quantize(op(dequantize(x))) for ops that move or select values without
/// changing them: the op on x itself, then a requantize if the types differ.
LogicalResult foldValuePreserving(QuantizeOp q, Operation *op,
                                  PatternRewriter &rewriter) {
  if (!llvm::isa<MaxPoolOp, ReshapeOp, TransposeOp>(op) ||
      op->getNumOperands() != 1 || !op->hasOneUse())
    return failure();
  Value x = dequantizedPerTensor(op->getOperand(0));
  if (!x)
    return failure();
  auto outType = llvm::cast<RankedTensorType>(op->getResult(0).getType());
  auto xq = perTensor8Bit(x.getType());
  OperationState state(op->getLoc(), op->getName());
  state.addOperands(x);
  state.addAttributes(op->getAttrs());
  state.addTypes(RankedTensorType::get(outType.getShape(), xq));
  Value moved = rewriter.create(state)->getResult(0);
  auto qy = perTensor8Bit(q.getType());
  rewriter.replaceOp(q, xq == qy ? moved
                                 : requantize(rewriter, op->getLoc(), moved,
                                              qy, Clamp()));
  return success();
}

/// quantize(reduce mean(dequantize(x))) over trailing axes -> qmean(x): the
/// mean as an int32 sum and one requantization, exact on both targets.
LogicalResult foldMean(QuantizeOp q, ReduceOp reduce,
                       PatternRewriter &rewriter) {
  Value x = dequantizedPerTensor(reduce.getInput());
  if (!x || reduce.getKind() != ReduceKind::mean || !reduce->hasOneUse() ||
      reduce.getAxes().empty())
    return failure();
  // Trailing axes only: the CPU kernel sums contiguous blocks.
  int64_t rank = llvm::cast<RankedTensorType>(x.getType()).getRank();
  ArrayRef<int64_t> axes = reduce.getAxes();
  for (size_t i = 0; i < axes.size(); ++i)
    if (axes[i] != rank - int64_t(axes.size()) + int64_t(i))
      return failure();
  rewriter.replaceOpWithNewOp<QMeanOp>(
      q, q.getType(), x, reduce.getAxesAttr(), reduce.getKeepdimsAttr());
  return success();
}

/// quantize(op(y)) for a reshape or transpose of a value that is not a
/// dequantization: op(quantize(y)), so that the quantize meets y's
/// producer (a global pool's mean before a flatten, say).
LogicalResult sinkQuantize(QuantizeOp q, Operation *op,
                           PatternRewriter &rewriter) {
  if (!llvm::isa<ReshapeOp, TransposeOp>(op) || op->getNumOperands() != 1 ||
      !op->hasOneUse() || dequantized(op->getOperand(0)))
    return failure();
  Value y = op->getOperand(0);
  auto yType = llvm::cast<RankedTensorType>(y.getType());
  auto qType = perTensor8Bit(q.getType());
  Value quantized = rewriter.create<QuantizeOp>(
      q.getLoc(), RankedTensorType::get(yType.getShape(), qType), y);
  OperationState state(op->getLoc(), op->getName());
  state.addOperands(quantized);
  state.addAttributes(op->getAttrs());
  state.addTypes(q.getType());
  rewriter.replaceOp(q, rewriter.create(state)->getResult(0));
  return success();
}

struct FoldQuantize : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp q,
                                PatternRewriter &rewriter) const override {
    if (!perTensor8Bit(q.getType()))
      return failure();
    Clamp clamp;
    Value src = peelActivation(q.getInput(), clamp);
    // quantize(act?(dequantize(x))): a requantize, or x itself.
    if (Value x = dequantized(src)) {
      auto qy = perTensor8Bit(q.getType());
      if (x.getType() == q.getType() && !clamp.lo && !clamp.hi) {
        rewriter.replaceOp(q, x);
        return success();
      }
      if (!llvm::isa<quant::UniformQuantizedType,
                     quant::UniformQuantizedPerAxisType>(
              getElementTypeOrSelf(x.getType())) ||
          llvm::cast<quant::QuantizedType>(getElementTypeOrSelf(x.getType()))
                  .getStorageTypeIntegralWidth() > 8)
        return failure();
      rewriter.replaceOp(q, requantize(rewriter, q.getLoc(), x, qy, clamp));
      return success();
    }
    Operation *producer = src.getDefiningOp();
    if (!producer)
      return failure();
    if (auto conv = llvm::dyn_cast<ConvOp>(producer))
      return foldConv(q, conv, clamp, rewriter);
    if (auto mm = llvm::dyn_cast<MatMulOp>(producer))
      return foldMatMul(q, mm, Value(), clamp, rewriter);
    if (auto add = llvm::dyn_cast<AddOp>(producer)) {
      MatMulOp mm;
      if (Value bias = matmulBias(add, mm); bias && add->hasOneUse())
        return foldMatMul(q, mm, bias, clamp, rewriter);
      return foldAdd(q, add, clamp, rewriter);
    }
    if (clamp.lo || clamp.hi)
      return failure();
    if (auto reduce = llvm::dyn_cast<ReduceOp>(producer))
      return foldMean(q, reduce, rewriter);
    if (succeeded(foldValuePreserving(q, producer, rewriter)))
      return success();
    return sinkQuantize(q, producer, rewriter);
  }
};

struct FoldQdqPass : impl::FoldQdqBase<FoldQdqPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateFoldQdqPatterns(patterns);
    if (failed(applyPatternsAndFoldGreedily(getOperation(),
                                            std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void populateFoldQdqPatterns(RewritePatternSet &patterns) {
  patterns.add<FoldQuantize>(patterns.getContext());
}

} // namespace gaon

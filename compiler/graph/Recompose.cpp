//===- Recompose.cpp - gaon-graph-recompose -------------------------------===//
//
// Finds the primitive chains torch.onnx writes for a decoder's building
// blocks and replaces each with its fused graph op. Every matcher checks
// the exact computation (axes, constants, shapes) and gives up silently
// otherwise: an unrecognized chain still computes the right thing.
//
//===----------------------------------------------------------------------===//

#include "compiler/graph/Passes.h"
#include "dialects/graph/GraphOps.h"

#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <optional>

namespace gaon {
#define GEN_PASS_DEF_GRAPHRECOMPOSE
#include "compiler/graph/Passes.h.inc"
} // namespace gaon

using namespace mlir;
using namespace gaon::graph;

namespace gaon {
namespace {

RankedTensorType rankedOf(Value v) {
  return llvm::dyn_cast<RankedTensorType>(v.getType());
}

/// The value of a splat float constant.
std::optional<double> splatValue(Value v) {
  DenseElementsAttr dense;
  if (!matchPattern(v, m_Constant(&dense)) || !dense.isSplat() ||
      !llvm::isa<FloatType>(dense.getElementType()))
    return std::nullopt;
  return dense.getSplatValue<APFloat>().convertToDouble();
}

bool isSplat(Value v, double value) {
  std::optional<double> s = splatValue(v);
  return s && *s == value;
}

/// Creates OpTy if its type inference accepts the operands, reporting
/// nothing otherwise (a pattern that does not fit just does not apply).
template <typename OpTy>
FailureOr<OpTy> tryCreate(PatternRewriter &rewriter, Location loc,
                          ValueRange operands,
                          ArrayRef<NamedAttribute> attrs = {}) {
  SmallVector<Type> types;
  MLIRContext *ctx = rewriter.getContext();
  if (failed(OpTy::inferReturnTypes(ctx, std::nullopt, operands,
                                    DictionaryAttr::get(ctx, attrs),
                                    /*properties=*/nullptr, /*regions=*/{},
                                    types)))
    return failure();
  return rewriter.create<OpTy>(loc, types, operands, attrs);
}

//===----------------------------------------------------------------------===//
// SiLU
//===----------------------------------------------------------------------===//

/// x * sigmoid(x) -> silu(x).
struct RecomposeSilu : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MulOp op,
                                PatternRewriter &rewriter) const override {
    for (auto [x, s] : {std::pair(op.getLhs(), op.getRhs()),
                        std::pair(op.getRhs(), op.getLhs())}) {
      auto sigmoid = s.getDefiningOp<SigmoidOp>();
      if (!sigmoid || sigmoid.getInput() != x || x.getType() != op.getType())
        continue;
      rewriter.replaceOpWithNewOp<SiluOp>(op, x);
      return success();
    }
    return failure();
  }
};

//===----------------------------------------------------------------------===//
// RMS norm
//===----------------------------------------------------------------------===//

struct RmsParts {
  Value x;
  double epsilon;
  int64_t axis;
};

/// mean(x^2) + eps over the trailing axes from `axis`, kept as size 1.
std::optional<RmsParts> matchMeanSquarePlusEps(Value v) {
  auto add = v.getDefiningOp<AddOp>();
  if (!add)
    return std::nullopt;
  for (auto [m, e] : {std::pair(add.getLhs(), add.getRhs()),
                      std::pair(add.getRhs(), add.getLhs())}) {
    std::optional<double> eps = splatValue(e);
    auto reduce = m.getDefiningOp<ReduceOp>();
    if (!eps || !reduce || reduce.getKind() != ReduceKind::mean ||
        !reduce.getKeepdims() || add.getType() != m.getType())
      continue;
    Value square = reduce.getInput();
    Value x;
    if (auto pow = square.getDefiningOp<PowOp>(); pow && isSplat(pow.getRhs(), 2))
      x = pow.getLhs();
    else if (auto mul = square.getDefiningOp<MulOp>();
             mul && mul.getLhs() == mul.getRhs())
      x = mul.getLhs();
    if (!x || x.getType() != square.getType())
      continue;
    // The axes must be the trailing ones.
    ArrayRef<int64_t> axes = reduce.getAxes();
    int64_t rank = rankedOf(x).getRank();
    if (axes.empty() || axes.back() != rank - 1 ||
        int64_t(axes.size()) != rank - axes.front())
      continue;
    return RmsParts{x, *eps, axes.front()};
  }
  return std::nullopt;
}

/// 1 / sqrt(mean(x^2) + eps), in any of the ways exporters write it.
std::optional<RmsParts> matchInverseRms(Value v) {
  if (auto rsqrt = v.getDefiningOp<RsqrtOp>())
    return matchMeanSquarePlusEps(rsqrt.getInput());
  Value root;
  if (auto reciprocal = v.getDefiningOp<ReciprocalOp>())
    root = reciprocal.getInput();
  else if (auto div = v.getDefiningOp<DivOp>(); div && isSplat(div.getLhs(), 1))
    root = div.getRhs();
  auto sqrt = root ? root.getDefiningOp<SqrtOp>() : SqrtOp();
  if (!sqrt)
    return std::nullopt;
  return matchMeanSquarePlusEps(sqrt.getInput());
}

Value ones(PatternRewriter &rewriter, Location loc, RankedTensorType x,
           int64_t axis) {
  auto type = RankedTensorType::get(x.getShape().drop_front(axis),
                                    x.getElementType());
  return rewriter.create<ConstantOp>(
      loc, DenseElementsAttr::get(
               type, rewriter.getFloatAttr(x.getElementType(), 1.0)));
}

FailureOr<RmsNormOp> createRmsNorm(PatternRewriter &rewriter, Location loc,
                                   const RmsParts &parts, Value scale) {
  return tryCreate<RmsNormOp>(
      rewriter, loc, ValueRange{parts.x, scale},
      {rewriter.getNamedAttr("axis", rewriter.getI64IntegerAttr(parts.axis)),
       rewriter.getNamedAttr("epsilon", rewriter.getF32FloatAttr(
                                            float(parts.epsilon)))});
}

/// x * (1 / sqrt(...)) or x / sqrt(...) -> rms_norm(x, ones).
struct RecomposeRmsNorm : RewritePattern {
  RecomposeRmsNorm(MLIRContext *ctx)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}
  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    std::optional<RmsParts> parts;
    if (auto mul = llvm::dyn_cast<MulOp>(op)) {
      for (auto [x, r] : {std::pair(mul.getLhs(), mul.getRhs()),
                          std::pair(mul.getRhs(), mul.getLhs())})
        if ((parts = matchInverseRms(r)) && parts->x == x)
          break;
        else
          parts.reset();
    } else if (auto div = llvm::dyn_cast<DivOp>(op)) {
      auto sqrt = div.getRhs().getDefiningOp<SqrtOp>();
      if (sqrt && (parts = matchMeanSquarePlusEps(sqrt.getInput())) &&
          parts->x != div.getLhs())
        parts.reset();
    }
    if (!parts || parts->x.getType() != op->getResult(0).getType())
      return failure();
    auto type = rankedOf(parts->x);
    auto norm = createRmsNorm(rewriter, op->getLoc(), *parts,
                              ones(rewriter, op->getLoc(), type, parts->axis));
    if (failed(norm))
      return failure();
    rewriter.replaceOp(op, norm->getResult());
    return success();
  }
};

/// rms_norm(x, ones) * w -> rms_norm(x, w), w broadcasting to the
/// normalized axes.
struct FoldRmsNormScale : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MulOp op,
                                PatternRewriter &rewriter) const override {
    for (auto [n, w] : {std::pair(op.getLhs(), op.getRhs()),
                        std::pair(op.getRhs(), op.getLhs())}) {
      auto norm = n.getDefiningOp<RmsNormOp>();
      if (!norm || !norm->hasOneUse() || !isSplat(norm.getScale(), 1) ||
          op.getType() != norm.getType())
        continue;
      RmsParts parts{norm.getInput(), norm.getEpsilon().convertToDouble(),
                     (int64_t)norm.getAxis()};
      auto fused = createRmsNorm(rewriter, op.getLoc(), parts, w);
      if (failed(fused))
        continue;
      rewriter.replaceOp(op, fused->getResult());
      return success();
    }
    return failure();
  }
};

//===----------------------------------------------------------------------===//
// Rotary embedding
//===----------------------------------------------------------------------===//

/// slice(x) taking [start, start + size) of the last axis and all of the
/// others.
bool isLastAxisSlice(Value v, Value x, int64_t start, int64_t size) {
  auto slice = v.getDefiningOp<SliceOp>();
  if (!slice || slice.getInput() != x)
    return false;
  auto in = rankedOf(x), out = rankedOf(v);
  int64_t rank = in.getRank();
  for (int64_t d = 0; d < rank; ++d) {
    int64_t want = d == rank - 1 ? start : 0;
    int64_t dim = d == rank - 1 ? size : in.getDimSize(d);
    if (slice.getStarts()[d] != want || slice.getSteps()[d] != 1 ||
        out.getDimSize(d) != dim)
      return false;
  }
  return true;
}

/// concat(-x[..., h:], x[..., :h]) along the last axis; returns x.
Value matchRotateHalf(Value v) {
  auto concat = v.getDefiningOp<ConcatOp>();
  if (!concat || concat.getInputs().size() != 2)
    return {};
  auto type = rankedOf(v);
  int64_t rank = type.getRank(), width = type.getShape().back();
  if (concat.getAxis() != rank - 1 || width % 2)
    return {};
  auto neg = concat.getInputs()[0].getDefiningOp<NegOp>();
  if (!neg)
    return {};
  auto high = neg.getInput().getDefiningOp<SliceOp>();
  if (!high)
    return {};
  Value x = high.getInput();
  if (rankedOf(x) != type ||
      !isLastAxisSlice(neg.getInput(), x, width / 2, width / 2) ||
      !isLastAxisSlice(concat.getInputs()[1], x, 0, width / 2))
    return {};
  return x;
}

/// x * cos + rotate_half(x) * sin -> rotary_embedding(x, cos, sin).
struct RecomposeRotary : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AddOp op,
                                PatternRewriter &rewriter) const override {
    for (auto [a, b] : {std::pair(op.getLhs(), op.getRhs()),
                        std::pair(op.getRhs(), op.getLhs())}) {
      auto plain = a.getDefiningOp<MulOp>(), rotated = b.getDefiningOp<MulOp>();
      if (!plain || !rotated)
        continue;
      for (auto [r, sin] : {std::pair(rotated.getLhs(), rotated.getRhs()),
                            std::pair(rotated.getRhs(), rotated.getLhs())}) {
        Value x = matchRotateHalf(r);
        if (!x || x.getType() != op.getType())
          continue;
        Value cos = plain.getLhs() == x   ? plain.getRhs()
                    : plain.getRhs() == x ? plain.getLhs()
                                          : Value();
        if (!cos || cos.getType() != sin.getType())
          continue;
        auto rotary = tryCreate<RotaryEmbeddingOp>(
            rewriter, op.getLoc(), ValueRange{x, cos, sin});
        if (failed(rotary))
          continue;
        rewriter.replaceOp(op, rotary->getResult());
        return success();
      }
    }
    return failure();
  }
};

/// concat(rotary(x[..., :R]), x[..., R:]) -> rotary(x) (partial rotary).
struct RecomposePartialRotary : OpRewritePattern<ConcatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConcatOp op,
                                PatternRewriter &rewriter) const override {
    auto type = rankedOf(op.getResult());
    if (op.getInputs().size() != 2 || op.getAxis() != type.getRank() - 1)
      return failure();
    auto rotary = op.getInputs()[0].getDefiningOp<RotaryEmbeddingOp>();
    if (!rotary || !rotary->hasOneUse())
      return failure();
    auto head = rotary.getInput().getDefiningOp<SliceOp>();
    if (!head)
      return failure();
    Value x = head.getInput();
    int64_t width = type.getShape().back();
    int64_t rotated = rankedOf(rotary.getInput()).getShape().back();
    if (x.getType() != type || !isLastAxisSlice(rotary.getInput(), x, 0, rotated) ||
        !isLastAxisSlice(op.getInputs()[1], x, rotated, width - rotated) ||
        rankedOf(rotary.getCos()).getShape().back() != rotated)
      return failure();
    auto full = tryCreate<RotaryEmbeddingOp>(
        rewriter, op.getLoc(), ValueRange{x, rotary.getCos(), rotary.getSin()},
        {rewriter.getNamedAttr("interleaved", rotary.getInterleavedAttr())});
    if (failed(full))
      return failure();
    rewriter.replaceOp(op, full->getResult());
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

/// Strips multiplications and divisions by splat constants, folding them
/// into `scale`.
Value peelScale(Value v, double &scale) {
  while (true) {
    if (auto mul = v.getDefiningOp<MulOp>()) {
      if (std::optional<double> s = splatValue(mul.getRhs());
          s && mul.getLhs().getType() == mul.getType()) {
        scale *= *s;
        v = mul.getLhs();
        continue;
      }
      if (std::optional<double> s = splatValue(mul.getLhs());
          s && mul.getRhs().getType() == mul.getType()) {
        scale *= *s;
        v = mul.getRhs();
        continue;
      }
    }
    if (auto div = v.getDefiningOp<DivOp>()) {
      std::optional<double> s = splatValue(div.getRhs());
      if (s && *s != 0 && div.getLhs().getType() == div.getType()) {
        scale /= *s;
        v = div.getLhs();
        continue;
      }
    }
    return v;
  }
}

/// GQA's repeat_kv: reshape (B, Hkv, T, D) -> (B, Hkv, 1, T, D), expand to
/// (B, Hkv, r, T, D), reshape to (B, Hkv * r, T, D). Returns the
/// unrepeated heads, or `v` itself.
Value unrepeatHeads(Value v) {
  auto merge = v.getDefiningOp<ReshapeOp>();
  if (!merge)
    return v;
  auto expand = merge.getInput().getDefiningOp<ExpandOp>();
  if (!expand)
    return v;
  auto split = expand.getInput().getDefiningOp<ReshapeOp>();
  if (!split)
    return v;
  Value heads = split.getInput();
  auto h = rankedOf(heads), s = rankedOf(split.getResult()),
       e = rankedOf(expand.getResult()), m = rankedOf(v);
  if (h.getRank() != 4 || s.getRank() != 5 || m.getRank() != 4)
    return v;
  int64_t B = h.getDimSize(0), Hkv = h.getDimSize(1), T = h.getDimSize(2),
          D = h.getDimSize(3), r = e.getDimSize(2);
  if (s.getShape() != ArrayRef<int64_t>{B, Hkv, 1, T, D} ||
      e.getShape() != ArrayRef<int64_t>{B, Hkv, r, T, D} ||
      m.getShape() != ArrayRef<int64_t>{B, Hkv * r, T, D})
    return v;
  return heads;
}

/// softmax(scale * q @ k^T (+ mask)) @ v -> attention(q, k, v, mask).
struct RecomposeAttention : OpRewritePattern<MatMulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MatMulOp op,
                                PatternRewriter &rewriter) const override {
    auto softmax = op.getLhs().getDefiningOp<SoftmaxOp>();
    auto type = rankedOf(op.getResult());
    if (!softmax || type.getRank() != 4 || softmax.getAxis() != 3)
      return failure();
    // Scores, plus an optional additive mask.
    Value scores = softmax.getInput(), mask;
    if (auto add = scores.getDefiningOp<AddOp>()) {
      for (auto [s, m] : {std::pair(add.getLhs(), add.getRhs()),
                          std::pair(add.getRhs(), add.getLhs())}) {
        double unused = 1;
        if (s.getType() == add.getType() &&
            peelScale(s, unused).getDefiningOp<MatMulOp>()) {
          scores = s;
          mask = m;
          break;
        }
      }
      if (!mask)
        return failure();
    }
    double scale = 1;
    auto qk = peelScale(scores, scale).getDefiningOp<MatMulOp>();
    if (!qk)
      return failure();
    Value q = peelScale(qk.getLhs(), scale);
    auto kt = peelScale(qk.getRhs(), scale).getDefiningOp<TransposeOp>();
    if (!kt || kt.getPerm() != ArrayRef<int64_t>{0, 1, 3, 2})
      return failure();
    Value k = unrepeatHeads(peelScale(kt.getInput(), scale));
    Value v = unrepeatHeads(op.getRhs());
    SmallVector<Value> operands{q, k, v};
    if (mask)
      operands.push_back(mask);
    auto attention = tryCreate<AttentionOp>(
        rewriter, op.getLoc(), operands,
        {rewriter.getNamedAttr("scale", rewriter.getF32FloatAttr(float(scale))),
         rewriter.getNamedAttr("operandSegmentSizes",
                               rewriter.getDenseI32ArrayAttr(
                                   {1, 1, 1, mask ? 1 : 0, 0}))});
    if (failed(attention))
      return failure();
    if (attention->getType() != op.getType()) {
      rewriter.eraseOp(*attention);
      return failure();
    }
    rewriter.replaceOp(op, attention->getResult());
    return success();
  }
};

struct GraphRecomposePass : impl::GraphRecomposeBase<GraphRecomposePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateGraphRecomposePatterns(patterns);
    if (failed(applyPatternsAndFoldGreedily(getOperation(),
                                            std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

void populateGraphRecomposePatterns(RewritePatternSet &patterns) {
  patterns.add<RecomposeSilu, RecomposeRmsNorm, FoldRmsNormScale,
               RecomposeRotary, RecomposePartialRotary, RecomposeAttention>(
      patterns.getContext());
}

} // namespace gaon

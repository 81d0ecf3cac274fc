//===- GraphFolds.cpp - folders and canonicalizations for graph ops -------===//
//
// Exported models compute shapes at run time (Shape, Gather, Concat, Cast,
// arithmetic, Reshape chains). With static shapes those chains are
// constants, and the folders here collapse them, so that later conversions
// see plain attributes. Folding is bounded in size (kMaxFoldElements) so a
// large weight never explodes compile time by accident.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/GraphOps.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/APSInt.h"

#include <cmath>

using namespace mlir;
using namespace gaon::graph;

namespace {

constexpr int64_t kMaxFoldElements = int64_t(1) << 22;

DenseElementsAttr asDense(Attribute attr) {
  auto dense = llvm::dyn_cast_or_null<DenseElementsAttr>(attr);
  if (!dense || dense.getNumElements() > kMaxFoldElements)
    return {};
  return dense;
}

SmallVector<int64_t> rowMajorStrides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = (int64_t)shape.size() - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

/// For every element of an `outShape` tensor (row-major), the linear index
/// `base + sum(index[d] * strides[d])` of the source element it reads. Data
/// movement (broadcast, transpose, slice) is such a strided walk.
SmallVector<int64_t> stridedIndexMap(ArrayRef<int64_t> outShape,
                                     ArrayRef<int64_t> strides,
                                     int64_t base = 0) {
  int64_t rank = outShape.size();
  int64_t count = ShapedType::getNumElements(outShape);
  SmallVector<int64_t> map(count), index(rank, 0);
  int64_t current = base;
  for (int64_t i = 0; i < count; ++i) {
    map[i] = current;
    for (int64_t d = rank - 1; d >= 0; --d) {
      current += strides[d];
      if (++index[d] < outShape[d])
        break;
      current -= strides[d] * index[d];
      index[d] = 0;
    }
  }
  return map;
}

/// For every element of `resultShape`, the linear index of the element of
/// `operandShape` that numpy broadcasting reads.
SmallVector<int64_t> broadcastIndexMap(ArrayRef<int64_t> operandShape,
                                       ArrayRef<int64_t> resultShape) {
  int64_t rank = resultShape.size(), offset = rank - operandShape.size();
  SmallVector<int64_t> strides(rank, 0);
  int64_t stride = 1;
  for (int64_t d = rank - 1; d >= offset; --d) {
    int64_t size = operandShape[d - offset];
    strides[d] = size == 1 ? 0 : stride;
    stride *= size;
  }
  return stridedIndexMap(resultShape, strides);
}

/// A new constant of `type` whose element i is element map[i] of `source`.
/// Works on raw bytes for byte-sized elements, element by element otherwise.
DenseElementsAttr gatherElements(DenseElementsAttr source,
                                 RankedTensorType type,
                                 ArrayRef<int64_t> map) {
  if (source.isSplat())
    return source.resizeSplat(type);
  Type element = source.getElementType();
  unsigned bits = element.isIntOrFloat() ? element.getIntOrFloatBitWidth() : 0;
  if (bits % 8 == 0 && bits > 0) {
    size_t bytes = bits / 8;
    ArrayRef<char> raw = source.getRawData();
    std::vector<char> out(map.size() * bytes);
    for (size_t i = 0; i < map.size(); ++i)
      std::memcpy(&out[i * bytes], &raw[map[i] * bytes], bytes);
    return DenseElementsAttr::getFromRawBuffer(type, out);
  }
  auto values = llvm::to_vector(source.getValues<Attribute>());
  SmallVector<Attribute> out;
  out.reserve(map.size());
  for (int64_t i : map)
    out.push_back(values[i]);
  return DenseElementsAttr::get(type, out);
}

bool isUnsignedInt(Type t) {
  auto i = llvm::dyn_cast<IntegerType>(t);
  return i && (i.isUnsigned() || i.getWidth() == 1);
}

double toDouble(const APFloat &f) {
  APFloat copy = f;
  bool lost;
  copy.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
  return copy.convertToDouble();
}

APFloat fromDouble(double value, Type floatType) {
  APFloat f(value);
  bool lost;
  f.convert(llvm::cast<FloatType>(floatType).getFloatSemantics(),
            APFloat::rmNearestTiesToEven, &lost);
  return f;
}

using IntFn = llvm::function_ref<std::optional<APInt>(const APInt &,
                                                      const APInt &, bool)>;
using FloatFn = llvm::function_ref<std::optional<double>(double, double)>;
using FloatPredicate = llvm::function_ref<bool(double, double)>;

/// Folds an elementwise binary op whose operands are both constants.
/// `intFn` gets the operands' signedness; for a bool result it returns a
/// 1-bit APInt. A null function, or one that returns nullopt for any
/// element (division by zero, say), leaves the op alone.
OpFoldResult foldBinary(Operation *op, ArrayRef<Attribute> operands,
                        IntFn intFn, FloatFn floatFn = nullptr,
                        FloatPredicate predicate = nullptr) {
  DenseElementsAttr lhs = asDense(operands[0]), rhs = asDense(operands[1]);
  if (!lhs || !rhs)
    return {};
  auto type = llvm::cast<RankedTensorType>(op->getResult(0).getType());
  if (type.getNumElements() > kMaxFoldElements)
    return {};
  Type element = lhs.getElementType();
  Type resultElement = type.getElementType();
  auto lhsMap = broadcastIndexMap(lhs.getType().getShape(), type.getShape());
  auto rhsMap = broadcastIndexMap(rhs.getType().getShape(), type.getShape());
  int64_t count = type.getNumElements();

  if (llvm::isa<IntegerType>(element) &&
      llvm::isa<IntegerType>(rhs.getElementType())) {
    if (!intFn)
      return {};
    auto a = llvm::to_vector(lhs.getValues<APInt>());
    auto b = llvm::to_vector(rhs.getValues<APInt>());
    bool isUnsigned = isUnsignedInt(element);
    SmallVector<APInt> out;
    out.reserve(count);
    for (int64_t i = 0; i < count; ++i) {
      std::optional<APInt> v = intFn(a[lhsMap[i]], b[rhsMap[i]], isUnsigned);
      if (!v)
        return {};
      out.push_back(*v);
    }
    return DenseElementsAttr::get(type, out);
  }
  if (llvm::isa<FloatType>(element) && llvm::isa<FloatType>(rhs.getElementType())) {
    SmallVector<double> a, b;
    for (const APFloat &f : lhs.getValues<APFloat>())
      a.push_back(toDouble(f));
    for (const APFloat &f : rhs.getValues<APFloat>())
      b.push_back(toDouble(f));
    if (resultElement.isInteger(1)) {
      if (!predicate)
        return {};
      SmallVector<bool> out;
      for (int64_t i = 0; i < count; ++i)
        out.push_back(predicate(a[lhsMap[i]], b[rhsMap[i]]));
      return DenseElementsAttr::get(type, out);
    }
    if (!floatFn)
      return {};
    SmallVector<APFloat> out;
    for (int64_t i = 0; i < count; ++i) {
      std::optional<double> v = floatFn(a[lhsMap[i]], b[rhsMap[i]]);
      if (!v)
        return {};
      out.push_back(fromDouble(*v, resultElement));
    }
    return DenseElementsAttr::get(type, out);
  }
  return {};
}

/// True if `attr` is a splat constant equal to `value` (integer or float).
bool isSplatOf(Attribute attr, int64_t value) {
  auto dense = llvm::dyn_cast_or_null<DenseElementsAttr>(attr);
  if (!dense || !dense.isSplat())
    return false;
  Type element = dense.getElementType();
  if (llvm::isa<IntegerType>(element))
    return dense.getSplatValue<APInt>().getSExtValue() == value;
  if (llvm::isa<FloatType>(element))
    return toDouble(dense.getSplatValue<APFloat>()) == (double)value;
  return false;
}

/// `x op identity` folds to x when no broadcasting changes x's type.
OpFoldResult foldRightIdentity(Operation *op, ArrayRef<Attribute> operands,
                               int64_t identity, bool floatsToo) {
  Value lhs = op->getOperand(0);
  if (lhs.getType() != op->getResult(0).getType())
    return {};
  if (!floatsToo && !llvm::isa<IntegerType>(getElementTypeOrSelf(lhs)))
    return {};
  if (isSplatOf(operands[1], identity))
    return lhs;
  return {};
}

APInt boolBit(bool b) { return APInt(1, b ? 1 : 0); }

int compareInts(const APInt &a, const APInt &b, bool isUnsigned) {
  if (isUnsigned)
    return a.ult(b) ? -1 : (a == b ? 0 : 1);
  return a.slt(b) ? -1 : (a == b ? 0 : 1);
}

} // namespace

//===----------------------------------------------------------------------===//
// Constants and unary ops
//===----------------------------------------------------------------------===//

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

OpFoldResult NegOp::fold(FoldAdaptor adaptor) {
  DenseElementsAttr in = asDense(adaptor.getInput());
  if (!in)
    return {};
  Type element = in.getElementType();
  if (llvm::isa<IntegerType>(element))
    return in.mapValues(element, [](const APInt &v) { return -v; });
  if (llvm::isa<FloatType>(element))
    return in.mapValues(element, [](const APFloat &v) {
      APFloat n = v;
      n.changeSign();
      return n.bitcastToAPInt();
    });
  return {};
}

OpFoldResult NotOp::fold(FoldAdaptor adaptor) {
  DenseElementsAttr in = asDense(adaptor.getInput());
  if (!in)
    return {};
  return in.mapValues(in.getElementType(), [](const APInt &v) { return ~v; });
}

//===----------------------------------------------------------------------===//
// Binary ops
//===----------------------------------------------------------------------===//

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult r = foldRightIdentity(*this, adaptor.getOperands(), 0,
                                         /*floatsToo=*/false))
    return r;
  return foldBinary(
      *this, adaptor.getOperands(),
      [](const APInt &a, const APInt &b, bool) -> std::optional<APInt> {
        return a + b;
      },
      [](double a, double b) -> std::optional<double> { return a + b; });
}

OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult r = foldRightIdentity(*this, adaptor.getOperands(), 0,
                                         /*floatsToo=*/false))
    return r;
  return foldBinary(
      *this, adaptor.getOperands(),
      [](const APInt &a, const APInt &b, bool) -> std::optional<APInt> {
        return a - b;
      },
      [](double a, double b) -> std::optional<double> { return a - b; });
}

OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult r = foldRightIdentity(*this, adaptor.getOperands(), 1,
                                         /*floatsToo=*/true))
    return r;
  return foldBinary(
      *this, adaptor.getOperands(),
      [](const APInt &a, const APInt &b, bool) -> std::optional<APInt> {
        return a * b;
      },
      [](double a, double b) -> std::optional<double> { return a * b; });
}

OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult r = foldRightIdentity(*this, adaptor.getOperands(), 1,
                                         /*floatsToo=*/true))
    return r;
  return foldBinary(
      *this, adaptor.getOperands(),
      [](const APInt &a, const APInt &b,
         bool isUnsigned) -> std::optional<APInt> {
        if (b.isZero() || (!isUnsigned && a.isMinSignedValue() &&
                           b.isAllOnes()))
          return std::nullopt;
        return isUnsigned ? a.udiv(b) : a.sdiv(b);
      },
      [](double a, double b) -> std::optional<double> { return a / b; });
}

OpFoldResult PowOp::fold(FoldAdaptor adaptor) {
  // Only float bases: ONNX leaves integer overflow in Pow unspecified.
  if (!llvm::isa<FloatType>(getElementTypeOrSelf(getLhs())) ||
      !llvm::isa<FloatType>(getElementTypeOrSelf(getRhs())))
    return {};
  return foldBinary(
      *this, adaptor.getOperands(), nullptr,
      [](double a, double b) -> std::optional<double> {
        return std::pow(a, b);
      });
}

OpFoldResult MaxOp::fold(FoldAdaptor adaptor) {
  return foldBinary(
      *this, adaptor.getOperands(),
      [](const APInt &a, const APInt &b, bool u) -> std::optional<APInt> {
        return compareInts(a, b, u) >= 0 ? a : b;
      },
      [](double a, double b) -> std::optional<double> {
        return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b);
      });
}

OpFoldResult MinOp::fold(FoldAdaptor adaptor) {
  return foldBinary(
      *this, adaptor.getOperands(),
      [](const APInt &a, const APInt &b, bool u) -> std::optional<APInt> {
        return compareInts(a, b, u) <= 0 ? a : b;
      },
      [](double a, double b) -> std::optional<double> {
        return std::isnan(a) || std::isnan(b) ? NAN : std::min(a, b);
      });
}

OpFoldResult ModOp::fold(FoldAdaptor adaptor) {
  bool fmod = getFmod();
  return foldBinary(
      *this, adaptor.getOperands(),
      [fmod](const APInt &a, const APInt &b,
             bool isUnsigned) -> std::optional<APInt> {
        if (b.isZero())
          return std::nullopt;
        if (isUnsigned)
          return a.urem(b);
        APInt r = a.srem(b);
        // Python semantics: the remainder takes the divisor's sign.
        if (!fmod && !r.isZero() && (r.isNegative() != b.isNegative()))
          r += b;
        return r;
      },
      [fmod](double a, double b) -> std::optional<double> {
        if (!fmod)
          return std::nullopt;
        return std::fmod(a, b);
      });
}

OpFoldResult PReluOp::fold(FoldAdaptor adaptor) {
  return foldBinary(
      *this, adaptor.getOperands(),
      [](const APInt &a, const APInt &b, bool u) -> std::optional<APInt> {
        return (!u && a.isNegative()) ? a * b : a;
      },
      [](double a, double b) -> std::optional<double> {
        return a < 0 ? a * b : a;
      });
}

OpFoldResult AndOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor.getOperands(),
                    [](const APInt &a, const APInt &b,
                       bool) -> std::optional<APInt> { return a & b; });
}
OpFoldResult OrOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor.getOperands(),
                    [](const APInt &a, const APInt &b,
                       bool) -> std::optional<APInt> { return a | b; });
}
OpFoldResult XorOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor.getOperands(),
                    [](const APInt &a, const APInt &b,
                       bool) -> std::optional<APInt> { return a ^ b; });
}

OpFoldResult BitShiftOp::fold(FoldAdaptor adaptor) {
  bool left = getLeft();
  return foldBinary(
      *this, adaptor.getOperands(),
      [left](const APInt &a, const APInt &b, bool) -> std::optional<APInt> {
        uint64_t amount = b.getLimitedValue(a.getBitWidth());
        return left ? a.shl(amount) : a.lshr(amount);
      });
}

#define GAON_COMPARE_FOLD(OP, INT_TEST, FLOAT_TEST)                            \
  OpFoldResult OP::fold(FoldAdaptor adaptor) {                                 \
    return foldBinary(                                                         \
        *this, adaptor.getOperands(),                                          \
        [](const APInt &a, const APInt &b,                                     \
           bool u) -> std::optional<APInt> {                                   \
          int c = compareInts(a, b, u);                                        \
          return boolBit(INT_TEST);                                            \
        },                                                                     \
        nullptr, [](double a, double b) { return FLOAT_TEST; });               \
  }
GAON_COMPARE_FOLD(EqualOp, c == 0, a == b)
GAON_COMPARE_FOLD(LessOp, c < 0, a < b)
GAON_COMPARE_FOLD(LessEqualOp, c <= 0, a <= b)
GAON_COMPARE_FOLD(GreaterOp, c > 0, a > b)
GAON_COMPARE_FOLD(GreaterEqualOp, c >= 0, a >= b)
#undef GAON_COMPARE_FOLD

OpFoldResult SelectOp::fold(FoldAdaptor adaptor) {
  auto condition =
      llvm::dyn_cast_or_null<DenseElementsAttr>(adaptor.getCondition());
  if (condition && condition.isSplat()) {
    Value chosen = condition.getSplatValue<bool>() ? getOnTrue() : getOnFalse();
    if (chosen.getType() == getType())
      return chosen;
  }
  DenseElementsAttr c = asDense(adaptor.getCondition()),
                    t = asDense(adaptor.getOnTrue()),
                    f = asDense(adaptor.getOnFalse());
  if (!c || !t || !f)
    return {};
  auto type = getType();
  auto cMap = broadcastIndexMap(c.getType().getShape(), type.getShape());
  auto tMap = broadcastIndexMap(t.getType().getShape(), type.getShape());
  auto fMap = broadcastIndexMap(f.getType().getShape(), type.getShape());
  auto cv = llvm::to_vector(c.getValues<bool>());
  auto tv = llvm::to_vector(t.getValues<Attribute>());
  auto fv = llvm::to_vector(f.getValues<Attribute>());
  SmallVector<Attribute> out;
  for (int64_t i = 0, e = type.getNumElements(); i < e; ++i)
    out.push_back(cv[cMap[i]] ? tv[tMap[i]] : fv[fMap[i]]);
  return DenseElementsAttr::get(type, out);
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

OpFoldResult ReduceOp::fold(FoldAdaptor adaptor) {
  ReduceKind kind = getKind();
  bool pureReduction = kind == ReduceKind::sum || kind == ReduceKind::max ||
                       kind == ReduceKind::min || kind == ReduceKind::prod ||
                       kind == ReduceKind::mean;
  if (getAxes().empty() && pureReduction && getInput().getType() == getType())
    return getInput();
  // Integer sums, products and extrema of small constants: shape arithmetic.
  DenseElementsAttr in = asDense(adaptor.getInput());
  if (!in || !pureReduction || kind == ReduceKind::mean ||
      !llvm::isa<IntegerType>(in.getElementType()))
    return {};
  auto inType = getInput().getType();
  auto outType = getType();
  bool isUnsigned = isUnsignedInt(in.getElementType());
  // Map each input element to its output element.
  SmallVector<int64_t> keptShape;
  for (int64_t d = 0; d < inType.getRank(); ++d)
    keptShape.push_back(llvm::is_contained(getAxes(), d) ? 1
                                                         : inType.getDimSize(d));
  auto values = llvm::to_vector(in.getValues<APInt>());
  SmallVector<std::optional<APInt>> acc(outType.getNumElements());
  auto keptStrides = rowMajorStrides(keptShape);
  auto inStrides = rowMajorStrides(inType.getShape());
  for (int64_t i = 0; i < (int64_t)values.size(); ++i) {
    int64_t outIndex = 0, rest = i;
    for (int64_t d = 0; d < inType.getRank(); ++d) {
      int64_t coord = rest / inStrides[d];
      rest %= inStrides[d];
      if (keptShape[d] != 1)
        outIndex += coord * keptStrides[d];
    }
    std::optional<APInt> &slot = acc[outIndex];
    const APInt &v = values[i];
    if (!slot) {
      slot = v;
      continue;
    }
    switch (kind) {
    case ReduceKind::sum:
      *slot += v;
      break;
    case ReduceKind::prod:
      *slot *= v;
      break;
    case ReduceKind::max:
      if (compareInts(v, *slot, isUnsigned) > 0)
        slot = v;
      break;
    case ReduceKind::min:
      if (compareInts(v, *slot, isUnsigned) < 0)
        slot = v;
      break;
    default:
      return {};
    }
  }
  SmallVector<APInt> out;
  unsigned width = in.getElementType().getIntOrFloatBitWidth();
  for (auto &slot : acc) {
    if (!slot) {
      // An empty reduction: only sum and prod have an identity.
      if (kind == ReduceKind::sum)
        slot = APInt(width, 0);
      else if (kind == ReduceKind::prod)
        slot = APInt(width, 1);
      else
        return {};
    }
    out.push_back(*slot);
  }
  return DenseElementsAttr::get(outType, out);
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto dense = llvm::dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    return dense.reshape(getType());
  return {};
}

namespace {
/// reshape(reshape(x)) -> reshape(x).
struct CollapseReshapes : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<ReshapeOp>();
    if (!inner)
      return failure();
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), inner.getInput());
    return success();
  }
};

/// transpose(transpose(x)) -> transpose(x) with the composed permutation.
struct ComposeTransposes : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<TransposeOp>();
    if (!inner)
      return failure();
    SmallVector<int64_t> perm;
    for (int64_t p : op.getPerm())
      perm.push_back(inner.getPerm()[p]);
    rewriter.replaceOpWithNewOp<TransposeOp>(op, op.getType(), inner.getInput(),
                                             perm);
    return success();
  }
};
} // namespace

namespace {
/// batch_norm(conv(x, W, b)) -> conv(x, W * s, (b - mean) * s + bias), with
/// s = scale / sqrt(variance + epsilon) per output channel, when the
/// convolution has no other user and every parameter is an f32 constant.
/// The folded parameters are computed in double and rounded once.
struct FoldBatchNormIntoConv : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BatchNormOp bn,
                                PatternRewriter &rewriter) const override {
    auto conv = bn.getInput().getDefiningOp<ConvOp>();
    if (!conv || !conv->hasOneUse())
      return failure();
    auto f32Constant = [](Value v) -> DenseElementsAttr {
      auto c = v ? v.getDefiningOp<ConstantOp>() : ConstantOp();
      auto d = c ? llvm::dyn_cast<DenseElementsAttr>(c.getValue())
                 : DenseElementsAttr();
      return d && d.getElementType().isF32() ? d : DenseElementsAttr();
    };
    DenseElementsAttr w = f32Constant(conv.getWeight());
    DenseElementsAttr b = conv.getBias() ? f32Constant(conv.getBias())
                                         : DenseElementsAttr();
    DenseElementsAttr scale = f32Constant(bn.getScale()),
                      bias = f32Constant(bn.getBias()),
                      mean = f32Constant(bn.getMean()),
                      var = f32Constant(bn.getVariance());
    if (!w || (conv.getBias() && !b) || !scale || !bias || !mean || !var)
      return failure();
    auto wType = llvm::cast<RankedTensorType>(w.getType());
    int64_t m = wType.getDimSize(0);
    for (DenseElementsAttr p : {scale, bias, mean, var})
      if (p.getNumElements() != m)
        return failure();
    if (b && b.getNumElements() != m)
      return failure();
    auto values = [](DenseElementsAttr d) {
      return SmallVector<float>(d.getValues<float>());
    };
    SmallVector<float> wv = values(w), sv = values(scale), bv = values(bias),
                       mv = values(mean), vv = values(var);
    SmallVector<float> cb = b ? values(b) : SmallVector<float>(m, 0.0f);
    double eps = bn.getEpsilon().convertToDouble();
    int64_t per = wType.getNumElements() / m;
    SmallVector<float> newW(wv.size()), newB(m);
    for (int64_t o = 0; o < m; ++o) {
      double s = double(sv[o]) / std::sqrt(double(vv[o]) + eps);
      for (int64_t i = 0; i < per; ++i)
        newW[o * per + i] = float(double(wv[o * per + i]) * s);
      newB[o] = float((double(cb[o]) - double(mv[o])) * s + double(bv[o]));
    }
    Location loc = rewriter.getFusedLoc({conv.getLoc(), bn.getLoc()});
    auto bType = RankedTensorType::get({m}, rewriter.getF32Type());
    Value weight = rewriter.create<ConstantOp>(
        conv.getWeight().getLoc(), wType,
        DenseElementsAttr::get(wType, ArrayRef<float>(newW)));
    Value newBias = rewriter.create<ConstantOp>(
        bn.getBias().getLoc(), bType,
        DenseElementsAttr::get(bType, ArrayRef<float>(newB)));
    auto folded = rewriter.create<ConvOp>(
        loc, bn.getType(), conv.getInput(), weight, newBias,
        conv.getStridesAttr(), conv.getDilationsAttr(), conv.getPadsAttr(),
        conv.getGroupAttr());
    rewriter.replaceOp(bn, folded.getResult());
    rewriter.eraseOp(conv);
    return success();
  }
};
} // namespace

void BatchNormOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<FoldBatchNormIntoConv>(context);
}

void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *context) {
  results.add<CollapseReshapes>(context);
}

void TransposeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<ComposeTransposes>(context);
}

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  ArrayRef<int64_t> perm = getPerm();
  bool identity = true;
  for (int64_t i = 0; i < (int64_t)perm.size(); ++i)
    identity &= perm[i] == i;
  if (identity)
    return getInput();
  DenseElementsAttr in = asDense(adaptor.getInput());
  if (!in)
    return {};
  auto outType = getType();
  auto inStrides = rowMajorStrides(getInput().getType().getShape());
  SmallVector<int64_t> strides;
  for (int64_t p : perm)
    strides.push_back(inStrides[p]);
  return gatherElements(in, outType,
                        stridedIndexMap(outType.getShape(), strides));
}

OpFoldResult ConcatOp::fold(FoldAdaptor adaptor) {
  if (getInputs().size() == 1 && getInputs()[0].getType() == getType())
    return getInputs()[0];
  SmallVector<DenseElementsAttr> inputs;
  for (Attribute attr : adaptor.getInputs()) {
    DenseElementsAttr dense = asDense(attr);
    if (!dense)
      return {};
    inputs.push_back(dense);
  }
  auto outType = getType();
  int64_t axis = getAxis();
  // outer x (axis extent x inner) blocks, taken input by input.
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= outType.getDimSize(d);
  for (int64_t d = axis + 1; d < outType.getRank(); ++d)
    inner *= outType.getDimSize(d);
  SmallVector<Attribute> out;
  out.reserve(outType.getNumElements());
  SmallVector<SmallVector<Attribute>> values;
  for (DenseElementsAttr in : inputs)
    values.push_back(llvm::to_vector(in.getValues<Attribute>()));
  for (int64_t o = 0; o < outer; ++o)
    for (size_t k = 0; k < inputs.size(); ++k) {
      int64_t block = inputs[k].getType().getDimSize(axis) * inner;
      for (int64_t j = 0; j < block; ++j)
        out.push_back(values[k][o * block + j]);
    }
  return DenseElementsAttr::get(outType, out);
}

OpFoldResult SliceOp::fold(FoldAdaptor adaptor) {
  auto inType = getInput().getType(), outType = getType();
  bool identity = inType == outType;
  for (int64_t d = 0; d < inType.getRank() && identity; ++d)
    identity = getStarts()[d] == 0 && getSteps()[d] == 1;
  if (identity)
    return getInput();
  DenseElementsAttr in = asDense(adaptor.getInput());
  if (!in)
    return {};
  auto inStrides = rowMajorStrides(inType.getShape());
  int64_t base = 0;
  SmallVector<int64_t> strides(inType.getRank());
  for (int64_t d = 0; d < inType.getRank(); ++d) {
    base += getStarts()[d] * inStrides[d];
    strides[d] = getSteps()[d] * inStrides[d];
  }
  return gatherElements(in, outType,
                        stridedIndexMap(outType.getShape(), strides, base));
}

OpFoldResult GatherOp::fold(FoldAdaptor adaptor) {
  DenseElementsAttr in = asDense(adaptor.getInput());
  DenseElementsAttr indices = asDense(adaptor.getIndices());
  if (!in || !indices)
    return {};
  auto inType = getInput().getType();
  int64_t axis = getAxis(), size = inType.getDimSize(axis);
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= inType.getDimSize(d);
  for (int64_t d = axis + 1; d < inType.getRank(); ++d)
    inner *= inType.getDimSize(d);
  SmallVector<int64_t> picks;
  for (const APInt &v : indices.getValues<APInt>()) {
    int64_t i = v.getSExtValue();
    if (i < -size || i >= size)
      return {}; // Out of range: left for the run-time error.
    picks.push_back(i < 0 ? i + size : i);
  }
  SmallVector<int64_t> map;
  map.reserve(getType().getNumElements());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t p : picks)
      for (int64_t j = 0; j < inner; ++j)
        map.push_back((o * size + p) * inner + j);
  return gatherElements(in, getType(), map);
}

OpFoldResult ExpandOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  DenseElementsAttr in = asDense(adaptor.getInput());
  if (!in || getType().getNumElements() > kMaxFoldElements)
    return {};
  return gatherElements(
      in, getType(),
      broadcastIndexMap(getInput().getType().getShape(), getType().getShape()));
}

OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  DenseElementsAttr in = asDense(adaptor.getInput());
  if (!in)
    return {};
  Type from = in.getElementType(), to = getType().getElementType();
  auto toInt = llvm::dyn_cast<IntegerType>(to);
  if (!(llvm::isa<FloatType>(from) || llvm::isa<IntegerType>(from)) ||
      !(llvm::isa<FloatType>(to) || toInt))
    return {};
  bool fromUnsigned = isUnsignedInt(from);
  SmallVector<Attribute> out;
  auto convert = [&](Attribute value) -> Attribute {
    if (auto i = llvm::dyn_cast<IntegerAttr>(value)) {
      APInt v = i.getValue();
      if (toInt) {
        if (toInt.getWidth() == 1)
          return IntegerAttr::get(to, APInt(1, !v.isZero()));
        return IntegerAttr::get(to, fromUnsigned
                                        ? v.zextOrTrunc(toInt.getWidth())
                                        : v.sextOrTrunc(toInt.getWidth()));
      }
      APFloat f(llvm::cast<FloatType>(to).getFloatSemantics());
      f.convertFromAPInt(v, !fromUnsigned, APFloat::rmNearestTiesToEven);
      return FloatAttr::get(to, f);
    }
    APFloat f = llvm::cast<FloatAttr>(value).getValue();
    if (toInt) {
      if (toInt.getWidth() == 1)
        return IntegerAttr::get(to, APInt(1, !f.isZero()));
      if (f.isNaN())
        return IntegerAttr::get(to, APInt(toInt.getWidth(), 0));
      llvm::APSInt result(toInt.getWidth(), toInt.isUnsigned());
      bool exact;
      f.convertToInteger(result, APFloat::rmTowardZero, &exact);
      return IntegerAttr::get(to, result);
    }
    bool lost;
    f.convert(llvm::cast<FloatType>(to).getFloatSemantics(),
              APFloat::rmNearestTiesToEven, &lost);
    return FloatAttr::get(to, f);
  };
  if (in.isSplat())
    return DenseElementsAttr::get(getType(),
                                  convert(in.getSplatValue<Attribute>()));
  for (Attribute value : in.getValues<Attribute>())
    out.push_back(convert(value));
  return DenseElementsAttr::get(getType(), out);
}

OpFoldResult StorageCastOp::fold(FoldAdaptor) {
  if (auto inner = getInput().getDefiningOp<StorageCastOp>())
    if (inner.getInput().getType() == getType())
      return inner.getInput();
  return {};
}

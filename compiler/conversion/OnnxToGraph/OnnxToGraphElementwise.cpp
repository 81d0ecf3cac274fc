//===- OnnxToGraphElementwise.cpp - unary, binary, logic, compare ---------===//

#include "compiler/conversion/OnnxToGraph/OnnxToGraph.h"

#include <cfloat>

using namespace mlir;
using namespace gaon::graph;

namespace gaon {
namespace {

using Results = SmallVectorImpl<Value>;

/// A unary op whose only ONNX attributes are obsolete (consumed_inputs).
template <typename OpTy>
OnnxConvertFn unary() {
  return [](OnnxNode &n, Results &out) -> LogicalResult {
    out.push_back(n.create<OpTy>(n.input(0)));
    return success();
  };
}

/// A unary op with one f32 attribute, `alpha`, defaulting to `dflt`.
template <typename OpTy>
OnnxConvertFn unaryAlpha(float dflt) {
  return [dflt](OnnxNode &n, Results &out) -> LogicalResult {
    out.push_back(n.create<OpTy>(n.input(0), n.f32(n.attrFloat("alpha", dflt))));
    return success();
  };
}

/// The right operand of a binary op, with version 1 and 6's legacy
/// broadcasting (`broadcast` = 1, `axis` where rhs starts within lhs)
/// rewritten as numpy broadcasting.
FailureOr<Value> legacyBroadcastRhs(OnnxNode &n) {
  Value rhs = n.input(1);
  if (n.version() >= 7)
    return rhs;
  int64_t lhsRank = n.rank(0), rhsRank = n.rank(1);
  if (!n.attrInt("broadcast", 0)) {
    if (n.inputType(0).getShape() != n.inputType(1).getShape())
      return n.fail() << "operands differ in shape without broadcast=1";
    return rhs;
  }
  if (!n.hasAttr("axis"))
    return rhs; // Suffix matching is numpy's rule.
  auto axis = n.normalizeAxis(n.attrInt("axis", 0), lhsRank);
  if (failed(axis))
    return failure();
  if (*axis + rhsRank > lhsRank)
    return n.fail() << "rhs of rank " << rhsRank << " at axis " << *axis
                    << " does not fit lhs rank " << lhsRank;
  SmallVector<int64_t> shape(n.inputType(1).getShape());
  shape.append(lhsRank - *axis - rhsRank, 1);
  return n.reshape(rhs, shape);
}

/// A broadcasting binary op.
template <typename OpTy>
OnnxConvertFn binary() {
  return [](OnnxNode &n, Results &out) -> LogicalResult {
    auto rhs = legacyBroadcastRhs(n);
    if (failed(rhs))
      return failure();
    auto v = n.make<OpTy>(ValueRange{n.input(0), *rhs});
    if (failed(v))
      return failure();
    out.push_back(*v);
    return success();
  };
}

/// Variadic Max, Min, Sum: a left fold of the binary op.
template <typename OpTy>
FailureOr<Value> foldInputs(OnnxNode &n) {
  if (n.numInputs() == 0) {
    n.fail() << "needs at least one input";
    return failure();
  }
  Value acc = n.input(0);
  for (unsigned i = 1; i < n.numInputs(); ++i) {
    auto next = n.make<OpTy>(ValueRange{acc, n.input(i)});
    if (failed(next))
      return failure();
    acc = *next;
  }
  return acc;
}

template <typename OpTy>
OnnxConvertFn variadic() {
  return [](OnnxNode &n, Results &out) -> LogicalResult {
    auto v = foldInputs<OpTy>(n);
    if (failed(v))
      return failure();
    out.push_back(*v);
    return success();
  };
}

LogicalResult convertMean(OnnxNode &n, Results &out) {
  auto sum = foldInputs<AddOp>(n);
  if (failed(sum))
    return failure();
  Type element = n.elementType(0);
  if (!llvm::isa<FloatType>(element))
    return n.fail() << "Mean needs floating-point inputs, got " << element;
  auto mean = n.make<DivOp>(ValueRange{*sum, n.splat(element, n.numInputs())});
  if (failed(mean))
    return failure();
  out.push_back(*mean);
  return success();
}

/// Clip: bounds are attributes before version 11, optional inputs after.
LogicalResult convertClip(OnnxNode &n, Results &out) {
  Value x = n.input(0);
  Type element = n.elementType(0);
  std::optional<double> lo, hi;
  Value loValue, hiValue;
  if (n.version() < 11) {
    lo = n.attrFloat("min", -FLT_MAX);
    hi = n.attrFloat("max", FLT_MAX);
  } else {
    for (unsigned i = 1; i <= 2; ++i) {
      if (!n.input(i))
        continue;
      Value &dynamic = i == 1 ? loValue : hiValue;
      DenseElementsAttr c = n.constantInput(i);
      if (!c) {
        dynamic = n.input(i);
        continue;
      }
      auto v = n.constantScalar(i, i == 1 ? "min" : "max");
      if (failed(v))
        return failure();
      // Integers whose bound is not exact in f64 take the binary path.
      if (llvm::isa<IntegerType>(element) && std::abs(*v) > 9007199254740992.0)
        dynamic = n.input(i);
      else
        (i == 1 ? lo : hi) = *v;
    }
  }
  Value y = x;
  if (lo || hi) {
    NamedAttrList attrs;
    if (lo)
      attrs.append("min", n.builder.getF64FloatAttr(*lo));
    if (hi)
      attrs.append("max", n.builder.getF64FloatAttr(*hi));
    if (lo && hi && *lo > *hi) {
      // ONNX defines min > max as all elements becoming max.
      y = n.create<MaxOp>(y, n.splat(element, *hi));
      y = n.create<MinOp>(y, n.splat(element, *hi));
    } else {
      y = n.create<ClipOp>(TypeRange{y.getType()}, ValueRange{y},
                           attrs.getAttrs());
    }
  }
  if (loValue) {
    auto v = n.make<MaxOp>(ValueRange{y, loValue});
    if (failed(v))
      return failure();
    y = *v;
  }
  if (hiValue) {
    auto v = n.make<MinOp>(ValueRange{y, hiValue});
    if (failed(v))
      return failure();
    y = *v;
  }
  out.push_back(y);
  return success();
}

LogicalResult convertMod(OnnxNode &n, Results &out) {
  bool fmod = n.attrInt("fmod", 0) != 0;
  if (!fmod && llvm::isa<FloatType>(n.elementType(0)))
    return n.fail() << "Mod of floating-point values needs fmod=1 (ONNX "
                       "requires it)";
  auto v = n.make<ModOp>(ValueRange{n.input(0), n.input(1)},
                         n.attr("fmod", n.builder.getBoolAttr(fmod)));
  if (failed(v))
    return failure();
  out.push_back(*v);
  return success();
}

LogicalResult convertBitShift(OnnxNode &n, Results &out) {
  std::string direction = n.attrString("direction", "");
  if (direction != "LEFT" && direction != "RIGHT")
    return n.fail() << "direction must be LEFT or RIGHT, got '" << direction
                    << "'";
  if (!n.elementType(0).isUnsignedInteger())
    return n.fail() << "BitShift is defined for unsigned integers, got "
                    << n.elementType(0);
  auto v = n.make<BitShiftOp>(
      ValueRange{n.input(0), n.input(1)},
      n.attr("left", n.builder.getBoolAttr(direction == "LEFT")));
  if (failed(v))
    return failure();
  out.push_back(*v);
  return success();
}

LogicalResult convertWhere(OnnxNode &n, Results &out) {
  auto v = n.make<SelectOp>(ValueRange{n.input(0), n.input(1), n.input(2)});
  if (failed(v))
    return failure();
  out.push_back(*v);
  return success();
}

LogicalResult convertIsInf(OnnxNode &n, Results &out) {
  auto boolType = RankedTensorType::get(n.inputType(0).getShape(),
                                        n.builder.getI1Type());
  out.push_back(n.create<IsInfOp>(
      boolType, n.input(0), n.attrInt("detect_positive", 1) != 0,
      n.attrInt("detect_negative", 1) != 0));
  return success();
}

LogicalResult convertIsNaN(OnnxNode &n, Results &out) {
  auto boolType = RankedTensorType::get(n.inputType(0).getShape(),
                                        n.builder.getI1Type());
  out.push_back(n.create<IsNanOp>(boolType, n.input(0)));
  return success();
}

} // namespace

void populateOnnxToGraphElementwisePatterns(OnnxPatternTable &t) {
  // Unary float ops. Versions 1 and 6 differ from later ones only in the
  // obsolete consumed_inputs attribute and in the types they admit.
  t.on("Exp", {1, 6, 13}, unary<ExpOp>());
  t.on("Log", {1, 6, 13}, unary<LogOp>());
  t.on("Tanh", {1, 6, 13}, unary<TanhOp>());
  t.on("Sigmoid", {1, 6, 13}, unary<SigmoidOp>());
  t.on("Erf", {9, 13}, unary<ErfOp>());
  t.on("Sqrt", {1, 6, 13}, unary<SqrtOp>());
  t.on("Reciprocal", {1, 6, 13}, unary<ReciprocalOp>());
  t.on("Sin", {7}, unary<SinOp>());
  t.on("Cos", {7}, unary<CosOp>());
  t.on("Tan", {7}, unary<TanOp>());
  t.on("Asin", {7}, unary<AsinOp>());
  t.on("Acos", {7}, unary<AcosOp>());
  t.on("Atan", {7}, unary<AtanOp>());
  t.on("Sinh", {9}, unary<SinhOp>());
  t.on("Cosh", {9}, unary<CoshOp>());
  t.on("Asinh", {9}, unary<AsinhOp>());
  t.on("Acosh", {9}, unary<AcoshOp>());
  t.on("Atanh", {9}, unary<AtanhOp>());
  t.on("Softplus", {1}, unary<SoftplusOp>());
  t.on("Softsign", {1}, unary<SoftsignOp>());
  t.on("Floor", {1, 6, 13}, unary<FloorOp>());
  t.on("Ceil", {1, 6, 13}, unary<CeilOp>());
  t.on("Round", {11}, unary<RoundOp>());
  t.on("HardSwish", {14}, unary<HardSwishOp>());

  // Unary numeric ops.
  t.on("Abs", {1, 6, 13}, unary<AbsOp>());
  t.on("Neg", {1, 6, 13}, unary<NegOp>());
  t.on("Sign", {9, 13}, unary<SignOp>());
  t.on("Relu", {1, 6, 13, 14}, unary<ReluOp>());
  t.on("Not", {1}, unary<NotOp>());
  t.on("IsNaN", {9, 13}, convertIsNaN);
  t.on("IsInf", {10}, convertIsInf);

  // Unary ops with parameters.
  t.on("Elu", {1, 6}, unaryAlpha<EluOp>(1.0f));
  t.on("Celu", {12}, unaryAlpha<CeluOp>(1.0f));
  t.on("LeakyRelu", {1, 6, 16}, unaryAlpha<LeakyReluOp>(0.01f));
  t.on("ThresholdedRelu", {10}, unaryAlpha<ThresholdedReluOp>(1.0f));
  t.on("Selu", {1, 6}, [](OnnxNode &n, Results &out) -> LogicalResult {
    out.push_back(n.create<SeluOp>(
        n.input(0), n.f32(n.attrFloat("alpha", 1.67326319217681884765625f)),
        n.f32(n.attrFloat("gamma", 1.05070102214813232421875f))));
    return success();
  });
  t.on("HardSigmoid", {1, 6}, [](OnnxNode &n, Results &out) -> LogicalResult {
    out.push_back(n.create<HardSigmoidOp>(
        n.input(0), n.f32(n.attrFloat("alpha", 0.2f)), n.f32(n.attrFloat("beta", 0.5f))));
    return success();
  });
  t.on("Shrink", {9}, [](OnnxNode &n, Results &out) -> LogicalResult {
    out.push_back(n.create<ShrinkOp>(n.input(0), n.f32(n.attrFloat("bias", 0.0f)),
                                     n.f32(n.attrFloat("lambd", 0.5f))));
    return success();
  });
  t.on("Clip", {1, 6, 11, 12, 13}, convertClip);

  // Broadcasting binary ops (versions 1 and 6 spell broadcasting with
  // attributes; see legacyBroadcastRhs).
  t.on("Add", {1, 6, 7, 13, 14}, binary<AddOp>());
  t.on("Sub", {1, 6, 7, 13, 14}, binary<SubOp>());
  t.on("Mul", {1, 6, 7, 13, 14}, binary<MulOp>());
  t.on("Div", {1, 6, 7, 13, 14}, binary<DivOp>());
  t.on("Pow", {1, 7, 12, 13, 15}, binary<PowOp>());
  t.on("PRelu", {7, 9, 16}, binary<PReluOp>());
  t.on("PRelu", {1, 6}, [](OnnxNode &n, Results &out) -> LogicalResult {
    // Before version 7 a 1-D slope of size C applied along the channel axis.
    Value slope = n.input(1);
    if (n.rank(1) == 1 && n.rank(0) > 2 &&
        n.inputType(1).getDimSize(0) == n.inputType(0).getDimSize(1) &&
        n.inputType(1).getDimSize(0) != 1) {
      SmallVector<int64_t> shape(n.rank(0) - 1, 1);
      shape[0] = n.inputType(1).getDimSize(0);
      slope = n.reshape(slope, shape);
    }
    auto v = n.make<PReluOp>(ValueRange{n.input(0), slope});
    if (failed(v))
      return failure();
    out.push_back(*v);
    return success();
  });
  t.on("And", {7}, binary<AndOp>());
  t.on("Or", {7}, binary<OrOp>());
  t.on("Xor", {7}, binary<XorOp>());
  t.on("Equal", {7, 11, 13}, binary<EqualOp>());
  t.on("Less", {7, 9, 13}, binary<LessOp>());
  t.on("Greater", {7, 9, 13}, binary<GreaterOp>());
  t.on("LessOrEqual", {12, 16}, binary<LessEqualOp>());
  t.on("GreaterOrEqual", {12, 16}, binary<GreaterEqualOp>());
  t.on("Mod", {10, 13}, convertMod);
  t.on("BitShift", {11}, convertBitShift);
  t.on("Where", {9, 16}, convertWhere);

  // Variadic ops (version 6 required equal shapes, a special case of
  // broadcasting).
  t.on("Max", {6, 8, 12, 13}, variadic<MaxOp>());
  t.on("Min", {6, 8, 12, 13}, variadic<MinOp>());
  t.on("Sum", {6, 8, 13}, variadic<AddOp>());
  t.on("Mean", {6, 8, 13}, convertMean);
}

} // namespace gaon

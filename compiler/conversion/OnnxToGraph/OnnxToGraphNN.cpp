//===- OnnxToGraphNN.cpp - conv, pooling, matmul, norms, reductions -------===//

#include "compiler/conversion/OnnxToGraph/OnnxToGraph.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace gaon::graph;

namespace gaon {
namespace {

using Results = SmallVectorImpl<Value>;

} // namespace

FailureOr<Window> resolveWindow(OnnxNode &n, ArrayRef<int64_t> spatialIn,
                                ArrayRef<int64_t> kernel) {
  int64_t k = spatialIn.size();
  Window w;
  w.kernel.assign(kernel.begin(), kernel.end());
  w.strides = n.attrInts("strides").value_or(SmallVector<int64_t>(k, 1));
  w.dilations = n.attrInts("dilations").value_or(SmallVector<int64_t>(k, 1));
  w.pads = n.attrInts("pads").value_or(SmallVector<int64_t>(2 * k, 0));
  if ((int64_t)w.strides.size() != k || (int64_t)w.dilations.size() != k ||
      (int64_t)w.pads.size() != 2 * k) {
    n.fail() << "strides, dilations and pads must have " << k << ", " << k
             << " and " << 2 * k << " entries for " << k << " spatial axes";
    return failure();
  }
  for (int64_t i = 0; i < k; ++i)
    if (w.strides[i] < 1 || w.dilations[i] < 1) {
      n.fail() << "strides and dilations must be positive";
      return failure();
    }
  std::string autoPad = n.attrString("auto_pad", "NOTSET");
  if (autoPad == "NOTSET")
    return w;
  if (autoPad == "VALID") {
    w.pads.assign(2 * k, 0);
    return w;
  }
  if (autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER") {
    n.fail() << "unknown auto_pad '" << autoPad << "'";
    return failure();
  }
  for (int64_t i = 0; i < k; ++i) {
    int64_t out = (spatialIn[i] + w.strides[i] - 1) / w.strides[i];
    int64_t span = (w.kernel[i] - 1) * w.dilations[i] + 1;
    int64_t total =
        std::max<int64_t>(0, (out - 1) * w.strides[i] + span - spatialIn[i]);
    int64_t small = total / 2, large = total - small;
    w.pads[i] = autoPad == "SAME_UPPER" ? small : large;
    w.pads[i + k] = autoPad == "SAME_UPPER" ? large : small;
  }
  return w;
}

LogicalResult checkKernelShape(OnnxNode &n, ArrayRef<int64_t> fromWeight) {
  auto declared = n.attrInts("kernel_shape");
  if (declared && ArrayRef<int64_t>(*declared) != fromWeight)
    return n.fail() << "kernel_shape does not match the weight's spatial "
                       "dimensions";
  return success();
}

FailureOr<SmallVector<NamedAttribute>> convAttributes(OnnxNode &n) {
  if (n.rank(0) < 3 || n.rank(1) != n.rank(0)) {
    n.fail() << "input and weight need the same rank >= 3, got "
             << n.inputType(0) << " and " << n.inputType(1);
    return failure();
  }
  auto kernel = n.inputType(1).getShape().drop_front(2);
  if (failed(checkKernelShape(n, kernel)))
    return failure();
  auto w = resolveWindow(n, n.inputType(0).getShape().drop_front(2), kernel);
  if (failed(w))
    return failure();
  return SmallVector<NamedAttribute>{
      n.attr("strides", n.builder.getDenseI64ArrayAttr(w->strides)),
      n.attr("dilations", n.builder.getDenseI64ArrayAttr(w->dilations)),
      n.attr("pads", n.builder.getDenseI64ArrayAttr(w->pads)),
      n.attr("group", n.builder.getI64IntegerAttr(n.attrInt("group", 1)))};
}

namespace {

LogicalResult convertConv(OnnxNode &n, Results &out) {
  auto attrs = convAttributes(n);
  if (failed(attrs))
    return failure();
  SmallVector<Value> operands{n.input(0), n.input(1)};
  if (Value bias = n.input(2))
    operands.push_back(bias);
  auto v = n.make<ConvOp>(operands, *attrs);
  if (failed(v))
    return failure();
  out.push_back(*v);
  return success();
}

LogicalResult convertConvTranspose(OnnxNode &n, Results &out) {
  if (n.rank(0) < 3 || n.rank(1) != n.rank(0))
    return n.fail() << "input and weight need the same rank >= 3";
  auto in = n.inputType(0).getShape().drop_front(2);
  auto kernel = n.inputType(1).getShape().drop_front(2);
  int64_t k = in.size();
  if (failed(checkKernelShape(n, kernel)))
    return failure();
  SmallVector<int64_t> strides =
      n.attrInts("strides").value_or(SmallVector<int64_t>(k, 1));
  SmallVector<int64_t> dilations =
      n.attrInts("dilations").value_or(SmallVector<int64_t>(k, 1));
  SmallVector<int64_t> pads =
      n.attrInts("pads").value_or(SmallVector<int64_t>(2 * k, 0));
  SmallVector<int64_t> outputPadding =
      n.attrInts("output_padding").value_or(SmallVector<int64_t>(k, 0));
  if ((int64_t)strides.size() != k || (int64_t)dilations.size() != k ||
      (int64_t)pads.size() != 2 * k || (int64_t)outputPadding.size() != k)
    return n.fail() << "window attributes do not match " << k
                    << " spatial axes";
  std::string autoPad = n.attrString("auto_pad", "NOTSET");
  auto outputShape = n.attrInts("output_shape");
  if (outputShape && (int64_t)outputShape->size() == k + 2)
    outputShape->erase(outputShape->begin(), outputShape->begin() + 2);
  if (!outputShape && (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER")) {
    outputShape.emplace();
    for (int64_t i = 0; i < k; ++i)
      outputShape->push_back(in[i] * strides[i]);
  }
  if (outputShape) {
    if ((int64_t)outputShape->size() != k)
      return n.fail() << "output_shape must have " << k << " entries";
    for (int64_t i = 0; i < k; ++i) {
      int64_t total = strides[i] * (in[i] - 1) + outputPadding[i] +
                      (kernel[i] - 1) * dilations[i] + 1 - (*outputShape)[i];
      if (total < 0) {
        // The requested output is larger than the full transposed
        // convolution: the extra positions are output padding.
        outputPadding[i] -= total;
        total = 0;
      }
      int64_t small = total / 2, large = total - small;
      pads[i] = autoPad == "SAME_UPPER" ? small : large;
      pads[i + k] = autoPad == "SAME_UPPER" ? large : small;
    }
  } else if (autoPad == "VALID") {
    pads.assign(2 * k, 0);
  }
  SmallVector<Value> operands{n.input(0), n.input(1)};
  if (Value bias = n.input(2))
    operands.push_back(bias);
  auto v = n.make<ConvTransposeOp>(
      operands,
      {n.attr("strides", n.builder.getDenseI64ArrayAttr(strides)),
       n.attr("dilations", n.builder.getDenseI64ArrayAttr(dilations)),
       n.attr("pads", n.builder.getDenseI64ArrayAttr(pads)),
       n.attr("output_padding", n.builder.getDenseI64ArrayAttr(outputPadding)),
       n.attr("group", n.builder.getI64IntegerAttr(n.attrInt("group", 1)))});
  if (failed(v))
    return failure();
  out.push_back(*v);
  return success();
}

template <typename OpTy>
LogicalResult convertPool(OnnxNode &n, Results &out) {
  if (n.rank(0) < 3)
    return n.fail() << "input needs rank >= 3 (N, C, spatial...)";
  auto kernel = n.attrInts("kernel_shape");
  if (!kernel)
    return n.fail() << "kernel_shape is required";
  if (n.attrInt("storage_order", 0) != 0)
    return n.fail() << "storage_order=1 (column-major indices) is not "
                       "supported";
  auto w = resolveWindow(n, n.inputType(0).getShape().drop_front(2), *kernel);
  if (failed(w))
    return failure();
  SmallVector<NamedAttribute> attrs{
      n.attr("kernel_shape", n.builder.getDenseI64ArrayAttr(w->kernel)),
      n.attr("strides", n.builder.getDenseI64ArrayAttr(w->strides)),
      n.attr("dilations", n.builder.getDenseI64ArrayAttr(w->dilations)),
      n.attr("pads", n.builder.getDenseI64ArrayAttr(w->pads)),
      n.attr("ceil_mode", n.builder.getBoolAttr(n.attrInt("ceil_mode", 0)))};
  if (std::is_same_v<OpTy, AvgPoolOp>)
    attrs.push_back(n.attr("count_include_pad",
                           n.builder.getBoolAttr(
                               n.attrInt("count_include_pad", 0))));
  auto v = n.make<OpTy>(n.input(0), attrs);
  if (failed(v))
    return failure();
  out.push_back(*v);
  return success();
}

/// GlobalAveragePool and GlobalMaxPool: a reduction over spatial axes.
template <ReduceKind kind>
LogicalResult convertGlobalPool(OnnxNode &n, Results &out) {
  if (n.rank(0) < 3)
    return n.fail() << "input needs rank >= 3 (N, C, spatial...)";
  SmallVector<int64_t> axes;
  for (int64_t d = 2; d < n.rank(0); ++d)
    axes.push_back(d);
  auto v = n.reduce(kind, n.input(0), axes, /*keepdims=*/true);
  if (failed(v))
    return failure();
  out.push_back(*v);
  return success();
}

LogicalResult convertMatMul(OnnxNode &n, Results &out) {
  auto v = n.make<MatMulOp>(ValueRange{n.input(0), n.input(1)});
  if (failed(v))
    return failure();
  out.push_back(*v);
  return success();
}

/// Gemm: alpha * A' B' + beta * C, as graph ops the fusion passes recognize.
LogicalResult convertGemm(OnnxNode &n, Results &out) {
  Value a = n.input(0), b = n.input(1);
  if (n.rank(0) != 2 || n.rank(1) != 2)
    return n.fail() << "A and B must be matrices";
  if (n.attrInt("transA", 0)) {
    auto t = n.transpose(a, {1, 0});
    if (failed(t))
      return failure();
    a = *t;
  }
  if (n.attrInt("transB", 0)) {
    auto t = n.transpose(b, {1, 0});
    if (failed(t))
      return failure();
    b = *t;
  }
  auto y = n.make<MatMulOp>(ValueRange{a, b});
  if (failed(y))
    return failure();
  Type element = n.elementType(0);
  float alpha = n.attrFloat("alpha", 1.0f), beta = n.attrFloat("beta", 1.0f);
  if (alpha != 1.0f) {
    y = n.make<MulOp>(ValueRange{*y, n.splat(element, alpha)});
    if (failed(y))
      return failure();
  }
  if (Value c = n.input(2)) {
    if (beta != 1.0f) {
      auto scaled = n.make<MulOp>(ValueRange{c, n.splat(element, beta)});
      if (failed(scaled))
        return failure();
      c = *scaled;
    }
    auto sum = n.make<AddOp>(ValueRange{*y, c});
    if (failed(sum))
      return failure();
    // C broadcasts to the product, never the other way round.
    if (sum->getType() != y->getType())
      return n.fail() << "C " << c.getType() << " does not broadcast to "
                      << y->getType();
    y = sum;
  }
  out.push_back(*y);
  return success();
}

LogicalResult convertBatchNorm(OnnxNode &n, Results &out) {
  if (n.version() >= 14 && n.attrInt("training_mode", 0))
    return n.fail() << "training_mode=1 is not supported (Gaon compiles "
                       "inference)";
  if (n.version() < 7 && n.attrInt("is_test", 0) == 0 &&
      (n.outputUsed(1) || n.outputUsed(2)))
    return n.fail() << "is_test=0 (training) is not supported";
  if (n.version() < 9 && n.attrInt("spatial", 1) != 1)
    return n.fail() << "spatial=0 is not supported";
  for (unsigned i = 1; i < n.numOutputs(); ++i)
    if (n.outputUsed(i))
      return n.fail() << "the training outputs (running mean and variance) "
                         "are not supported";
  auto v = n.make<BatchNormOp>(
      ValueRange{n.input(0), n.input(1), n.input(2), n.input(3), n.input(4)},
      n.attr("epsilon",
             n.builder.getF32FloatAttr(n.attrFloat("epsilon", 1e-5f))));
  if (failed(v))
    return failure();
  out.push_back(*v);
  return success();
}

LogicalResult convertInstanceNorm(OnnxNode &n, Results &out) {
  auto v = n.make<InstanceNormOp>(
      ValueRange{n.input(0), n.input(1), n.input(2)},
      n.attr("epsilon",
             n.builder.getF32FloatAttr(n.attrFloat("epsilon", 1e-5f))));
  if (failed(v))
    return failure();
  out.push_back(*v);
  return success();
}

LogicalResult convertLayerNorm(OnnxNode &n, Results &out) {
  auto axis = n.normalizeAxis(n.attrInt("axis", -1), n.rank(0));
  if (failed(axis))
    return failure();
  float epsilon = n.attrFloat("epsilon", 1e-5f);
  Value x = n.input(0);
  Type element = n.elementType(0);
  if (!n.outputUsed(1) && !n.outputUsed(2)) {
    SmallVector<Value> operands{x, n.input(1)};
    if (Value bias = n.input(2))
      operands.push_back(bias);
    auto v = n.make<LayerNormOp>(
        operands, {n.attr("axis", n.builder.getI64IntegerAttr(*axis)),
                   n.attr("epsilon", n.builder.getF32FloatAttr(epsilon))});
    if (failed(v))
      return failure();
    out.push_back(*v);
    return success();
  }
  // The statistics are wanted too: spell the normalization out.
  SmallVector<int64_t> axes;
  for (int64_t d = *axis; d < n.rank(0); ++d)
    axes.push_back(d);
  auto mean = n.reduce(ReduceKind::mean, x, axes, true);
  if (failed(mean))
    return failure();
  auto centered = n.make<SubOp>(ValueRange{x, *mean});
  if (failed(centered))
    return failure();
  auto squared = n.make<MulOp>(ValueRange{*centered, *centered});
  if (failed(squared))
    return failure();
  auto variance = n.reduce(ReduceKind::mean, *squared, axes, true);
  if (failed(variance))
    return failure();
  auto shifted = n.make<AddOp>(ValueRange{*variance, n.splat(element, epsilon)});
  if (failed(shifted))
    return failure();
  Value invStdDev = n.create<RsqrtOp>(*shifted);
  auto normalized = n.make<MulOp>(ValueRange{*centered, invStdDev});
  if (failed(normalized))
    return failure();
  auto y = n.make<MulOp>(ValueRange{*normalized, n.input(1)});
  if (failed(y))
    return failure();
  if (Value bias = n.input(2)) {
    y = n.make<AddOp>(ValueRange{*y, bias});
    if (failed(y))
      return failure();
  }
  out.append({*y, *mean, invStdDev});
  return success();
}

LogicalResult convertLrn(OnnxNode &n, Results &out) {
  int64_t size = n.attrInt("size", 0);
  if (size < 1)
    return n.fail() << "size must be a positive integer";
  out.push_back(n.create<LrnOp>(
      n.input(0), n.builder.getI64IntegerAttr(size),
      n.f32(n.attrFloat("alpha", 1e-4f)), n.f32(n.attrFloat("beta", 0.75f)),
      n.f32(n.attrFloat("bias", 1.0f))));
  return success();
}

/// Softmax, LogSoftmax and Hardmax. Before version 13 they flattened the
/// input to 2-D at `axis` (default 1) and normalized each row.
template <typename OpTy>
LogicalResult convertSoftmax(OnnxNode &n, Results &out) {
  int64_t rank = n.rank(0);
  bool legacy = n.version() < 13;
  auto axis = n.normalizeAxis(n.attrInt("axis", legacy ? 1 : -1),
                              std::max<int64_t>(rank, 1));
  if (failed(axis))
    return failure();
  Value x = n.input(0);
  ArrayRef<int64_t> shape = n.inputType(0).getShape();
  if (legacy && *axis != rank - 1) {
    int64_t rows = 1, cols = 1;
    for (int64_t d = 0; d < rank; ++d)
      (d < *axis ? rows : cols) *= shape[d];
    x = n.reshape(x, {rows, cols});
    auto y = n.make<OpTy>(x, n.attr("axis", n.builder.getI64IntegerAttr(1)));
    if (failed(y))
      return failure();
    out.push_back(n.reshape(*y, shape));
    return success();
  }
  auto y = n.make<OpTy>(x, n.attr("axis", n.builder.getI64IntegerAttr(*axis)));
  if (failed(y))
    return failure();
  out.push_back(*y);
  return success();
}

/// ONNX reductions: axes from an attribute (or, for ReduceSum 13 on, an
/// input); no axes means all axes unless noop_with_empty_axes.
template <ReduceKind kind>
LogicalResult convertReduce(OnnxNode &n, Results &out) {
  int64_t rank = n.rank(0);
  std::optional<SmallVector<int64_t>> axes = n.attrInts("axes");
  bool axesFromInput = kind == ReduceKind::sum && n.version() >= 13;
  if (axesFromInput && n.input(1)) {
    auto values = n.constantInts(1, "axes");
    if (failed(values))
      return failure();
    axes = *values;
  }
  SmallVector<int64_t> normalized;
  if (!axes || axes->empty()) {
    if (axesFromInput && n.attrInt("noop_with_empty_axes", 0)) {
      out.push_back(n.input(0));
      return success();
    }
    for (int64_t d = 0; d < rank; ++d)
      normalized.push_back(d);
  } else {
    for (int64_t a : *axes) {
      auto axis = n.normalizeAxis(a, rank);
      if (failed(axis))
        return failure();
      if (!llvm::is_contained(normalized, *axis))
        normalized.push_back(*axis);
    }
    llvm::sort(normalized);
  }
  auto v = n.reduce(kind, n.input(0), normalized, n.attrInt("keepdims", 1));
  if (failed(v))
    return failure();
  out.push_back(*v);
  return success();
}

template <typename OpTy>
LogicalResult convertArgReduce(OnnxNode &n, Results &out) {
  auto axis = n.normalizeAxis(n.attrInt("axis", 0), n.rank(0));
  if (failed(axis))
    return failure();
  auto v = n.make<OpTy>(
      n.input(0),
      {n.attr("axis", n.builder.getI64IntegerAttr(*axis)),
       n.attr("keepdims", n.builder.getBoolAttr(n.attrInt("keepdims", 1))),
       n.attr("select_last_index",
              n.builder.getBoolAttr(n.attrInt("select_last_index", 0)))});
  if (failed(v))
    return failure();
  out.push_back(*v);
  return success();
}

LogicalResult convertCumSum(OnnxNode &n, Results &out) {
  auto axisValue = n.constantInts(1, "axis");
  if (failed(axisValue))
    return failure();
  if (axisValue->size() != 1)
    return n.fail() << "axis must be a scalar";
  auto axis = n.normalizeAxis((*axisValue)[0], n.rank(0));
  if (failed(axis))
    return failure();
  auto v = n.make<CumSumOp>(
      n.input(0),
      {n.attr("axis", n.builder.getI64IntegerAttr(*axis)),
       n.attr("exclusive", n.builder.getBoolAttr(n.attrInt("exclusive", 0))),
       n.attr("reverse", n.builder.getBoolAttr(n.attrInt("reverse", 0)))});
  if (failed(v))
    return failure();
  out.push_back(*v);
  return success();
}

/// MeanVarianceNormalization, as its ONNX function body defines it:
/// (X - E[X]) / (sqrt(E[X^2] - E[X]^2) + 1e-9).
LogicalResult convertMeanVarianceNorm(OnnxNode &n, Results &out) {
  SmallVector<int64_t> axes =
      n.attrInts("axes").value_or(SmallVector<int64_t>{0, 2, 3});
  SmallVector<int64_t> normalized;
  for (int64_t a : axes) {
    auto axis = n.normalizeAxis(a, n.rank(0));
    if (failed(axis))
      return failure();
    normalized.push_back(*axis);
  }
  llvm::sort(normalized);
  normalized.erase(std::unique(normalized.begin(), normalized.end()),
                   normalized.end());
  Value x = n.input(0);
  Type element = n.elementType(0);
  auto mean = n.reduce(ReduceKind::mean, x, normalized, true);
  if (failed(mean))
    return failure();
  auto squareOfMean = n.make<MulOp>(ValueRange{*mean, *mean});
  auto square = n.make<MulOp>(ValueRange{x, x});
  if (failed(squareOfMean) || failed(square))
    return failure();
  auto meanOfSquare = n.reduce(ReduceKind::mean, *square, normalized, true);
  if (failed(meanOfSquare))
    return failure();
  auto variance = n.make<SubOp>(ValueRange{*meanOfSquare, *squareOfMean});
  if (failed(variance))
    return failure();
  Value stddev = n.create<SqrtOp>(*variance);
  auto denominator = n.make<AddOp>(ValueRange{stddev, n.splat(element, 1e-9)});
  auto centered = n.make<SubOp>(ValueRange{x, *mean});
  if (failed(denominator) || failed(centered))
    return failure();
  auto y = n.make<DivOp>(ValueRange{*centered, *denominator});
  if (failed(y))
    return failure();
  out.push_back(*y);
  return success();
}

LogicalResult convertLpNormalization(OnnxNode &n, Results &out) {
  auto axis = n.normalizeAxis(n.attrInt("axis", -1), n.rank(0));
  if (failed(axis))
    return failure();
  int64_t p = n.attrInt("p", 2);
  if (p != 1 && p != 2)
    return n.fail() << "p must be 1 or 2, got " << p;
  auto norm = n.reduce(p == 1 ? ReduceKind::l1 : ReduceKind::l2, n.input(0),
                       {*axis}, true);
  if (failed(norm))
    return failure();
  auto y = n.make<DivOp>(ValueRange{n.input(0), *norm});
  if (failed(y))
    return failure();
  out.push_back(*y);
  return success();
}

/// NegativeLogLikelihoodLoss on log-probabilities [N, C, d...] and targets
/// [N, d...]: loss = -logProb[n, target, d...] * weight[target], zero where
/// target == ignore_index, then reduced (none, sum, or mean over the
/// weights).
FailureOr<Value> negativeLogLikelihood(OnnxNode &n, Value logProb,
                                       Value target, Value weight) {
  auto probType = llvm::cast<RankedTensorType>(logProb.getType());
  auto targetType = llvm::cast<RankedTensorType>(target.getType());
  Type element = probType.getElementType();
  if (probType.getRank() < 2 || targetType.getRank() != probType.getRank() - 1)
    return n.fail() << "input " << probType << " and target " << targetType
                    << " must be [N, C, d...] and [N, d...]";
  std::string reduction = n.attrString("reduction", "mean");
  if (reduction != "none" && reduction != "sum" && reduction != "mean")
    return n.fail() << "unknown reduction '" << reduction << "'";
  Type indexType = targetType.getElementType();

  Value mask, safeTarget = target;
  if (n.hasAttr("ignore_index")) {
    auto ignored = n.make<EqualOp>(ValueRange{
        target, n.splat(indexType, n.attrInt("ignore_index", 0))});
    if (failed(ignored))
      return failure();
    mask = n.create<NotOp>(*ignored);
    // Ignored targets may be out of range: read class 0 instead.
    auto safe = n.make<SelectOp>(
        ValueRange{mask, target, n.splat(indexType, 0)});
    if (failed(safe))
      return failure();
    safeTarget = *safe;
  }
  SmallVector<int64_t> indexShape(targetType.getShape());
  indexShape.insert(indexShape.begin() + 1, 1);
  auto picked = n.make<GatherElementsOp>(
      ValueRange{logProb, n.reshape(safeTarget, indexShape)},
      n.attr("axis", n.builder.getI64IntegerAttr(1)));
  if (failed(picked))
    return failure();
  Value loss = n.create<NegOp>(n.reshape(*picked, targetType.getShape()));

  // Per-element weights, where the mean needs them or the loss uses them.
  Value weights;
  if (weight) {
    auto w = n.make<GatherOp>(ValueRange{weight, safeTarget},
                              n.attr("axis", n.builder.getI64IntegerAttr(0)));
    if (failed(w))
      return failure();
    weights = *w;
  }
  if (mask) {
    auto w = n.make<SelectOp>(ValueRange{
        mask, weights ? weights : n.splat(element, 1.0), n.splat(element, 0)});
    if (failed(w))
      return failure();
    weights = *w;
  }
  if (weights) {
    auto weighted = n.make<MulOp>(ValueRange{loss, weights});
    if (failed(weighted))
      return failure();
    loss = *weighted;
  }
  if (reduction == "none")
    return loss;
  SmallVector<int64_t> all;
  for (int64_t d = 0; d < targetType.getRank(); ++d)
    all.push_back(d);
  auto sum = n.reduce(ReduceKind::sum, loss, all, false);
  if (failed(sum) || reduction == "sum")
    return sum;
  if (!weights)
    return n.make<DivOp>(
        ValueRange{*sum, n.splat(element, targetType.getNumElements())});
  auto total = n.reduce(ReduceKind::sum, weights, all, false);
  if (failed(total))
    return failure();
  return n.make<DivOp>(ValueRange{*sum, *total});
}

LogicalResult convertNllLoss(OnnxNode &n, Results &out) {
  auto loss = negativeLogLikelihood(n, n.input(0), n.input(1), n.input(2));
  if (failed(loss))
    return failure();
  out.push_back(*loss);
  return success();
}

LogicalResult convertSoftmaxCrossEntropy(OnnxNode &n, Results &out) {
  if (n.rank(0) < 2)
    return n.fail() << "scores must be [N, C, d...]";
  auto logProb = n.make<LogSoftmaxOp>(
      n.input(0), n.attr("axis", n.builder.getI64IntegerAttr(1)));
  if (failed(logProb))
    return failure();
  auto loss = negativeLogLikelihood(n, *logProb, n.input(1), n.input(2));
  if (failed(loss))
    return failure();
  out.push_back(*loss);
  if (n.numOutputs() > 1)
    out.push_back(*logProb);
  return success();
}

} // namespace

void populateOnnxToGraphNNPatterns(OnnxPatternTable &t) {
  t.on("Conv", {1, 11}, convertConv);
  t.on("ConvTranspose", {1, 11}, convertConvTranspose);
  t.on("MaxPool", {1, 8, 10, 11, 12}, [](OnnxNode &n, Results &out) -> LogicalResult {
    if (n.outputUsed(1))
      return n.fail() << "the Indices output is not supported";
    return convertPool<MaxPoolOp>(n, out);
  });
  t.on("AveragePool", {1, 7, 10, 11}, convertPool<AvgPoolOp>);
  t.on("GlobalAveragePool", {1}, convertGlobalPool<ReduceKind::mean>);
  t.on("GlobalMaxPool", {1}, convertGlobalPool<ReduceKind::max>);
  t.on("MatMul", {1, 9, 13}, convertMatMul);
  // Gemm 6 differs from 7 only in spelling C's broadcast explicitly.
  t.on("Gemm", {6, 7, 9, 11, 13}, convertGemm);

  t.on("BatchNormalization", {6, 7, 9, 14, 15}, convertBatchNorm);
  t.on("InstanceNormalization", {1, 6}, convertInstanceNorm);
  t.on("LayerNormalization", {17}, convertLayerNorm);
  t.on("LRN", {1, 13}, convertLrn);
  t.on("MeanVarianceNormalization", {9, 13}, convertMeanVarianceNorm);
  t.on("LpNormalization", {1}, convertLpNormalization);

  t.on("Softmax", {1, 11, 13}, convertSoftmax<SoftmaxOp>);
  t.on("LogSoftmax", {1, 11, 13}, convertSoftmax<LogSoftmaxOp>);
  t.on("Hardmax", {1, 11, 13}, convertSoftmax<HardmaxOp>);

  t.on("ReduceSum", {1, 11, 13}, convertReduce<ReduceKind::sum>);
  t.on("ReduceMean", {1, 11, 13}, convertReduce<ReduceKind::mean>);
  t.on("ReduceMax", {1, 11, 12, 13}, convertReduce<ReduceKind::max>);
  t.on("ReduceMin", {1, 11, 12, 13}, convertReduce<ReduceKind::min>);
  t.on("ReduceProd", {1, 11, 13}, convertReduce<ReduceKind::prod>);
  t.on("ReduceL1", {1, 11, 13}, convertReduce<ReduceKind::l1>);
  t.on("ReduceL2", {1, 11, 13}, convertReduce<ReduceKind::l2>);
  t.on("ReduceLogSum", {1, 11, 13}, convertReduce<ReduceKind::log_sum>);
  t.on("ReduceLogSumExp", {1, 11, 13},
       convertReduce<ReduceKind::log_sum_exp>);
  t.on("ReduceSumSquare", {1, 11, 13}, convertReduce<ReduceKind::sum_square>);
  t.on("ArgMax", {1, 11, 12, 13}, convertArgReduce<ArgMaxOp>);
  t.on("ArgMin", {1, 11, 12, 13}, convertArgReduce<ArgMinOp>);
  t.on("CumSum", {11, 14}, convertCumSum);

  t.on("NegativeLogLikelihoodLoss", {12, 13}, convertNllLoss);
  t.on("SoftmaxCrossEntropyLoss", {12, 13}, convertSoftmaxCrossEntropy);
}

} // namespace gaon

//===- OnnxToGraphTensor.cpp - shapes, data movement, indexing ------------===//

#include "compiler/conversion/OnnxToGraph/OnnxToGraph.h"


#include <cmath>

using namespace mlir;
using namespace gaon::graph;

namespace gaon {
namespace {

using Results = SmallVectorImpl<Value>;

Value i64Vector(OnnxNode &n, ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({(int64_t)values.size()},
                                    n.builder.getI64Type());
  return n.constant(DenseElementsAttr::get(type, values));
}

/// ONNX TensorProto data type codes, for Cast's `to` and similar.
FailureOr<Type> onnxElementType(OnnxNode &n, int64_t code) {
  Builder &b = n.builder;
  switch (code) {
  case 1:
    return Type(b.getF32Type());
  case 2:
    return Type(b.getIntegerType(8, false));
  case 3:
    return Type(b.getIntegerType(8));
  case 4:
    return Type(b.getIntegerType(16, false));
  case 5:
    return Type(b.getIntegerType(16));
  case 6:
    return Type(b.getIntegerType(32));
  case 7:
    return Type(b.getIntegerType(64));
  case 9:
    return Type(b.getI1Type());
  case 10:
    return Type(b.getF16Type());
  case 11:
    return Type(b.getF64Type());
  case 12:
    return Type(b.getIntegerType(32, false));
  case 13:
    return Type(b.getIntegerType(64, false));
  case 16:
    return Type(b.getBF16Type());
  default:
    n.fail() << "ONNX data type " << code << " is not supported";
    return failure();
  }
}

LogicalResult convertIdentity(OnnxNode &n, Results &out) {
  out.push_back(n.input(0));
  return success();
}

/// Constant nodes that the importer did not already turn into constants:
/// the scalar and list forms of version 12 on.
LogicalResult convertConstant(OnnxNode &n, Results &out) {
  Builder &b = n.builder;
  if (DenseElementsAttr value = n.attrTensor("value")) {
    out.push_back(n.constant(value));
    return success();
  }
  if (n.hasAttr("value_float")) {
    out.push_back(n.constant(DenseElementsAttr::get(
        RankedTensorType::get({}, b.getF32Type()),
        n.attrFloat("value_float", 0))));
    return success();
  }
  if (n.hasAttr("value_int")) {
    out.push_back(n.constant(DenseElementsAttr::get(
        RankedTensorType::get({}, b.getI64Type()),
        n.attrInt("value_int", 0))));
    return success();
  }
  if (auto floats = n.attrFloats("value_floats")) {
    out.push_back(n.constant(DenseElementsAttr::get(
        RankedTensorType::get({(int64_t)floats->size()}, b.getF32Type()),
        ArrayRef<float>(*floats))));
    return success();
  }
  if (auto ints = n.attrInts("value_ints")) {
    out.push_back(i64Vector(n, *ints));
    return success();
  }
  return n.fail() << "only numeric constants are supported (string and "
                     "sparse constants are not)";
}

LogicalResult convertShape(OnnxNode &n, Results &out) {
  ArrayRef<int64_t> shape = n.inputType(0).getShape();
  int64_t rank = shape.size();
  int64_t start = n.attrInt("start", 0), end = n.attrInt("end", rank);
  start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
  end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
  out.push_back(
      i64Vector(n, shape.slice(start, std::max<int64_t>(0, end - start))));
  return success();
}

LogicalResult convertSize(OnnxNode &n, Results &out) {
  out.push_back(n.constant(DenseElementsAttr::get(
      RankedTensorType::get({}, n.builder.getI64Type()),
      n.inputType(0).getNumElements())));
  return success();
}

LogicalResult convertConstantOfShape(OnnxNode &n, Results &out) {
  auto shape = n.constantInts(0, "shape");
  if (failed(shape))
    return failure();
  for (int64_t d : *shape)
    if (d < 0)
      return n.fail() << "shape has a negative dimension " << d;
  DenseElementsAttr value = n.attrTensor("value");
  if (value && value.getNumElements() != 1)
    return n.fail() << "value must hold exactly one element";
  auto type = RankedTensorType::get(
      *shape, value ? value.getElementType() : n.builder.getF32Type());
  if (!value) {
    out.push_back(n.splat(type.getElementType(), 0.0, *shape));
    return success();
  }
  out.push_back(n.constant(
      DenseElementsAttr::get(type, *value.getValues<Attribute>().begin())));
  return success();
}

LogicalResult convertReshape(OnnxNode &n, Results &out) {
  SmallVector<int64_t> target;
  if (n.version() < 5) {
    target = n.attrInts("shape").value_or(SmallVector<int64_t>());
  } else {
    auto shape = n.constantInts(1, "shape");
    if (failed(shape))
      return failure();
    target = *shape;
  }
  ArrayRef<int64_t> in = n.inputType(0).getShape();
  bool allowZero = n.attrInt("allowzero", 0) != 0;
  int64_t known = 1, inferred = -1;
  for (size_t i = 0; i < target.size(); ++i) {
    if (target[i] == 0 && !allowZero) {
      if (i >= in.size())
        return n.fail() << "shape entry " << i
                        << " is 0 (copy) but the input has rank "
                        << in.size();
      target[i] = in[i];
    }
    if (target[i] == -1) {
      if (inferred >= 0)
        return n.fail() << "shape has more than one -1";
      inferred = i;
      continue;
    }
    if (target[i] < 0)
      return n.fail() << "shape entry " << target[i] << " is invalid";
    known *= target[i];
  }
  int64_t count = n.inputType(0).getNumElements();
  if (inferred >= 0) {
    if (known == 0 || count % known != 0)
      return n.fail() << "cannot infer the -1 dimension: " << count
                      << " elements do not divide by " << known;
    target[inferred] = count / known;
  } else if (known != count) {
    return n.fail() << "cannot reshape " << n.inputType(0) << " ("
                    << count << " elements) to " << known << " elements";
  }
  out.push_back(n.reshape(n.input(0), target));
  return success();
}

LogicalResult convertFlatten(OnnxNode &n, Results &out) {
  int64_t rank = n.rank(0);
  int64_t axis = n.attrInt("axis", 1);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis > rank)
    return n.fail() << "axis " << n.attrInt("axis", 1)
                    << " is out of range for rank " << rank;
  int64_t rows = 1, cols = 1;
  for (int64_t d = 0; d < rank; ++d)
    (d < axis ? rows : cols) *= n.inputType(0).getDimSize(d);
  out.push_back(n.reshape(n.input(0), {rows, cols}));
  return success();
}

/// Axes of Squeeze and Unsqueeze: an attribute before version 13, an
/// optional input after.
FailureOr<std::optional<SmallVector<int64_t>>> squeezeAxes(OnnxNode &n) {
  if (n.version() < 13)
    return n.attrInts("axes");
  if (!n.input(1))
    return std::optional<SmallVector<int64_t>>();
  auto axes = n.constantInts(1, "axes");
  if (failed(axes))
    return failure();
  return std::optional<SmallVector<int64_t>>(*axes);
}

LogicalResult convertSqueeze(OnnxNode &n, Results &out) {
  auto axes = squeezeAxes(n);
  if (failed(axes))
    return failure();
  ArrayRef<int64_t> in = n.inputType(0).getShape();
  SmallVector<bool> drop(in.size(), false);
  if (!*axes) {
    for (size_t d = 0; d < in.size(); ++d)
      drop[d] = in[d] == 1;
  } else {
    for (int64_t a : **axes) {
      auto axis = n.normalizeAxis(a, in.size());
      if (failed(axis))
        return failure();
      if (in[*axis] != 1)
        return n.fail() << "cannot squeeze axis " << *axis << " of size "
                        << in[*axis];
      drop[*axis] = true;
    }
  }
  SmallVector<int64_t> shape;
  for (size_t d = 0; d < in.size(); ++d)
    if (!drop[d])
      shape.push_back(in[d]);
  out.push_back(n.reshape(n.input(0), shape));
  return success();
}

LogicalResult convertUnsqueeze(OnnxNode &n, Results &out) {
  auto axes = squeezeAxes(n);
  if (failed(axes))
    return failure();
  if (!*axes)
    return n.fail() << "axes are required";
  ArrayRef<int64_t> in = n.inputType(0).getShape();
  int64_t rank = in.size() + (*axes)->size();
  SmallVector<bool> inserted(rank, false);
  for (int64_t a : **axes) {
    auto axis = n.normalizeAxis(a, rank);
    if (failed(axis))
      return failure();
    if (inserted[*axis])
      return n.fail() << "axis " << *axis << " is repeated";
    inserted[*axis] = true;
  }
  SmallVector<int64_t> shape;
  size_t next = 0;
  for (int64_t d = 0; d < rank; ++d)
    shape.push_back(inserted[d] ? 1 : in[next++]);
  out.push_back(n.reshape(n.input(0), shape));
  return success();
}

LogicalResult convertTranspose(OnnxNode &n, Results &out) {
  SmallVector<int64_t> perm;
  if (auto given = n.attrInts("perm"))
    perm = *given;
  else
    for (int64_t d = n.rank(0) - 1; d >= 0; --d)
      perm.push_back(d);
  auto v = n.transpose(n.input(0), perm);
  if (failed(v))
    return failure();
  out.push_back(*v);
  return success();
}

LogicalResult convertConcat(OnnxNode &n, Results &out) {
  if (n.numInputs() == 0)
    return n.fail() << "needs at least one input";
  auto axis = n.normalizeAxis(n.attrInt("axis", 0), n.rank(0));
  if (failed(axis))
    return failure();
  SmallVector<Value> inputs;
  for (unsigned i = 0; i < n.numInputs(); ++i)
    inputs.push_back(n.input(i));
  auto v = n.make<ConcatOp>(inputs,
                            n.attr("axis", n.builder.getI64IntegerAttr(*axis)));
  if (failed(v))
    return failure();
  out.push_back(*v);
  return success();
}

LogicalResult convertSplit(OnnxNode &n, Results &out) {
  auto axis = n.normalizeAxis(n.attrInt("axis", 0), n.rank(0));
  if (failed(axis))
    return failure();
  int64_t size = n.inputType(0).getDimSize(*axis);
  int64_t pieces = n.numOutputs();
  SmallVector<int64_t> sizes;
  if (n.version() >= 13 && n.input(1)) {
    auto given = n.constantInts(1, "split");
    if (failed(given))
      return failure();
    sizes = *given;
  } else if (auto given = n.attrInts("split")) {
    sizes = *given;
  } else {
    if (size % pieces != 0)
      return n.fail() << "axis of size " << size << " does not split into "
                      << pieces << " equal parts";
    sizes.assign(pieces, size / pieces);
  }
  if ((int64_t)sizes.size() != pieces)
    return n.fail() << "split has " << sizes.size() << " sizes for "
                    << pieces << " outputs";
  auto split = createInferred<SplitOp>(
      n.builder, n.loc, n.input(0),
      {n.attr("axis", n.builder.getI64IntegerAttr(*axis)),
       n.attr("sizes", n.builder.getDenseI64ArrayAttr(sizes))});
  if (failed(split))
    return failure();
  for (Value v : split->getResults())
    out.push_back(v);
  return success();
}

LogicalResult convertSlice(OnnxNode &n, Results &out) {
  SmallVector<int64_t> starts, ends, axes, steps;
  if (n.version() < 10) {
    starts = n.attrInts("starts").value_or(SmallVector<int64_t>());
    ends = n.attrInts("ends").value_or(SmallVector<int64_t>());
    axes = n.attrInts("axes").value_or(SmallVector<int64_t>());
  } else {
    auto s = n.constantInts(1, "starts");
    if (failed(s))
      return failure();
    auto e = n.constantInts(2, "ends");
    if (failed(e))
      return failure();
    starts = *s;
    ends = *e;
    if (n.input(3)) {
      auto a = n.constantInts(3, "axes");
      if (failed(a))
        return failure();
      axes = *a;
    }
    if (n.input(4)) {
      auto st = n.constantInts(4, "steps");
      if (failed(st))
        return failure();
      steps = *st;
    }
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    return n.fail() << "starts, ends, axes and steps differ in length";

  ArrayRef<int64_t> in = n.inputType(0).getShape();
  int64_t rank = in.size();
  SmallVector<int64_t> outStarts(rank, 0), outSteps(rank, 1),
      outShape(in.begin(), in.end());
  SmallVector<bool> seen(rank, false);
  for (size_t i = 0; i < starts.size(); ++i) {
    auto axis = n.normalizeAxis(axes[i], rank);
    if (failed(axis))
      return failure();
    if (seen[*axis])
      return n.fail() << "axis " << *axis << " is sliced twice";
    seen[*axis] = true;
    int64_t dim = in[*axis], step = steps[i];
    if (step == 0)
      return n.fail() << "step on axis " << *axis << " is zero";
    // Clamp as ONNX specifies; large magnitudes mean "to the end".
    auto adjust = [dim](int64_t v) { return v < 0 ? v + dim : v; };
    int64_t start = adjust(std::clamp<int64_t>(starts[i], -dim - 1, dim + 1));
    int64_t end = adjust(std::clamp<int64_t>(ends[i], -dim - 1, dim + 1));
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
    }
    int64_t count = step > 0 ? (end - start + step - 1) / step
                             : (start - end + (-step) - 1) / (-step);
    count = std::max<int64_t>(0, count);
    outStarts[*axis] = count > 0 ? start : 0;
    outSteps[*axis] = step;
    outShape[*axis] = count;
  }
  auto type = RankedTensorType::get(outShape, n.elementType(0));
  out.push_back(n.create<SliceOp>(type, n.input(0), outStarts, outSteps));
  return success();
}

LogicalResult convertPad(OnnxNode &n, Results &out) {
  SmallVector<int64_t> pads;
  double value = 0.0;
  if (n.version() < 11) {
    pads = n.attrInts("pads").value_or(SmallVector<int64_t>());
    value = n.attrFloat("value", 0.0f);
  } else {
    auto given = n.constantInts(1, "pads");
    if (failed(given))
      return failure();
    pads = *given;
    if (n.input(2)) {
      auto v = n.constantScalar(2, "constant_value");
      if (failed(v))
        return failure();
      value = *v;
    }
  }
  std::string mode = n.attrString("mode", "constant");
  std::optional<PadMode> padMode = symbolizePadMode(mode);
  if (!padMode || *padMode == PadMode::wrap)
    return n.fail() << "unknown pad mode '" << mode
                    << "' (expected constant, reflect or edge)";
  auto v = n.make<PadOp>(
      n.input(0), {n.attr("mode", PadModeAttr::get(n.context(), *padMode)),
                   n.attr("pads", n.builder.getDenseI64ArrayAttr(pads)),
                   n.attr("value", n.builder.getF64FloatAttr(value))});
  if (failed(v))
    return failure();
  out.push_back(*v);
  return success();
}

template <typename OpTy>
LogicalResult convertGatherLike(OnnxNode &n, Results &out) {
  auto axis = n.normalizeAxis(n.attrInt("axis", 0), n.rank(0));
  if (failed(axis))
    return failure();
  auto v = n.make<OpTy>(ValueRange{n.input(0), n.input(1)},
                        n.attr("axis", n.builder.getI64IntegerAttr(*axis)));
  if (failed(v))
    return failure();
  out.push_back(*v);
  return success();
}

LogicalResult convertGatherNd(OnnxNode &n, Results &out) {
  auto v = n.make<GatherNdOp>(
      ValueRange{n.input(0), n.input(1)},
      n.attr("batch_dims",
             n.builder.getI64IntegerAttr(n.attrInt("batch_dims", 0))));
  if (failed(v))
    return failure();
  out.push_back(*v);
  return success();
}

FailureOr<ScatterReduction> scatterReduction(OnnxNode &n) {
  std::string name = n.attrString("reduction", "none");
  std::optional<ScatterReduction> r = symbolizeScatterReduction(name);
  if (!r) {
    n.fail() << "unknown reduction '" << name << "'";
    return failure();
  }
  return *r;
}

LogicalResult convertScatterElements(OnnxNode &n, Results &out) {
  auto axis = n.normalizeAxis(n.attrInt("axis", 0), n.rank(0));
  auto reduction = scatterReduction(n);
  if (failed(axis) || failed(reduction))
    return failure();
  auto v = n.make<ScatterElementsOp>(
      ValueRange{n.input(0), n.input(1), n.input(2)},
      {n.attr("axis", n.builder.getI64IntegerAttr(*axis)),
       n.attr("reduction",
              ScatterReductionAttr::get(n.context(), *reduction))});
  if (failed(v))
    return failure();
  out.push_back(*v);
  return success();
}

LogicalResult convertScatterNd(OnnxNode &n, Results &out) {
  auto reduction = scatterReduction(n);
  if (failed(reduction))
    return failure();
  auto v = n.make<ScatterNdOp>(
      ValueRange{n.input(0), n.input(1), n.input(2)},
      n.attr("reduction", ScatterReductionAttr::get(n.context(), *reduction)));
  if (failed(v))
    return failure();
  out.push_back(*v);
  return success();
}

LogicalResult convertExpand(OnnxNode &n, Results &out) {
  auto shape = n.constantInts(1, "shape");
  if (failed(shape))
    return failure();
  auto target = broadcastShapes(n.inputType(0).getShape(), *shape);
  if (failed(target))
    return n.fail() << "input " << n.inputType(0)
                    << " does not broadcast with the requested shape";
  auto type = RankedTensorType::get(*target, n.elementType(0));
  out.push_back(type == n.inputType(0)
                    ? n.input(0)
                    : n.create<ExpandOp>(type, n.input(0)));
  return success();
}

LogicalResult convertTile(OnnxNode &n, Results &out) {
  auto repeats = n.constantInts(1, "repeats");
  if (failed(repeats))
    return failure();
  auto v = n.make<TileOp>(
      n.input(0), n.attr("repeats", n.builder.getDenseI64ArrayAttr(*repeats)));
  if (failed(v))
    return failure();
  out.push_back(*v);
  return success();
}

LogicalResult convertCast(OnnxNode &n, Results &out) {
  auto to = onnxElementType(n, n.attrInt("to", 0));
  if (failed(to))
    return failure();
  out.push_back(n.cast(n.input(0), *to));
  return success();
}

LogicalResult convertCastLike(OnnxNode &n, Results &out) {
  out.push_back(n.cast(n.input(0), n.elementType(1)));
  return success();
}

LogicalResult convertRange(OnnxNode &n, Results &out) {
  // The output length depends on the values: they must be constants.
  auto s = n.constantScalar(0, "start"), l = n.constantScalar(1, "limit"),
       d = n.constantScalar(2, "delta");
  if (failed(s) || failed(l) || failed(d))
    return failure();
  DenseElementsAttr start = n.constantInput(0), delta = n.constantInput(2);
  if (*d == 0)
    return n.fail() << "delta is zero";
  // Range becomes a constant; a real model's positions are far fewer.
  constexpr double kMaxRange = double(1 << 24);
  double length = std::ceil((*l - *s) / *d);
  if (!(length <= kMaxRange))
    return n.fail() << "Range(" << *s << ", " << *l << ", " << *d
                    << ") has " << length
                    << " elements; Gaon makes Range a constant and refuses "
                       "more than 2^24 (16777216) elements";
  int64_t count = std::max<int64_t>(0, (int64_t)length);
  Type element = n.elementType(0);
  auto type = RankedTensorType::get({count}, element);
  if (llvm::isa<FloatType>(element)) {
    // Accumulate in the element type, as the ONNX function body does.
    APFloat value = *start.getValues<APFloat>().begin();
    APFloat step = *delta.getValues<APFloat>().begin();
    SmallVector<APFloat> values;
    for (int64_t i = 0; i < count; ++i) {
      values.push_back(value);
      value.add(step, APFloat::rmNearestTiesToEven);
    }
    out.push_back(n.constant(DenseElementsAttr::get(type, values)));
    return success();
  }
  APInt value = *start.getValues<APInt>().begin();
  APInt step = *delta.getValues<APInt>().begin();
  SmallVector<APInt> values;
  for (int64_t i = 0; i < count; ++i) {
    values.push_back(value);
    value += step;
  }
  out.push_back(n.constant(DenseElementsAttr::get(type, values)));
  return success();
}

LogicalResult convertTopK(OnnxNode &n, Results &out) {
  int64_t k;
  if (n.version() < 10) {
    k = n.attrInt("k", -1);
  } else {
    auto given = n.constantInts(1, "K");
    if (failed(given))
      return failure();
    if (given->size() != 1)
      return n.fail() << "K must hold one value";
    k = (*given)[0];
  }
  auto axis = n.normalizeAxis(n.attrInt("axis", -1), n.rank(0));
  if (failed(axis))
    return failure();
  auto topk = createInferred<TopKOp>(
      n.builder, n.loc, n.input(0),
      {n.attr("k", n.builder.getI64IntegerAttr(k)),
       n.attr("axis", n.builder.getI64IntegerAttr(*axis)),
       n.attr("largest", n.builder.getBoolAttr(n.attrInt("largest", 1)))});
  if (failed(topk))
    return failure();
  out.append({topk->getValues(), topk->getIndices()});
  return success();
}

LogicalResult convertTrilu(OnnxNode &n, Results &out) {
  int64_t k = 0;
  if (n.input(1)) {
    auto given = n.constantInts(1, "k");
    if (failed(given))
      return failure();
    if (given->size() != 1)
      return n.fail() << "k must hold one value";
    k = (*given)[0];
  }
  if (n.rank(0) < 2)
    return n.fail() << "input needs rank >= 2";
  out.push_back(
      n.create<TriluOp>(n.input(0), n.attrInt("upper", 1) != 0, k));
  return success();
}

LogicalResult convertOneHot(OnnxNode &n, Results &out) {
  auto depthValue = n.constantScalar(1, "depth");
  if (failed(depthValue))
    return failure();
  DenseElementsAttr values = n.requireConstant(2, "values");
  if (!values)
    return failure();
  if (values.getNumElements() != 2)
    return n.fail() << "values must hold [off_value, on_value]";
  int64_t depth = (int64_t)*depthValue;
  if (depth < 1)
    return n.fail() << "depth must be positive, got " << depth;
  int64_t rank = n.rank(0) + 1;
  auto axis = n.normalizeAxis(n.attrInt("axis", -1), rank);
  if (failed(axis))
    return failure();
  SmallVector<double> offOn;
  for (Attribute a : values.getValues<Attribute>()) {
    if (auto f = llvm::dyn_cast<FloatAttr>(a))
      offOn.push_back(f.getValueAsDouble());
    else
      offOn.push_back((double)llvm::cast<IntegerAttr>(a).getInt());
  }
  SmallVector<int64_t> shape(n.inputType(0).getShape());
  shape.insert(shape.begin() + *axis, depth);
  Value indices = n.input(0);
  if (llvm::isa<FloatType>(n.elementType(0)))
    indices = n.cast(indices, n.builder.getI64Type());
  auto type = RankedTensorType::get(shape, values.getElementType());
  out.push_back(n.create<OneHotOp>(type, indices,
                                   n.builder.getI64IntegerAttr(*axis),
                                   n.builder.getF64FloatAttr(offOn[0]),
                                   n.builder.getF64FloatAttr(offOn[1])));
  return success();
}

LogicalResult convertEyeLike(OnnxNode &n, Results &out) {
  auto in = n.inputType(0);
  if (in.getRank() != 2)
    return n.fail() << "input must be 2-D";
  Type element = in.getElementType();
  if (n.hasAttr("dtype")) {
    auto t = onnxElementType(n, n.attrInt("dtype", 1));
    if (failed(t))
      return failure();
    element = *t;
  }
  int64_t rows = in.getDimSize(0), cols = in.getDimSize(1);
  int64_t k = n.attrInt("k", 0);
  auto type = RankedTensorType::get({rows, cols}, element);
  SmallVector<Attribute> values;
  Attribute one = llvm::isa<FloatType>(element)
                      ? Attribute(FloatAttr::get(element, 1.0))
                      : Attribute(IntegerAttr::get(element, 1));
  Attribute zero = llvm::isa<FloatType>(element)
                       ? Attribute(FloatAttr::get(element, 0.0))
                       : Attribute(IntegerAttr::get(element, 0));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      values.push_back(c - r == k ? one : zero);
  out.push_back(n.constant(DenseElementsAttr::get(type, values)));
  return success();
}

/// DepthToSpace and SpaceToDepth as reshape, transpose, reshape.
LogicalResult convertDepthToSpace(OnnxNode &n, Results &out) {
  if (n.rank(0) != 4)
    return n.fail() << "input must be 4-D (N, C, H, W)";
  int64_t b = n.attrInt("blocksize", 0);
  auto shape = n.inputType(0).getShape();
  int64_t N = shape[0], C = shape[1], H = shape[2], W = shape[3];
  if (b < 1 || b > C || C % (b * b) != 0)
    return n.fail() << "blocksize " << b << " must divide channels " << C
                    << " as blocksize^2";
  bool crd = n.attrString("mode", "DCR") == "CRD";
  Value x = crd ? n.reshape(n.input(0), {N, C / (b * b), b, b, H, W})
                : n.reshape(n.input(0), {N, b, b, C / (b * b), H, W});
  auto t = n.transpose(x, crd ? ArrayRef<int64_t>{0, 1, 4, 2, 5, 3}
                              : ArrayRef<int64_t>{0, 3, 4, 1, 5, 2});
  if (failed(t))
    return failure();
  out.push_back(n.reshape(*t, {N, C / (b * b), H * b, W * b}));
  return success();
}

LogicalResult convertSpaceToDepth(OnnxNode &n, Results &out) {
  if (n.rank(0) != 4)
    return n.fail() << "input must be 4-D (N, C, H, W)";
  int64_t b = n.attrInt("blocksize", 0);
  auto shape = n.inputType(0).getShape();
  int64_t N = shape[0], C = shape[1], H = shape[2], W = shape[3];
  if (b < 1 || b > H || b > W || H % b != 0 || W % b != 0)
    return n.fail() << "blocksize " << b << " must divide height " << H
                    << " and width " << W;
  Value x = n.reshape(n.input(0), {N, C, H / b, b, W / b, b});
  auto t = n.transpose(x, {0, 3, 5, 1, 2, 4});
  if (failed(t))
    return failure();
  out.push_back(n.reshape(*t, {N, C * b * b, H / b, W / b}));
  return success();
}

/// Resize (10 on) and Upsample (7, 9): output sizes from constant scales or
/// sizes, and the interpolation settings.
LogicalResult convertResize(OnnxNode &n, Results &out) {
  int64_t rank = n.rank(0);
  ArrayRef<int64_t> in = n.inputType(0).getShape();
  bool isUpsample = n.opType() == "Upsample";
  SmallVector<double> scales;
  SmallVector<int64_t> sizes;
  auto readScales = [&](unsigned i) -> LogicalResult {
    DenseElementsAttr c = n.requireConstant(i, "scales");
    if (!c)
      return failure();
    if (!llvm::isa<FloatType>(c.getElementType()))
      return n.fail() << "scales must be floats";
    for (const APFloat &f : c.getValues<APFloat>())
      scales.push_back(f.convertToDouble());
    return success();
  };
  if (isUpsample && n.version() < 9) {
    for (float s : n.attrFloats("scales").value_or(SmallVector<float>()))
      scales.push_back(s);
  } else if (isUpsample || n.version() == 10) {
    if (failed(readScales(1)))
      return failure();
  } else {
    if (n.input(1) && n.constantInput(1) &&
        n.constantInput(1).getNumElements() > 0 &&
        n.attrString("coordinate_transformation_mode", "") ==
            "tf_crop_and_resize")
      return n.fail() << "coordinate_transformation_mode tf_crop_and_resize "
                         "is not supported";
    if (n.input(3)) {
      auto given = n.constantInts(3, "sizes");
      if (failed(given))
        return failure();
      sizes = *given;
    }
    if (sizes.empty()) {
      if (!n.input(2) || failed(readScales(2)))
        return failure();
    }
  }
  if (!sizes.empty()) {
    if ((int64_t)sizes.size() != rank)
      return n.fail() << "sizes must have " << rank << " entries";
    for (int64_t d = 0; d < rank; ++d)
      scales.push_back((double)sizes[d] / (double)in[d]);
  } else {
    if ((int64_t)scales.size() != rank)
      return n.fail() << "scales must have " << rank << " entries";
    for (int64_t d = 0; d < rank; ++d) {
      double size = std::floor(in[d] * scales[d]);
      if (!(size >= 1 && size < 1e12))
        return n.fail() << "scale " << scales[d] << " on axis " << d
                        << " gives an output size out of range";
      sizes.push_back((int64_t)size);
    }
  }
  for (int64_t d = 0; d < rank; ++d)
    if (scales[d] <= 0 || sizes[d] < 1)
      return n.fail() << "axis " << d << " would resize to " << sizes[d];

  std::string mode = n.attrString("mode", "nearest");
  if (mode == "bilinear" || mode == "trilinear")
    mode = "linear";
  std::optional<ResizeMode> resizeMode = symbolizeResizeMode(mode);
  if (!resizeMode)
    return n.fail() << "unknown mode '" << mode << "'";
  // Versions before 11 always map coordinates asymmetrically and pick the
  // floor for nearest.
  bool legacy = isUpsample || n.version() < 11;
  std::string coordinate =
      legacy ? "asymmetric"
             : n.attrString("coordinate_transformation_mode", "half_pixel");
  std::optional<CoordinateMode> coordinateMode =
      symbolizeCoordinateMode(coordinate);
  if (!coordinateMode)
    return n.fail() << "coordinate_transformation_mode '" << coordinate
                    << "' is not supported";
  std::string nearest =
      legacy ? "floor" : n.attrString("nearest_mode", "round_prefer_floor");
  std::optional<NearestMode> nearestMode = symbolizeNearestMode(nearest);
  if (!nearestMode)
    return n.fail() << "unknown nearest_mode '" << nearest << "'";
  auto type = RankedTensorType::get(sizes, n.elementType(0));
  out.push_back(n.create<ResizeOp>(
      type, n.input(0), ResizeModeAttr::get(n.context(), *resizeMode),
      CoordinateModeAttr::get(n.context(), *coordinateMode),
      NearestModeAttr::get(n.context(), *nearestMode),
      n.builder.getDenseF64ArrayAttr(scales),
      n.builder.getF32FloatAttr(n.attrFloat("cubic_coeff_a", -0.75f)),
      n.builder.getBoolAttr(n.attrInt("exclude_outside", 0))));
  return success();
}

LogicalResult convertDropout(OnnxNode &n, Results &out) {
  if (n.version() >= 12 && n.input(2)) {
    auto training = n.constantScalar(2, "training_mode");
    if (failed(training))
      return failure();
    if (*training != 0)
      return n.fail() << "training_mode=true is not supported (Gaon "
                         "compiles inference)";
  }
  out.push_back(n.input(0));
  if (n.outputUsed(1)) {
    // In inference every element is kept.
    out.push_back(n.splat(n.builder.getI1Type(), 1,
                          n.inputType(0).getShape()));
  }
  return success();
}

} // namespace

void populateOnnxToGraphTensorPatterns(OnnxPatternTable &t) {
  t.on("Identity", {1, 13, 14, 16}, convertIdentity);
  t.on("Dropout", {7, 10, 12, 13}, convertDropout);
  t.on("Constant", {9, 11, 12, 13}, convertConstant);
  t.on("Shape", {1, 13, 15}, convertShape);
  t.on("Size", {1, 13}, convertSize);
  t.on("ConstantOfShape", {9}, convertConstantOfShape);
  t.on("EyeLike", {9}, convertEyeLike);
  t.on("Range", {11}, convertRange);

  t.on("Reshape", {1, 5, 13, 14}, convertReshape);
  t.on("Flatten", {1, 9, 11, 13}, convertFlatten);
  t.on("Squeeze", {1, 11, 13}, convertSqueeze);
  t.on("Unsqueeze", {1, 11, 13}, convertUnsqueeze);
  t.on("Transpose", {1, 13}, convertTranspose);
  t.on("Concat", {4, 11, 13}, convertConcat);
  t.on("Split", {2, 11, 13}, convertSplit);
  t.on("Slice", {1, 10, 11, 13}, convertSlice);
  t.on("Pad", {2, 11, 13}, convertPad);
  t.on("Expand", {8, 13}, convertExpand);
  t.on("Tile", {6, 13}, convertTile);
  t.on("DepthToSpace", {1, 11, 13}, convertDepthToSpace);
  t.on("SpaceToDepth", {1, 13}, convertSpaceToDepth);

  t.on("Gather", {1, 11, 13}, convertGatherLike<GatherOp>);
  t.on("GatherElements", {11, 13}, convertGatherLike<GatherElementsOp>);
  t.on("GatherND", {11, 12, 13}, convertGatherNd);
  t.on("ScatterElements", {11, 13, 16}, convertScatterElements);
  t.on("Scatter", {9, 11}, convertScatterElements);
  t.on("ScatterND", {11, 13, 16}, convertScatterNd);

  t.on("Cast", {6, 9, 13}, convertCast);
  t.on("CastLike", {15}, convertCastLike);
  t.on("TopK", {1, 10, 11}, convertTopK);
  t.on("Trilu", {14}, convertTrilu);
  t.on("OneHot", {9, 11}, convertOneHot);
  t.on("Resize", {10, 11, 13}, convertResize);
  t.on("Upsample", {7, 9, 10}, convertResize);
}

} // namespace gaon

//===- OnnxToGraphContrib.cpp - onnxruntime's decoder operators -----------===//
//
// onnxruntime-genai exports decoders with onnxruntime's contrib operators
// rather than plain ONNX: RMS norms (SimplifiedLayerNormalization, in the
// default domain, and SkipSimplifiedLayerNormalization), RotaryEmbedding,
// GroupQueryAttention with its key/value cache, and MatMulNBits (4- or
// 8-bit blocked weights). ONNX's schema registry does not define them, so
// they are registered as extension operators, with the semantics of
// onnxruntime's CPU kernels. Each becomes the fused graph op it names
// (rms_norm, rotary_embedding, attention, cache_update, block_dequantize
// with matmul), never a long chain of primitives.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/OnnxToGraph/OnnxToGraph.h"

#include "mlir/IR/TypeUtilities.h"

#include <cmath>

using namespace mlir;
using namespace gaon::graph;

namespace gaon {
namespace {

using Results = SmallVectorImpl<Value>;
constexpr const char *kMicrosoft = "com.microsoft";

/// Fails unless each listed output is unused: the conversion does not
/// compute it.
LogicalResult refuseOutputs(OnnxNode &n, ArrayRef<unsigned> outputs,
                            StringRef why) {
  for (unsigned i : outputs)
    if (n.outputUsed(i))
      return n.fail() << "output " << i << " is used, but " << why;
  return success();
}

Value i64Constant(OnnxNode &n, ArrayRef<int64_t> values,
                  ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get(shape, n.builder.getI64Type());
  return n.constant(DenseElementsAttr::get(type, values));
}

//===----------------------------------------------------------------------===//
// Norms
//===----------------------------------------------------------------------===//

FailureOr<Value> rmsNorm(OnnxNode &n, Value x, Value scale, int64_t axis,
                         float epsilon) {
  return n.make<RmsNormOp>(
      ValueRange{x, scale},
      {n.attr("axis", n.builder.getI64IntegerAttr(axis)),
       n.attr("epsilon", n.builder.getF32FloatAttr(epsilon))});
}

LogicalResult convertSimplifiedLayerNorm(OnnxNode &n, Results &out) {
  if (failed(refuseOutputs(n, {1}, "Gaon does not compute inv_std_var")))
    return failure();
  if (n.numInputs() < 2 || !n.input(0) || !n.input(1))
    return n.fail() << "needs inputs X and scale";
  auto axis = n.normalizeAxis(n.attrInt("axis", -1), n.rank(0));
  if (failed(axis))
    return failure();
  auto v = rmsNorm(n, n.input(0), n.input(1), *axis,
                   n.attrFloat("epsilon", 1e-5f));
  if (failed(v))
    return failure();
  out.push_back(*v);
  return success();
}

/// out = rms_norm(input + skip (+ bias)); output 3 is the sum itself.
LogicalResult convertSkipSimplifiedLayerNorm(OnnxNode &n, Results &out) {
  if (failed(refuseOutputs(n, {1, 2},
                           "Gaon does not compute mean and inv_std_var")))
    return failure();
  if (n.numInputs() < 3 || !n.input(0) || !n.input(1) || !n.input(2))
    return n.fail() << "needs inputs input, skip and gamma";
  auto sum = n.make<AddOp>(ValueRange{n.input(0), n.input(1)});
  if (failed(sum))
    return failure();
  if (Value bias = n.input(3)) {
    sum = n.make<AddOp>(ValueRange{*sum, bias});
    if (failed(sum))
      return failure();
  }
  auto v = rmsNorm(n, *sum, n.input(2), n.rank(0) - 1,
                   n.attrFloat("epsilon", 1e-5f));
  if (failed(v))
    return failure();
  out.push_back(*v);
  out.push_back(Value());
  out.push_back(Value());
  out.push_back(*sum);
  out.truncate(std::min<size_t>(out.size(), n.numOutputs()));
  return success();
}

//===----------------------------------------------------------------------===//
// Rotary embedding
//===----------------------------------------------------------------------===//

/// cos or sin rows for `positions` (integers of any shape P) from a cache of
/// `max_position x R/2` half-rows, expanded to full rows of R values in the
/// layout graph.rotary_embedding reads: shape P x R.
FailureOr<Value> rotaryTable(OnnxNode &n, Value cache, Value positions,
                             bool interleaved) {
  auto cacheType = llvm::cast<RankedTensorType>(cache.getType());
  if (cacheType.getRank() != 2)
    return n.fail() << "cos/sin caches must be 2-D (max_position, "
                       "rotary_dim / 2), got "
                    << cacheType;
  auto rows = n.make<GatherOp>(ValueRange{cache, positions},
                               n.attr("axis", n.builder.getI64IntegerAttr(0)));
  if (failed(rows))
    return failure();
  auto rowsType = llvm::cast<RankedTensorType>((*rows).getType());
  SmallVector<int64_t> shape(rowsType.getShape());
  int64_t half = shape.back();
  if (!interleaved)
    return n.make<ConcatOp>(ValueRange{*rows, *rows},
                            n.attr("axis", n.builder.getI64IntegerAttr(
                                               rowsType.getRank() - 1)));
  // Interleaved: each value twice in a row, (c0 c0 c1 c1 ...).
  SmallVector<int64_t> column(shape);
  column.push_back(1);
  Value c = n.reshape(*rows, column);
  auto pairs = n.make<ConcatOp>(
      ValueRange{c, c}, n.attr("axis", n.builder.getI64IntegerAttr(
                                           rowsType.getRank())));
  if (failed(pairs))
    return failure();
  shape.back() = 2 * half;
  return n.reshape(*pairs, shape);
}

/// com.microsoft.RotaryEmbedding: input (B, S, hidden) or (B, N, S, H);
/// position_ids (B, S), or (1) as the first position of every row.
LogicalResult convertRotaryEmbedding(OnnxNode &n, Results &out) {
  if (n.numInputs() < 4 || !n.input(0) || !n.input(1) || !n.input(2) ||
      !n.input(3))
    return n.fail() << "needs inputs input, position_ids, cos_cache and "
                       "sin_cache";
  if (n.attrInt("is_packed_batching", 0))
    return n.fail() << "packed batching (is_packed_batching=1) is not "
                       "supported; export with padded batches";
  if (n.attrFloat("scale", 1.0f) != 1.0f)
    return n.fail() << "a scale other than 1 is not supported";
  bool interleaved = n.attrInt("interleaved", 0);
  RankedTensorType inType = n.inputType(0);
  if (!inType.hasStaticShape())
    return n.fail() << "needs a static input shape; fix the dimensions "
                       "with --input-shape";
  int64_t rank = inType.getRank();
  if (rank != 3 && rank != 4)
    return n.fail() << "input must be (batch, sequence, hidden) or (batch, "
                       "heads, sequence, head_size), got "
                    << inType;
  int64_t batch = inType.getDimSize(0);
  int64_t seq = inType.getDimSize(rank == 3 ? 1 : 2);
  int64_t rotary = 2 * n.inputType(2).getShape().back();
  int64_t headSize = rank == 4 ? inType.getDimSize(3) : 0;
  if (rank == 3) {
    int64_t heads = n.attrInt("num_heads", 0);
    int64_t hidden = inType.getDimSize(2);
    if (heads > 0 && hidden % heads == 0)
      headSize = hidden / heads;
    else if (heads == 0 && hidden % rotary == 0)
      headSize = rotary;
    else
      return n.fail() << "cannot split hidden size " << hidden
                      << " into heads: set num_heads";
  }
  int64_t dim = n.attrInt("rotary_embedding_dim", 0);
  if (dim && dim != rotary)
    return n.fail() << "rotary_embedding_dim " << dim
                    << " does not match the caches' rotary size " << rotary;

  // Positions (B, S): given, or the first position plus 0..S-1.
  Value positions = n.cast(n.input(1), n.builder.getI64Type());
  RankedTensorType posType = llvm::cast<RankedTensorType>(positions.getType());
  if (posType.getNumElements() == 1 && !(batch == 1 && seq == 1)) {
    SmallVector<int64_t> steps;
    for (int64_t i = 0; i < seq; ++i)
      steps.push_back(i);
    auto sum = n.make<AddOp>(ValueRange{n.reshape(positions, {1, 1}),
                                        i64Constant(n, steps, {1, seq})});
    if (failed(sum))
      return failure();
    auto full = n.make<AddOp>(
        ValueRange{*sum, i64Constant(n, SmallVector<int64_t>(batch * seq, 0),
                                     {batch, seq})});
    if (failed(full))
      return failure();
    positions = *full;
  } else if (posType.getNumElements() != batch * seq) {
    return n.fail() << "position_ids " << posType << " must be (batch, "
                    << "sequence) = (" << batch << ", " << seq << ") or (1)";
  } else {
    positions = n.reshape(positions, {batch, seq});
  }
  auto cos = rotaryTable(n, n.input(2), positions, interleaved);
  auto sin = rotaryTable(n, n.input(3), positions, interleaved);
  if (failed(cos) || failed(sin))
    return failure();
  // Broadcast over heads: (B, 1, S, R) for BNSH, (B, S, 1, R) for BSNH.
  SmallVector<int64_t> tableShape =
      rank == 4 ? SmallVector<int64_t>{batch, 1, seq, rotary}
                : SmallVector<int64_t>{batch, seq, 1, rotary};
  Value x = n.input(0);
  if (rank == 3)
    x = n.reshape(x, {batch, seq, inType.getDimSize(2) / headSize, headSize});
  auto v = n.make<RotaryEmbeddingOp>(
      ValueRange{x, n.reshape(*cos, tableShape), n.reshape(*sin, tableShape)},
      n.attr("interleaved", n.builder.getBoolAttr(interleaved)));
  if (failed(v))
    return failure();
  out.push_back(rank == 3 ? n.reshape(*v, inType.getShape()) : *v);
  return success();
}

//===----------------------------------------------------------------------===//
// Grouped-query attention
//===----------------------------------------------------------------------===//

/// (B, S, heads * H) -> (B, heads, S, H).
FailureOr<Value> splitHeads(OnnxNode &n, Value x, int64_t heads,
                            int64_t headSize) {
  auto type = llvm::cast<RankedTensorType>(x.getType());
  Value r = n.reshape(
      x, {type.getDimSize(0), type.getDimSize(1), heads, headSize});
  return n.transpose(r, {0, 2, 1, 3});
}

/// com.microsoft.GroupQueryAttention with onnxruntime's CPU semantics. Row
/// b holds L = seqlens_k[b] + 1 valid keys; with a past cache the new
/// entries are written at L - S, after the past ones, and query i sits at
/// position L - S + i. Without one (the first prompt) query i sits at
/// position i. The present cache has past + S entries, the cache not
/// shared with the past buffer (onnxruntime's CPU default).
LogicalResult convertGroupQueryAttention(OnnxNode &n, Results &out) {
  if (n.numInputs() < 7 || !n.input(0) || !n.input(5) || !n.input(6))
    return n.fail() << "needs inputs query, seqlens_k and "
                       "total_sequence_length";
  for (unsigned i = 9; i < n.numInputs(); ++i)
    if (n.input(i))
      return n.fail() << "input " << i
                      << " (position_ids, attention_bias or head_sink) is "
                         "not supported";
  if (n.attrInt("smooth_softmax", 0))
    return n.fail() << "smooth_softmax is not supported";
  if (failed(refuseOutputs(n, {3}, "Gaon does not output QK scores")))
    return failure();
  int64_t heads = n.attrInt("num_heads", 0),
          kvHeads = n.attrInt("kv_num_heads", 0);
  if (heads < 1 || kvHeads < 1 || heads % kvHeads)
    return n.fail() << "num_heads " << heads << " and kv_num_heads " << kvHeads
                    << " must be positive, kv_num_heads dividing num_heads";
  RankedTensorType qType = n.inputType(0);
  if (qType.getRank() != 3 || !qType.hasStaticShape())
    return n.fail() << "query must be a static (batch, sequence, hidden) "
                       "tensor; fix dynamic dimensions with --input-shape";
  int64_t batch = qType.getDimSize(0), seq = qType.getDimSize(1);
  bool packed = !n.input(1);
  int64_t headSize = packed ? qType.getDimSize(2) / (heads + 2 * kvHeads)
                            : qType.getDimSize(2) / heads;
  if (headSize < 1)
    return n.fail() << "query hidden size " << qType.getDimSize(2)
                    << " is too small for " << heads << " heads";
  Value query = n.input(0), key = n.input(1), value = n.input(2);
  if (packed) {
    auto parts = n.builder.create<SplitOp>(
        n.loc,
        SmallVector<Type>{
            RankedTensorType::get({batch, seq, heads * headSize},
                                  qType.getElementType()),
            RankedTensorType::get({batch, seq, kvHeads * headSize},
                                  qType.getElementType()),
            RankedTensorType::get({batch, seq, kvHeads * headSize},
                                  qType.getElementType())},
        query, n.builder.getI64IntegerAttr(2),
        n.builder.getDenseI64ArrayAttr(
            {heads * headSize, kvHeads * headSize, kvHeads * headSize}));
    query = parts.getResult(0);
    key = parts.getResult(1);
    value = parts.getResult(2);
  } else if (!value) {
    return n.fail() << "key is given without value";
  }
  auto q = splitHeads(n, query, heads, headSize);
  auto k = splitHeads(n, key, kvHeads, headSize);
  auto v = splitHeads(n, value, kvHeads, headSize);
  if (failed(q) || failed(k) || failed(v))
    return failure();

  Value pastKey = n.input(3), pastValue = n.input(4);
  if (!pastKey != !pastValue)
    return n.fail() << "past_key and past_value must be given together";
  int64_t past = 0;
  if (pastKey) {
    RankedTensorType pastType = n.inputType(3);
    if (pastType.getRank() != 4 || !pastType.hasStaticShape())
      return n.fail() << "past_key must be a static (batch, kv_heads, past, "
                         "head_size) tensor (BNSH); fix its dimensions with "
                         "--input-shape";
    past = pastType.getDimSize(2);
  }
  // With no past entries this is the first prompt: positions start at 0.
  bool prompt = past == 0;
  Value lengths;
  if (!prompt) {
    auto l = n.make<AddOp>(ValueRange{
        n.cast(n.input(5), n.builder.getI64Type()),
        i64Constant(n, {1}, {1})});
    if (failed(l))
      return failure();
    lengths = n.reshape(*l, {batch});
  }

  if (n.attrInt("do_rotary", 0)) {
    if (n.numInputs() < 9 || !n.input(7) || !n.input(8))
      return n.fail() << "do_rotary needs cos_cache and sin_cache";
    SmallVector<int64_t> steps;
    for (int64_t i = 0; i < seq; ++i)
      steps.push_back(i - (prompt ? 0 : seq));
    Value positions = i64Constant(n, steps, {1, seq});
    if (!prompt) {
      auto p = n.make<AddOp>(ValueRange{n.reshape(lengths, {batch, 1}),
                                        positions});
      if (failed(p))
        return failure();
      positions = *p;
    } else if (batch > 1) {
      auto p = n.make<AddOp>(ValueRange{
          positions,
          i64Constant(n, SmallVector<int64_t>(batch * seq, 0), {batch, seq})});
      if (failed(p))
        return failure();
      positions = *p;
    }
    bool interleaved = n.attrInt("rotary_interleaved", 0);
    auto cos = rotaryTable(n, n.input(7), positions, interleaved);
    auto sin = rotaryTable(n, n.input(8), positions, interleaved);
    if (failed(cos) || failed(sin))
      return failure();
    int64_t rotary = llvm::cast<RankedTensorType>((*cos).getType())
                         .getShape()
                         .back();
    Value c = n.reshape(*cos, {batch, 1, seq, rotary});
    Value s = n.reshape(*sin, {batch, 1, seq, rotary});
    q = n.make<RotaryEmbeddingOp>(ValueRange{*q, c, s},
                                  n.attr("interleaved",
                                         n.builder.getBoolAttr(interleaved)));
    k = n.make<RotaryEmbeddingOp>(ValueRange{*k, c, s},
                                  n.attr("interleaved",
                                         n.builder.getBoolAttr(interleaved)));
    if (failed(q) || failed(k))
      return failure();
  }

  Value keys = *k, values = *v;
  if (!prompt) {
    // present = past with S free entries after it, the new ones written
    // at L - S (= past when every row is full).
    auto offsets = n.make<AddOp>(ValueRange{lengths, i64Constant(n, {-seq}, {1})});
    if (failed(offsets))
      return failure();
    auto append = [&](Value cache, Value update) -> FailureOr<Value> {
      auto grown = n.make<PadOp>(
          cache, {n.attr("mode", PadModeAttr::get(n.context(),
                                                  PadMode::constant)),
                  n.attr("pads", n.builder.getDenseI64ArrayAttr(
                                     {0, 0, 0, 0, 0, 0, seq, 0})),
                  n.attr("value", n.builder.getF64FloatAttr(0))});
      if (failed(grown))
        return failure();
      return n.make<CacheUpdateOp>(
          ValueRange{*grown, update, *offsets},
          n.attr("axis", n.builder.getI64IntegerAttr(2)));
    };
    auto presentKey = append(pastKey, keys);
    auto presentValue = append(pastValue, values);
    if (failed(presentKey) || failed(presentValue))
      return failure();
    keys = *presentKey;
    values = *presentValue;
  }

  float scale = n.attrFloat("scale", 0.0f);
  if (scale == 0.0f)
    scale = 1.0f / std::sqrt(float(headSize));
  int64_t window = n.attrInt("local_window_size", -1);
  SmallVector<NamedAttribute> attrs{
      n.attr("scale", n.builder.getF32FloatAttr(scale)),
      n.attr("causal", n.builder.getBoolAttr(true)),
      // onnxruntime lets a query see local_window_size keys before itself.
      n.attr("window", n.builder.getI64IntegerAttr(window < 0 ? 0 : window + 1)),
      n.attr("softcap", n.builder.getF32FloatAttr(n.attrFloat("softcap", 0))),
      n.attr("operandSegmentSizes",
             n.builder.getDenseI32ArrayAttr({1, 1, 1, 0, lengths ? 1 : 0}))};
  SmallVector<Value> operands{*q, keys, values};
  if (lengths)
    operands.push_back(lengths);
  auto attention = n.make<AttentionOp>(operands, attrs);
  if (failed(attention))
    return failure();
  auto merged = n.transpose(*attention, {0, 2, 1, 3});
  if (failed(merged))
    return failure();
  out.push_back(n.reshape(*merged, {batch, seq, heads * headSize}));
  out.push_back(keys);
  out.push_back(values);
  out.truncate(std::min<size_t>(out.size(), n.numOutputs()));
  return success();
}

//===----------------------------------------------------------------------===//
// MatMulNBits
//===----------------------------------------------------------------------===//

/// Y = A x dequantize(B)^T, B's rows being N output columns of K inputs in
/// blocks of `block_size`, unsigned `bits`-bit values packed low bits
/// first, zero point 2^(bits-1) unless given. Becomes Gaon's weight-only
/// form: block_dequantize of a signed (K, N) constant (the values less
/// 2^(bits-1)), blocks along K, then matmul.
LogicalResult convertMatMulNBits(OnnxNode &n, Results &out) {
  int64_t K = n.attrInt("K", 0), N = n.attrInt("N", 0),
          bits = n.attrInt("bits", 4), block = n.attrInt("block_size", 0);
  if (bits != 4 && bits != 8)
    return n.fail() << "bits=" << bits
                    << " is not supported (Gaon stores 4- or 8-bit weights)";
  if (K < 1 || N < 1 || block < 1)
    return n.fail() << "attributes K, N and block_size must be positive";
  if (n.numInputs() > 4 && n.input(4))
    return n.fail() << "g_idx (act-order) is not supported";
  auto packed = n.requireConstant(1, "the packed weights B");
  auto scales = n.requireConstant(2, "the scales");
  if (!packed || !scales)
    return failure();
  int64_t blocks = (K + block - 1) / block;
  int64_t blobBytes = block * bits / 8;
  if (!packed.getElementType().isInteger(8) ||
      packed.getNumElements() != N * blocks * blobBytes)
    return n.fail() << "B must hold N x ceil(K / block_size) x block_size * "
                       "bits / 8 = "
                    << N * blocks * blobBytes << " bytes, got "
                    << packed.getType();
  if (scales.getNumElements() != N * blocks)
    return n.fail() << "scales must hold N x ceil(K / block_size) = "
                    << N * blocks << " values, got " << scales.getType();
  Type element = n.elementType(0);
  if (!llvm::isa<FloatType>(element))
    return n.fail() << "input A must be a float tensor";

  int64_t mid = int64_t(1) << (bits - 1);
  std::vector<uint8_t> bytes;
  for (const APInt &b : packed.getValues<APInt>())
    bytes.push_back(uint8_t(b.getZExtValue()));
  auto stored = [&](int64_t row, int64_t k) -> int64_t {
    int64_t blockIndex = k / block, inBlock = k % block;
    const uint8_t *blob = bytes.data() + (row * blocks + blockIndex) * blobBytes;
    if (bits == 8)
      return blob[inBlock];
    uint8_t byte = blob[inBlock / 2];
    return inBlock % 2 ? byte >> 4 : byte & 0xF;
  };
  // Zero points: packed like B (one row of blocks per output column) or,
  // as floats, one per block; either must be whole numbers in range.
  std::vector<int64_t> zeros(N * blocks, mid);
  if (n.numInputs() > 3 && n.input(3)) {
    auto zp = n.requireConstant(3, "the zero points");
    if (!zp)
      return failure();
    if (zp.getElementType().isInteger(8)) {
      int64_t perRow = (blocks * bits + 7) / 8;
      if (zp.getNumElements() != N * perRow)
        return n.fail() << "packed zero points must hold " << N * perRow
                        << " bytes, got " << zp.getType();
      std::vector<uint8_t> z;
      for (const APInt &b : zp.getValues<APInt>())
        z.push_back(uint8_t(b.getZExtValue()));
      for (int64_t r = 0; r < N; ++r)
        for (int64_t b = 0; b < blocks; ++b) {
          uint8_t byte = z[r * perRow + (bits == 8 ? b : b / 2)];
          zeros[r * blocks + b] =
              bits == 8 ? byte : (b % 2 ? byte >> 4 : byte & 0xF);
        }
    } else {
      if (zp.getNumElements() != N * blocks)
        return n.fail() << "zero points must hold " << N * blocks
                        << " values, got " << zp.getType();
      int64_t i = 0;
      for (const APFloat &f : zp.getValues<APFloat>()) {
        double d = f.convertToDouble();
        if (d != std::floor(d) || d < 0 || d >= 2 * mid)
          return n.fail() << "zero point " << d << " is not a whole number "
                          << "in [0, " << 2 * mid << ")";
        zeros[i++] = int64_t(d);
      }
    }
  }
  bool symmetric = llvm::all_of(zeros, [&](int64_t z) { return z == mid; });

  // Gaon's form: (K, N) signed values, (blocks, N) scales and zero points.
  std::vector<APInt> values(K * N);
  for (int64_t row = 0; row < N; ++row)
    for (int64_t k = 0; k < K; ++k)
      values[k * N + row] =
          APInt(bits, stored(row, k) - mid, /*isSigned=*/true);
  std::vector<float> scaleValues;
  for (const APFloat &f : scales.getValues<APFloat>())
    scaleValues.push_back(float(f.convertToDouble()));
  std::vector<APFloat> blockScales;
  std::vector<APInt> blockZeros;
  auto floatType = llvm::cast<FloatType>(element);
  for (int64_t b = 0; b < blocks; ++b)
    for (int64_t row = 0; row < N; ++row) {
      APFloat s(scaleValues[row * blocks + b]);
      bool lost;
      s.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                &lost);
      blockScales.push_back(s);
      blockZeros.push_back(
          APInt(bits, zeros[row * blocks + b] - mid, /*isSigned=*/true));
    }
  auto intType = RankedTensorType::get({K, N}, n.builder.getIntegerType(bits));
  Value weight = n.constant(DenseElementsAttr::get(intType, values));
  Value scaleTensor = n.constant(DenseElementsAttr::get(
      RankedTensorType::get({blocks, N}, element), blockScales));
  Value zeroTensor;
  if (!symmetric)
    zeroTensor = n.constant(DenseElementsAttr::get(
        RankedTensorType::get({blocks, N}, n.builder.getIntegerType(bits)),
        blockZeros));
  auto dequantized = n.builder.create<BlockDequantizeOp>(
      n.loc, RankedTensorType::get({K, N}, element), weight, scaleTensor,
      zeroTensor, n.builder.getI64IntegerAttr(0),
      n.builder.getI64IntegerAttr(block));
  if (failed(dequantized.verifyInvariants()))
    return failure();
  auto product = n.make<MatMulOp>(ValueRange{n.input(0), dequantized});
  if (failed(product))
    return failure();
  if (n.numInputs() > 5 && n.input(5)) {
    product = n.make<AddOp>(ValueRange{*product, n.input(5)});
    if (failed(product))
      return failure();
  }
  out.push_back(*product);
  return success();
}

} // namespace

void populateOnnxToGraphContribPatterns(OnnxPatternTable &t) {
  // onnxruntime registers SimplifiedLayerNormalization in ONNX's domain.
  t.onExtension("SimplifiedLayerNormalization", convertSimplifiedLayerNorm, "");
  t.onExtension("SimplifiedLayerNormalization", convertSimplifiedLayerNorm,
                kMicrosoft);
  t.onExtension("SkipSimplifiedLayerNormalization",
                convertSkipSimplifiedLayerNorm, kMicrosoft);
  t.onExtension("RotaryEmbedding", convertRotaryEmbedding, kMicrosoft);
  t.onExtension("GroupQueryAttention", convertGroupQueryAttention, kMicrosoft);
  t.onExtension("MatMulNBits", convertMatMulNBits, kMicrosoft);
}

} // namespace gaon

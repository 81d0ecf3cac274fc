//===- Legality.cpp - what the NPU can run, and why not -------------------===//

#include "compiler/npu/Placement/Legality.h"

#include "compiler/npu/Geometry.h"
#include "targets/npu/Requantize.h"

#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace gaon::npu {
namespace {

/// Why `w` cannot be an integer op's weights on the matrix engine: it must
/// be a constant, int8, with zero points 0 (the engine multiplies stored
/// values).
std::string whyNotInt8Weights(Value w) {
  auto q = llvm::dyn_cast<quant::QuantizedType>(rankedOf(w).getElementType());
  if (!constantOf(w) || !q || !q.isSigned() ||
      q.getStorageTypeIntegralWidth() != 8)
    return "the matrix engine's integer modes take constant int8 weights";
  if (llvm::any_of(graph::quantZeroPoints(q),
                   [](int64_t z) { return z != 0; }))
    return "weights with a nonzero zero point: the matrix engine multiplies "
           "stored values";
  return "";
}

std::string whyNotNpuQConv(graph::QConvOp conv, const NpuConfig &config) {
  if (!npuInt8(conv.getInput()))
    return "the NPU's integer convolutions read 8-bit activations quantized "
           "per tensor with zero point 0 (so the zero halo is the value 0)";
  if (rankedOf(conv.getInput()).getRank() != 4 || conv.getGroup() != 1)
    return "only 2-D integer convolutions with group 1 have a matrix-engine "
           "lowering";
  if (std::string why = whyNotInt8Weights(conv.getWeight()); !why.empty())
    return why;
  if (conv.getBias() && !constantOf(conv.getBias()))
    return "the bias is computed at run time";
  if (!fusableRequantize(conv))
    return "its int32 sums leave the NPU only through a requantization to 8 "
           "bits per tensor with zero point 0 and a scale ratio below 1, "
           "fused into the output stage";
  FailureOr<ConvGeom> g = convGeom(conv.getOperation());
  if (failed(g))
    return "unexpected convolution geometry";
  int64_t halo = g->maxPad();
  if (!planConv(*g, g->w + 2 * halo, config, opBudget(config)))
    return "no tiling of this convolution fits half of the SRAM";
  return "";
}

} // namespace

std::string whyNotNpu(Operation &op, const NpuConfig &config) {
  // NPU programs are straight-line: every image row tile of a batch
  // (every row tile of a matmul) is its own instructions, and compile time
  // grows faster than their count. Past these sizes the op stays on the
  // CPU.
  constexpr int64_t kMaxNpuImageRows = 16384, kMaxNpuRows = int64_t(1) << 17;
  for (Value v : op.getResults()) {
    auto t = rankedOf(v);
    // (Empty tensors have no rows to unroll, and no last size to divide by.)
    if (!t || !t.hasStaticShape() || t.getRank() == 0 ||
        t.getNumElements() == 0)
      continue;
    if (t.getRank() == 4 && t.getDimSize(0) * t.getDimSize(2) > kMaxNpuImageRows)
      return "batch " + std::to_string(t.getDimSize(0)) + " of " +
             std::to_string(t.getDimSize(2)) +
             "-row images: NPU programs unroll every image row, so more "
             "than 16384 in a batch run on the CPU (compile a smaller batch "
             "and run it repeatedly for the NPU)";
    if (t.getRank() != 4 && t.getNumElements() / t.getShape().back() > kMaxNpuRows)
      return std::to_string(t.getNumElements() / t.getShape().back()) +
             " rows: NPU programs unroll every row tile, so tensors of over "
             "2^17 rows run on the CPU";
  }
  std::string kind = op.getName().getStringRef().str();
  if (auto qconv = llvm::dyn_cast<graph::QConvOp>(op))
    return whyNotNpuQConv(qconv, config);
  if (llvm::isa<graph::RequantizeOp>(op))
    return "a requantization runs on the NPU only fused into the integer "
           "convolution before it";
  if (llvm::isa<graph::QMeanOp>(op))
    return "the NPU has no integer reduction yet; the CPU computes the exact "
           "mean (a float pool on the NPU would round through bf16)";
  if (llvm::isa<graph::BlockDequantizeOp>(op))
    return "weight-only weights dequantize on the NPU only as the matrix "
           "engine reads them for the matmul they feed";
  if (auto q = llvm::dyn_cast<graph::QuantizeOp>(op)) {
    if (!isF32Tensor(q.getInput()) || !npuInt8(q.getOutput()))
      return "the vector engine quantizes f32 (bf16 on the device) to 8 bits "
             "per tensor with zero point 0";
    return "";
  }
  if (auto dq = llvm::dyn_cast<graph::DequantizeOp>(op)) {
    if (!npuInt8(dq.getInput()) || !isF32Tensor(dq.getOutput()))
      return "the vector engine dequantizes 8 bits per tensor with zero point "
             "0 to f32 (bf16 on the device)";
    return "";
  }
  if (auto mm = llvm::dyn_cast<graph::QMatMulOp>(op)) {
    RankedTensorType lhs = rankedOf(mm.getLhs()), rhs = rankedOf(mm.getRhs());
    if (!npuInt8(mm.getLhs()))
      return "the NPU's integer matmuls read 8-bit activations quantized per "
             "tensor with zero point 0";
    if (rhs.getRank() != 2 || lhs.getRank() < 2)
      return "the matrix engine's integer modes take a rank >= 2 activation "
             "and 2-D weights";
    if (std::string why = whyNotInt8Weights(mm.getRhs()); !why.empty())
      return why;
    if (mm.getBias() && !constantOf(mm.getBias()))
      return "the bias is computed at run time";
    if (!fusableRequantize(mm))
      return "its int32 sums leave the NPU only through a requantization to 8 "
             "bits per tensor with zero point 0, fused into the output stage";
    ConvGeom g = matmulGeom(lhs, rhs);
    if (!planConv(g, g.w, config, opBudget(config)))
      return "no tiling of this matmul fits half of the SRAM";
    return "";
  }
  if (auto pool = llvm::dyn_cast<graph::MaxPoolOp>(op);
      pool && npuInt8(pool.getInput())) {
    if (rankedOf(pool.getInput()).getRank() != 4)
      return "only 2-D max pooling has a vector engine lowering";
    return "";
  }
  if (auto reshape = llvm::dyn_cast<graph::ReshapeOp>(op);
      reshape && npuInt8(reshape.getInput())) {
    if (!rowMajorEquivalent(rankedOf(reshape.getInput())) ||
        !rowMajorEquivalent(rankedOf(reshape.getOutput())))
      return "this reshape reorders data the NPU stores channels-last";
    return "";
  }
  if (auto add = llvm::dyn_cast<graph::QAddOp>(op)) {
    auto qa = npuInt8(add.getLhs()), qb = npuInt8(add.getRhs()),
         qy = npuInt8(add.getOutput());
    if (!qa || !qb || !qy)
      return "the vector engine's qadd takes 8-bit tensors quantized per "
             "tensor with zero point 0";
    AddRescale r;
    if (!addRescale(qa.getScale(), qb.getScale(), qy.getScale(), r))
      return "the output scale is too small for the vector engine's "
             "multiplier (the CPU adds in double)";
    return "";
  }
  for (Value v : op.getOperands()) {
    if (constantOf(v))
      continue;
    if (!isF32Tensor(v))
      return "operand of type " +
             [&] {
               std::string s;
               llvm::raw_string_ostream os(s);
               os << v.getType();
               return s;
             }() +
             ": the NPU's float path takes static f32 tensors (integer "
             "programs come with quantization)";
  }
  for (Value v : op.getResults())
    if (!isF32Tensor(v))
      return "its result is not a static, non-empty f32 tensor";
  uint64_t budget = opBudget(config);
  if (auto conv = llvm::dyn_cast<graph::ConvOp>(op)) {
    if (rankedOf(conv.getInput()).getRank() != 4)
      return "only 2-D convolutions have a matrix-engine lowering";
    if (conv.getGroup() != 1)
      return "grouped convolution (group " + std::to_string(conv.getGroup()) +
             "): the matrix engine lowering needs group 1; depthwise "
             "convolutions stay on the CPU until the vector engine runs them";
    if (!constantOf(conv.getWeight()))
      return "the weights are computed at run time; the NPU needs constant "
             "weights to pack them";
    if (conv.getBias() && !constantOf(conv.getBias()))
      return "the bias is computed at run time";
    FailureOr<ConvGeom> g = convGeom(conv.getOperation());
    if (failed(g))
      return "unexpected convolution geometry";
    int64_t halo = g->maxPad();
    if (!planConv(*g, g->w + 2 * halo, config, budget))
      return "no tiling of this convolution fits half of the " +
             std::to_string(config.sramBytes >> 20) + " MiB SRAM";
    return "";
  }
  if (auto mm = llvm::dyn_cast<graph::MatMulOp>(op)) {
    RankedTensorType lhs = rankedOf(mm.getLhs()), rhs = rankedOf(mm.getRhs());
    if (mm.getRhs().getDefiningOp<graph::BlockDequantizeOp>() &&
        !weightOnlyOf(mm.getRhs()))
      return "its weight-only weights have zero points, blocks along N or of "
             "under 4 rows, or other users; the matrix engine takes constant "
             "symmetric blocks of 4 or more rows along K, one matmul each";
    if (!constantOf(mm.getRhs()) && !weightOnlyOf(mm.getRhs()))
      return "both operands are computed at run time; the NPU lowering "
             "needs a constant right-hand side (weights) for now";
    if (rhs.getRank() != 2 || lhs.getRank() < 2)
      return "the NPU lowering takes a rank >= 2 left operand and a 2-D "
             "constant right operand";
    ConvGeom g = matmulGeom(lhs, rhs);
    if (!planConv(g, g.w, config, budget))
      return "no tiling of this matmul fits half of the SRAM";
    return "";
  }
  if (llvm::isa<graph::AddOp, graph::SubOp, graph::MulOp, graph::MaxOp,
                graph::MinOp>(op)) {
    Value l = op.getOperand(0), r = op.getOperand(1);
    if (constantOf(l) || constantOf(r))
      return "an operand is a constant; the vector engine lowering takes two "
             "computed tensors of one shape";
    if (l.getType() != r.getType() || l.getType() != op.getResult(0).getType())
      return "broadcasting; the vector engine lowering takes operands of the "
             "result's shape";
    return "";
  }
  if (llvm::isa<graph::ReluOp, graph::SigmoidOp, graph::SiluOp>(op))
    return "";
  if (auto clip = llvm::dyn_cast<graph::ClipOp>(op))
    return clip.getMin() && clip.getMax()
               ? ""
               : "a clip with one bound open; the vector engine clamps both";
  if (auto pool = llvm::dyn_cast<graph::MaxPoolOp>(op)) {
    if (rankedOf(pool.getInput()).getRank() != 4)
      return "only 2-D max pooling has a vector engine lowering";
    return "";
  }
  if (auto reduce = llvm::dyn_cast<graph::ReduceOp>(op)) {
    if (rankedOf(reduce.getInput()).getRank() != 4 ||
        reduce.getAxes() != ArrayRef<int64_t>{2, 3} ||
        (reduce.getKind() != graph::ReduceKind::mean &&
         reduce.getKind() != graph::ReduceKind::sum))
      return "only global mean and sum pooling (axes 2, 3 of a 4-D tensor) "
             "run on the NPU";
    return "";
  }
  if (llvm::isa<graph::SoftmaxOp, graph::LayerNormOp, graph::RmsNormOp>(op)) {
    RankedTensorType t = rankedOf(op.getOperand(0));
    int64_t axis = op.getAttrOfType<IntegerAttr>("axis").getInt();
    if (axis < 0)
      axis += t.getRank();
    if (t.getRank() > 3 || axis != t.getRank() - 1)
      return "the vector engine normalizes rows of the last axis of tensors "
             "of rank 3 or less";
    if (uint64_t(t.getShape().back()) * 16 > budget / 2)
      return "one row does not fit the vector engine's SRAM tiles";
    if (auto norm = llvm::dyn_cast<graph::LayerNormOp>(op)) {
      auto param = [&](Value v) {
        DenseElementsAttr c = v ? constantOf(v) : DenseElementsAttr();
        return c && c.getNumElements() == t.getShape().back();
      };
      if (!param(norm.getScale()) || (norm.getBias() && !param(norm.getBias())))
        return "scale and bias must be constants of the normalized axis's "
               "length";
    }
    if (auto norm = llvm::dyn_cast<graph::RmsNormOp>(op)) {
      DenseElementsAttr c = constantOf(norm.getScale());
      if (!c || c.getNumElements() != t.getShape().back())
        return "the scale must be a constant of the normalized axis's length";
    }
    return "";
  }
  if (auto reshape = llvm::dyn_cast<graph::ReshapeOp>(op)) {
    if (!rowMajorEquivalent(rankedOf(reshape.getInput())) ||
        !rowMajorEquivalent(rankedOf(reshape.getOutput())))
      return "this reshape reorders data the NPU stores channels-last";
    return "";
  }
  if (auto slice = llvm::dyn_cast<graph::SliceOp>(op)) {
    // A contiguous run of rows (a prefill's last position) is a view.
    if (rankedOf(slice.getInput()).getRank() == 4 ||
        !contiguousSliceOffset(slice))
      return "only a contiguous run of rows is a view on the NPU; this "
             "slice gathers";
    return "";
  }
  return "no NPU lowering for " + kind + " yet";
}

bool isBiasFor(Value maybeBias, Operation *matmul) {
  DenseElementsAttr c = constantOf(maybeBias);
  RankedTensorType out = rankedOf(matmul->getResult(0));
  return c && c.getElementType().isF32() && out &&
         c.getNumElements() == out.getShape().back() &&
         llvm::all_of(rankedOf(maybeBias).getShape().drop_back(),
                      [](int64_t d) { return d == 1; });
}

} // namespace gaon::npu

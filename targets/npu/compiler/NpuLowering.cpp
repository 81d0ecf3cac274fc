//===- NpuLowering.cpp - graph ops to NPU programs ------------------------===//
//
// The bf16 path of docs/npu-compiler.md:
//  - activations live in DRAM as bf16, channels-last, with a zero halo as
//    wide as the largest padding a consumer needs, so a convolution's input
//    tile is one plain DMA and the matrix engine never sees a border;
//  - weights are packed at compile time per output-channel tile, as the
//    matrix engine's B operand, [kh][kw][cin][tile];
//  - each op is tiled over output rows (and columns when one row is too
//    big) with double-buffered input and output tiles, so the load engine
//    fetches tile t+1 and the store engine drains tile t-1 while tile t
//    computes;
//  - synchronization is derived, not hand-placed: every engine signals its
//    own semaphore after each step, and a step that touches bytes another
//    engine touched (write after read, read after write, write after write)
//    first waits for that engine's step to finish.
//
//===----------------------------------------------------------------------===//

#include "targets/npu/compiler/NpuLowering.h"

#include "dialects/graph/GraphOps.h"
#include "dialects/tile/TileOps.h"
#include "compiler/binary/MemoryPlanner.h"
#include "targets/common/HalfFloat.h"
#include "targets/npu/Requantize.h"
#include "targets/npu/sim/Simulator.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSwitch.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

using namespace mlir;

namespace gaon::npu {

std::string nodeName(Location loc) {
  if (auto name = llvm::dyn_cast<NameLoc>(loc))
    return name.getName().str();
  if (auto fused = llvm::dyn_cast<FusedLoc>(loc)) {
    std::string names;
    for (Location l : fused.getLocations()) {
      std::string n = nodeName(l);
      if (!n.empty())
        names += (names.empty() ? "" : "+") + n;
    }
    return names;
  }
  return "";
}

std::string fusedGroupName(Operation *anchor, ArrayRef<Operation *> fused) {
  std::string name = nodeName(anchor->getLoc());
  for (Operation *f : fused) {
    std::string n = nodeName(f->getLoc());
    // One ONNX node may become several graph ops (Gemm: matmul + add).
    if (!n.empty() && n != nodeName(anchor->getLoc()))
      name += "+" + n;
  }
  return name;
}

namespace {

constexpr uint64_t kAlign = 64;
constexpr int64_t kBf16 = 2;

uint64_t alignUp(uint64_t v, uint64_t a = kAlign) { return (v + a - 1) / a * a; }
int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

RankedTensorType rankedOf(Value v) {
  auto t = llvm::dyn_cast<RankedTensorType>(v.getType());
  return t && t.hasStaticShape() ? t : RankedTensorType();
}

bool isF32Tensor(Value v) {
  RankedTensorType t = rankedOf(v);
  return t && t.getElementType().isF32() && t.getNumElements() > 0;
}

DenseElementsAttr constantOf(Value v) {
  // A constant's integers given a quantized type are the constant's bytes.
  if (auto cast = v.getDefiningOp<graph::StorageCastOp>())
    v = cast.getInput();
  if (auto c = v.getDefiningOp<graph::ConstantOp>())
    return llvm::dyn_cast<DenseElementsAttr>(c.getValue());
  return {};
}

/// The block_dequantize feeding a matmul weight-only weights the matrix
/// engine reads as they are: constant i8 or i4 [K, N] with f32 scales in
/// blocks along K of at least 4 rows, no zero points, and no other user;
/// null otherwise. (From 4 rows up, weights and scales take no more SRAM
/// than bf16 weights, which the tiling plans for.)
graph::BlockDequantizeOp weightOnlyOf(Value rhs) {
  auto bdq = rhs.getDefiningOp<graph::BlockDequantizeOp>();
  if (!bdq || bdq.getAxis() != 0 || bdq.getZeroPoints() || !rhs.hasOneUse() ||
      bdq.getBlockSize() < 4 ||
      bdq.getInput().getType().getRank() != 2 ||
      !bdq.getScales().getType().getElementType().isF32() ||
      !constantOf(bdq.getInput()) || !constantOf(bdq.getScales()))
    return {};
  return bdq;
}

/// The 8-bit per-tensor quantized type of `v` with zero point 0 (the NPU's
/// integer activations), or null.
quant::UniformQuantizedType npuInt8(Value v) {
  RankedTensorType t = rankedOf(v);
  auto q = t ? llvm::dyn_cast<quant::UniformQuantizedType>(t.getElementType())
             : quant::UniformQuantizedType();
  if (!q || q.getStorageTypeIntegralWidth() != 8 || q.getZeroPoint() != 0 ||
      t.getNumElements() == 0)
    return {};
  return q;
}

/// A constant's f32 values, splats expanded.
std::vector<float> floatsOf(DenseElementsAttr attr) {
  std::vector<float> out(attr.getNumElements());
  if (attr.isSplat()) {
    std::fill(out.begin(), out.end(), attr.getSplatValue<float>());
    return out;
  }
  ArrayRef<char> raw = attr.getRawData();
  std::memcpy(out.data(), raw.data(), out.size() * 4);
  return out;
}

/// Rank 4 tensors are NCHW and live channels-last; the others are rows of
/// their last dimension. A tensor whose memory order is the same either way
/// (rank below 4, or H = W = 1) is "row-major equivalent": reshapes between
/// two such tensors move no data.
bool rowMajorEquivalent(RankedTensorType t) {
  return t.getRank() < 4 || (t.getRank() == 4 && t.getDimSize(2) == 1 &&
                             t.getDimSize(3) == 1);
}

// ---------------------------------------------------------------------------
// Geometry of the ops the NPU runs, shared by placement and lowering.
// ---------------------------------------------------------------------------

/// A convolution (or a matmul, as a 1x1 convolution over rows) as the
/// matrix engine sees it.
struct ConvGeom {
  int64_t n = 1, cin = 1, h = 1, w = 1, cout = 1, oh = 1, ow = 1;
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
  int64_t padT = 0, padL = 0, padB = 0, padR = 0;
  // Tap groups: with unit horizontal dilation, one kernel row's kw pixels
  // are contiguous channels-last, so a whole row is one K = kw * cin matmul.
  int64_t groups() const { return dw == 1 ? kh : kh * kw; }
  int64_t groupK() const { return dw == 1 ? kw * cin : cin; }
  /// Input rows and columns that `r` output rows or `c` output columns read.
  int64_t inRows(int64_t r) const { return (r - 1) * sh + (kh - 1) * dh + 1; }
  int64_t inCols(int64_t c) const { return (c - 1) * sw + (kw - 1) * dw + 1; }
};

/// The SRAM a conv tile plan needs.
struct ConvPlan {
  int64_t nt = 0;      // output channels per weight tile
  int64_t rows = 0;    // output rows per tile
  int64_t cols = 0;    // output columns per tile
  bool fullWidth = true;
};

uint64_t convTileBytes(const ConvGeom &g, int64_t paddedW, int64_t nt,
                       int64_t rows, int64_t cols, bool fullWidth) {
  int64_t inRows = g.inRows(rows);
  int64_t inCols = fullWidth ? paddedW : g.inCols(cols);
  uint64_t in = alignUp(uint64_t(inRows) * inCols * g.cin * kBf16);
  uint64_t acc = alignUp(uint64_t(rows) * cols * nt * 4);
  uint64_t out = alignUp(uint64_t(rows) * cols * nt * kBf16);
  return 2 * in + acc + 2 * out;
}

/// Chooses tile sizes so that weights, double-buffered tiles and the
/// accumulator fit `budget` bytes of SRAM; nullopt when nothing fits.
std::optional<ConvPlan> planConv(const ConvGeom &g, int64_t paddedW,
                                 const NpuConfig &config, uint64_t budget,
                                 bool streamed = true) {
  ConvPlan p;
  auto weightBytes = [&](int64_t nt) {
    return alignUp(uint64_t(g.kh) * g.kw * g.cin * nt * kBf16) +
           alignUp(uint64_t(nt) * 4);
  };
  p.nt = g.cout;
  // Split output channels until the weights take at most half the budget
  // (two buffers when there is more than one weight tile).
  while (p.nt > config.matrixCols &&
         (p.nt == g.cout ? 1 : 2) * weightBytes(p.nt) > budget / 2)
    p.nt = alignUp(ceilDiv(p.nt, 2), config.matrixCols);
  uint64_t weights = (p.nt == g.cout ? 1 : 2) * weightBytes(p.nt);
  if (weights > budget)
    return std::nullopt;
  uint64_t rest = budget - weights;
  // Rows: when tiles stream through DMA, at most a quarter of the output per
  // tile, so that loads, compute and stores overlap; between resident
  // tensors, as many as the accumulator allows (each matmul pays the
  // array's fill latency once).
  int64_t maxRows = streamed && g.oh >= 4 ? ceilDiv(g.oh, 4) : g.oh;
  for (int64_t r = maxRows; r >= 1; --r)
    if (convTileBytes(g, paddedW, p.nt, r, g.ow, true) <= rest) {
      p.rows = r;
      p.cols = g.ow;
      // Split rows evenly.
      p.rows = ceilDiv(g.oh, ceilDiv(g.oh, r));
      return p;
    }
  // One output row at a time does not fit: split columns too (and aim for
  // at least four column tiles for overlap).
  p.rows = 1;
  p.fullWidth = false;
  int64_t maxCols = g.ow >= 4 ? ceilDiv(g.ow, 4) : g.ow;
  for (int64_t c = maxCols; c >= 1; c = c > 64 ? c * 3 / 4 : c - 1)
    if (convTileBytes(g, paddedW, p.nt, 1, c, false) <= rest) {
      p.cols = ceilDiv(g.ow, ceilDiv(g.ow, c));
      return p;
    }
  return std::nullopt;
}

/// SRAM is split: up to 3/8 holds resident activations (kept between ops),
/// the rest is a ring of working buffers. One op's working set is at most
/// half the ring, so that the next op's weights can arrive while it runs.
uint64_t residentBudget(const NpuConfig &config) {
  return uint64_t(config.sramBytes) * 3 / 8;
}
uint64_t opBudget(const NpuConfig &config) {
  return (uint64_t(config.sramBytes) - residentBudget(config)) / 2;
}

template <typename ConvLike>
FailureOr<ConvGeom> convGeom(ConvLike conv) {
  RankedTensorType in = rankedOf(conv.getInput());
  RankedTensorType out = rankedOf(conv.getOutput());
  RankedTensorType wt = rankedOf(conv.getWeight());
  if (!in || !out || !wt || in.getRank() != 4)
    return failure();
  ConvGeom g;
  g.n = in.getDimSize(0);
  g.cin = in.getDimSize(1);
  g.h = in.getDimSize(2);
  g.w = in.getDimSize(3);
  g.cout = out.getDimSize(1);
  g.oh = out.getDimSize(2);
  g.ow = out.getDimSize(3);
  g.kh = wt.getDimSize(2);
  g.kw = wt.getDimSize(3);
  ArrayRef<int64_t> s = conv.getStrides(), d = conv.getDilations(),
                    p = conv.getPads();
  if (s.size() != 2 || d.size() != 2 || p.size() != 4)
    return failure();
  g.sh = s[0];
  g.sw = s[1];
  g.dh = d[0];
  g.dw = d[1];
  g.padT = p[0];
  g.padL = p[1];
  g.padB = p[2];
  g.padR = p[3];
  return g;
}

ConvGeom matmulGeom(RankedTensorType lhs, RankedTensorType rhs) {
  ConvGeom g;
  g.w = g.ow = lhs.getNumElements() / lhs.getShape().back();
  g.cin = lhs.getShape().back();
  g.cout = rhs.getDimSize(1);
  return g;
}

// ---------------------------------------------------------------------------
// Placement
// ---------------------------------------------------------------------------

std::string opKind(Operation &op) { return op.getName().getStringRef().str(); }

/// The requantization after an integer convolution: its sole user, if that
/// is a graph.requantize the output stage can apply (8-bit per tensor with
/// zero point 0, every channel's ratio below 1).
graph::RequantizeOp fusableRequantize(Operation *conv) {
  if (!conv->hasOneUse())
    return {};
  auto rq = llvm::dyn_cast<graph::RequantizeOp>(*conv->getUsers().begin());
  if (!rq || !npuInt8(rq.getOutput()))
    return {};
  double sy = npuInt8(rq.getOutput()).getScale();
  for (double s : graph::quantScales(conv->getResult(0).getType())) {
    Multiplier m;
    if (!quantizeMultiplier(s / sy, m))
      return {};
  }
  return rq;
}

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
  FailureOr<ConvGeom> g = convGeom(conv);
  if (failed(g))
    return "unexpected convolution geometry";
  int64_t halo = std::max({g->padT, g->padL, g->padB, g->padR});
  if (!planConv(*g, g->w + 2 * halo, config, opBudget(config)))
    return "no tiling of this convolution fits half of the SRAM";
  return "";
}

/// Why `op` cannot run on the NPU on its own; empty when it can.
std::string whyNotNpu(Operation &op, const NpuConfig &config) {
  std::string kind = opKind(op);
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
    FailureOr<ConvGeom> g = convGeom(conv);
    if (failed(g))
      return "unexpected convolution geometry";
    int64_t halo = std::max({g->padT, g->padL, g->padB, g->padR});
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
  if (llvm::isa<graph::ReluOp>(op))
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
  if (llvm::isa<graph::SoftmaxOp, graph::LayerNormOp>(op)) {
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
    return "";
  }
  if (auto reshape = llvm::dyn_cast<graph::ReshapeOp>(op)) {
    if (!rowMajorEquivalent(rankedOf(reshape.getInput())) ||
        !rowMajorEquivalent(rankedOf(reshape.getOutput())))
      return "this reshape reorders data the NPU stores channels-last";
    return "";
  }
  return "no NPU lowering for " + kind + " yet";
}

/// A bias the output stage can add: a constant of the matmul's N elements.
bool isBiasFor(Value maybeBias, graph::MatMulOp mm) {
  DenseElementsAttr c = constantOf(maybeBias);
  RankedTensorType out = rankedOf(mm.getOutput());
  return c && c.getElementType().isF32() && out &&
         c.getNumElements() == out.getShape().back() &&
         llvm::all_of(rankedOf(maybeBias).getShape().drop_back(),
                      [](int64_t d) { return d == 1; });
}

} // namespace

PlacementMap placeOps(Block &body, const NpuConfig &config, bool greedy) {
  PlacementMap map;
  for (Operation &op : body.without_terminator()) {
    // Constants (and their integers given quantized types) follow their
    // users.
    if (llvm::isa<graph::ConstantOp>(op) ||
        (llvm::isa<graph::StorageCastOp>(op) && constantOf(op.getResult(0))))
      continue;
    Placement p;
    p.reason = whyNotNpu(op, config);
    p.onNpu = p.reason.empty();
    map[&op] = p;
  }
  // Epilogues run in the output stage of the op they follow: a ReLU after a
  // convolution or matmul, a bias add after a matmul.
  auto soleUser = [](Operation *op) -> Operation * {
    return op->hasOneUse() ? *op->getUsers().begin() : nullptr;
  };
  for (Operation &op : body.without_terminator()) {
    auto it = map.find(&op);
    if (it == map.end() || !it->second.onNpu || it->second.fusedInto)
      continue;
    Operation *tail = &op;
    if (llvm::isa<graph::QConvOp, graph::QMatMulOp>(op)) {
      // Placed only with its requantization, which runs in the output stage.
      map[fusableRequantize(&op)] = Placement{true, "", &op};
      continue;
    }
    if (auto mm = llvm::dyn_cast<graph::MatMulOp>(op)) {
      // Weight-only weights dequantize as the matrix engine reads them.
      if (graph::BlockDequantizeOp bdq = weightOnlyOf(mm.getRhs()))
        map[bdq] = Placement{true, "", &op};
      Operation *user = soleUser(&op);
      if (auto add = llvm::dyn_cast_or_null<graph::AddOp>(user)) {
        Value other = add.getLhs() == mm.getOutput() ? add.getRhs() : add.getLhs();
        if (isBiasFor(other, mm) && add.getType() == mm.getType()) {
          map[add] = Placement{true, "", &op};
          tail = add;
        }
      }
    } else if (!llvm::isa<graph::ConvOp, graph::AddOp, graph::SubOp,
                           graph::MulOp, graph::MaxOp, graph::MinOp>(op)) {
      continue;
    }
    if (auto relu = llvm::dyn_cast_or_null<graph::ReluOp>(soleUser(tail)))
      if (relu.getType() == tail->getResult(0).getType())
        map[relu] = Placement{true, "", &op};
  }
  // The vector engine ops earn their place only next to NPU work: one whose
  // inputs all come from the host would cost two host transfers to save a
  // CPU loop. Producers come first, so one pass in order settles it.
  for (Operation &op : body.without_terminator()) {
    auto it = map.find(&op);
    if (greedy || it == map.end() || !it->second.onNpu ||
        it->second.fusedInto ||
        llvm::isa<graph::ConvOp, graph::QConvOp, graph::MatMulOp,
                  graph::QMatMulOp>(op))
      continue;
    bool fedByNpu = llvm::any_of(op.getOperands(), [&](Value v) {
      auto p = map.find(v.getDefiningOp());
      return v.getDefiningOp() && p != map.end() && p->second.onNpu;
    });
    if (!fedByNpu)
      it->second = Placement{false,
                             "its inputs come from the CPU; moving them to "
                             "the NPU for this op alone costs more than it "
                             "saves",
                             nullptr};
  }
  // A dequantization earns its place only before NPU work: one whose result
  // only leaves for the CPU would send bf16 (2 bytes) instead of its 8-bit
  // input, and round it to bf16 on the way.
  for (Operation &op : llvm::reverse(body.without_terminator())) {
    auto it = map.find(&op);
    if (greedy || !llvm::isa<graph::DequantizeOp>(op) || it == map.end() ||
        !it->second.onNpu)
      continue;
    bool feedsNpu = llvm::any_of(op.getUsers(), [&](Operation *u) {
      auto p = map.find(u);
      return p != map.end() && p->second.onNpu;
    });
    if (!feedsNpu)
      it->second = Placement{false,
                             "its result only leaves for the CPU, which "
                             "dequantizes the 8-bit tensor itself",
                             nullptr};
  }
  return map;
}

namespace {

// ---------------------------------------------------------------------------
// Device tensors
// ---------------------------------------------------------------------------

/// A bf16 activation in DRAM, or resident in core 0's SRAM: n images of
/// h x w pixels of c channels, channels-last, with a `pad`-pixel zero halo
/// around each image.
struct DevTensor {
  uint64_t base = 0;
  bool sram = false;
  int64_t n = 1, h = 1, w = 1, c = 1, pad = 0;
  int64_t eb = kBf16;      // element bytes
  std::string elem = "bf16"; // or "i8", "u8": quantized, zero point 0
  int64_t hp() const { return h + 2 * pad; }
  int64_t wp() const { return w + 2 * pad; }
  uint64_t bytes() const { return uint64_t(n) * hp() * wp() * c * eb; }
  /// The address of logical pixel (b, y, x); y and x may reach into the halo.
  uint64_t pixel(int64_t b, int64_t y, int64_t x) const {
    return base + uint64_t(((b * hp() + y + pad) * wp() + x + pad) * c * eb);
  }
  int64_t rowBytes() const { return wp() * c * eb; }
  ElemType type() const {
    return elem == "i8" ? ElemType::I8
           : elem == "u8" ? ElemType::U8
                          : ElemType::BF16;
  }
};

DevTensor devShape(RankedTensorType t) {
  DevTensor d;
  if (auto q = llvm::dyn_cast<quant::QuantizedType>(t.getElementType())) {
    d.eb = 1;
    d.elem = q.isSigned() ? "i8" : "u8";
  }
  ArrayRef<int64_t> s = t.getShape();
  if (s.size() == 4) {
    d.n = s[0];
    d.c = s[1];
    d.h = s[2];
    d.w = s[3];
  } else if (!s.empty()) {
    d.c = s.back();
    d.w = t.getNumElements() / std::max<int64_t>(d.c, 1);
  }
  return d;
}

/// A byte range one engine step touches (space -1: DRAM; 0: core 0 SRAM).
struct Access {
  int64_t space;
  uint64_t lo, hi;
  bool write;
  int engine = 0;
  uint32_t step = 0;
};
constexpr int64_t kDramSpace = -1, kSramSpace = 0;

/// Builds one core's instruction queues and the semaphores between them.
/// Every engine signals semaphore `engine` after each step; a step first
/// waits for the steps of other engines whose accesses conflict with its
/// own (see the file comment).
class Emitter {
public:
  /// Builds core `core`'s queues of `program` (whose queues exist).
  explicit Emitter(Program &program, uint32_t core = 0)
      : program(program), core(core) {}

  void setTag(uint32_t index) { tag = index; }

  /// Declares the accesses of the step `engine` is building and emits the
  /// waits they need.
  void access(Engine engine, std::initializer_list<Access> list) {
    int e = int(engine);
    std::array<uint32_t, kEngines> need{};
    for (const Access &a : list)
      for (const Access &old : accesses)
        if (old.engine != e && old.space == a.space && old.lo < a.hi &&
            a.lo < old.hi && (old.write || a.write))
          need[old.engine] = std::max(need[old.engine], old.step + 1);
    for (int o = 0; o < kEngines; ++o)
      if (need[o] > known[e][o]) {
        Instruction w;
        w.opcode = Opcode::Wait;
        w.semaphore = o;
        w.value = need[o];
        push(engine, w);
        known[e][o] = need[o];
      }
    for (Access a : list) {
      if (a.hi <= a.lo)
        continue;
      if (a.write) // older accesses inside a write are ordered before it
        accesses.erase(std::remove_if(accesses.begin(), accesses.end(),
                                      [&](const Access &old) {
                                        return old.space == a.space &&
                                               old.lo >= a.lo && old.hi <= a.hi;
                                      }),
                       accesses.end());
      a.engine = e;
      a.step = signaled[e];
      accesses.push_back(a);
    }
    open[e] = true;
  }

  void endStep(Engine engine) {
    int e = int(engine);
    if (!open[e])
      return;
    Instruction s;
    s.opcode = Opcode::Signal;
    s.semaphore = e;
    s.core = core;
    push(engine, s);
    ++signaled[e];
    open[e] = false;
  }

  void finish() {
    for (int e = 0; e < kEngines; ++e)
      endStep(Engine(e));
  }

  void push(Engine engine, Instruction in) {
    in.engine = engine;
    in.tag = tag;
    program.queues[core][int(engine)].push_back(in);
  }

  void dma(bool load, const DmaDesc &d) {
    Instruction in;
    in.opcode = load ? Opcode::DmaLoad : Opcode::DmaStore;
    in.dma = d;
    push(load ? Engine::Load : Engine::Store, in);
  }
  void matmul(const MatMulDesc &mm) {
    Instruction in;
    in.opcode = Opcode::MatMul;
    in.mm = mm;
    push(Engine::Matrix, in);
  }
  void vector(const VectorDesc &v) {
    Instruction in;
    in.opcode = Opcode::Vector;
    in.vec = v;
    push(Engine::Vector, in);
  }

private:
  Program &program;
  uint32_t core;
  uint32_t tag = 0;
  std::vector<Access> accesses;
  std::array<uint32_t, kEngines> signaled{};
  std::array<std::array<uint32_t, kEngines>, kEngines> known{};
  std::array<bool, kEngines> open{};
};

/// Working SRAM: a ring above the resident tensors, so consecutive ops use
/// different bytes where they can (the next op's loads then need not wait
/// for this op's reads).
class SramRing {
public:
  explicit SramRing(const NpuConfig &config) : limit(config.sramBytes) {}
  uint64_t take(uint64_t bytes) {
    bytes = alignUp(bytes);
    if (cursor + bytes > limit)
      cursor = start;
    uint64_t at = cursor;
    cursor += bytes;
    return at;
  }
  /// Starts an op's allocation; wraps early if its whole working set would
  /// not fit before the end of SRAM.
  void beginOp(uint64_t workingSet) {
    if (cursor + workingSet > limit)
      cursor = start;
  }
  /// SRAM below `at` holds resident tensors.
  void setStart(uint64_t at) { start = cursor = alignUp(at); }
  /// SRAM from `at` up holds prefetched weights.
  void setLimit(uint64_t at) { limit = at; }

private:
  uint64_t limit, start = 0, cursor = 0;
};

Access sramRange(uint64_t lo, uint64_t bytes, bool write) {
  return {kSramSpace, lo, lo + bytes, write};
}

/// The DRAM bytes a DMA walks (a bounding range).
Access dramRange(const DmaDesc &d, bool write) {
  int64_t hi = 0;
  for (int i = 0; i < 4; ++i)
    hi += int64_t(d.sizes[i] - 1) * d.dramStrides[i];
  return {kDramSpace, d.dram, d.dram + uint64_t(hi) + d.elemBytes, write};
}

/// A DMA of `rows` x `cols` x `inner` bf16 elements.
DmaDesc dma3(uint64_t dram, uint64_t sram, int64_t rows, int64_t cols,
             int64_t inner, int64_t dramRow, int64_t dramCol, int64_t sramRow,
             int64_t sramCol, int64_t elemBytes = kBf16) {
  DmaDesc d;
  d.dram = dram;
  d.sram = sram;
  d.elemBytes = uint32_t(elemBytes);
  d.sizes = {1, uint32_t(rows), uint32_t(cols), uint32_t(inner)};
  d.dramStrides = {0, dramRow, dramCol, elemBytes};
  d.sramStrides = {0, sramRow, sramCol, elemBytes};
  return d;
}

DmaDesc dmaFlat(uint64_t dram, uint64_t sram, uint64_t bytes) {
  DmaDesc d;
  d.dram = dram;
  d.sram = sram;
  d.elemBytes = 1;
  // Split into rows of at most 2^30 bytes so that sizes stay 32-bit.
  uint64_t row = std::min<uint64_t>(bytes, uint64_t(1) << 30);
  while (bytes % row)
    --row;
  d.sizes = {1, 1, uint32_t(bytes / row), uint32_t(row)};
  d.dramStrides = {0, 0, int64_t(row), 1};
  d.sramStrides = {0, 0, int64_t(row), 1};
  return d;
}

// ---------------------------------------------------------------------------
// The lowering of one segment
// ---------------------------------------------------------------------------

/// Row tiles of an elementwise op: `rows` image rows of `cols` pixels.
struct RowTiling {
  int64_t rows = 1, cols = 1;
};

RowTiling planRows(int64_t h, int64_t w, int64_t bytesPerPixel,
                   uint64_t budget) {
  RowTiling t;
  uint64_t rowBytes = uint64_t(w) * bytesPerPixel;
  if (rowBytes <= budget) {
    t.cols = w;
    t.rows = std::max<int64_t>(1, std::min<int64_t>(h, budget / rowBytes));
    if (h >= 4)
      t.rows = std::min(t.rows, ceilDiv(h, 4));
    t.rows = ceilDiv(h, ceilDiv(h, t.rows));
    return t;
  }
  t.cols = std::max<int64_t>(1, budget / bytesPerPixel);
  t.cols = ceilDiv(w, ceilDiv(w, t.cols));
  return t;
}

// ---------------------------------------------------------------------------
// graph -> tile: the plan
// ---------------------------------------------------------------------------

/// Weight-only weights: integers [K][N] and f32 scales [ceil(K / group)][N].
struct WeightOnlyStage {
  int bits = 8;
  int64_t group = 1;
  std::vector<int8_t> q;
  std::vector<float> scales;
};

/// Bytes of one K row of `nw` packed weights: `elemBytes` each, or int8 or
/// int4 (two per byte) when `weightBits` (weight-only) is 8 or 4.
uint64_t weightRowBytes(int64_t nw, int64_t elemBytes, int64_t weightBits) {
  if (!weightBits)
    return uint64_t(nw) * elemBytes;
  return weightBits == 4 ? uint64_t(nw + 1) / 2 : uint64_t(nw);
}

/// An integer convolution's constants: int8 weights (OIHW), int32 biases,
/// and the output stage's per-channel requantization.
struct IntegerStage {
  std::vector<int8_t> weights;
  std::vector<int32_t> bias;
  std::vector<Multiplier> mults;
  int32_t zeroPoint = 0, clampLo = -128, clampHi = 127;
};

class SegmentPlanner {
public:
  SegmentPlanner(const PlacementMap &placement, const NpuConfig &config,
                 NpuSegment &out, OpBuilder &builder, int cores)
      : placement(placement), config(config), out(out), builder(builder),
        cores(cores), rings(cores, SramRing(config)), ring(rings[0]) {}

  FailureOr<tileir::SegmentOp> run(ArrayRef<Operation *> ops,
                                   ArrayRef<Value> inputs,
                                   ArrayRef<Value> outputs);

private:
  Value root(Value v) const {
    auto it = alias.find(v);
    return it == alias.end() ? v : root(it->second);
  }
  const DevTensor &dev(Value v) { return tensors[v]; }
  FlatSymbolRefAttr sym(Value v) {
    return FlatSymbolRefAttr::get(builder.getContext(), names[v]);
  }
  IntegerAttr i64(int64_t v) { return builder.getI64IntegerAttr(v); }
  uint64_t allocDram(uint64_t bytes) {
    uint64_t at = dramTop;
    dramTop = alignUp(dramTop + bytes);
    return at;
  }
  uint64_t addConstant(const std::string &name, std::vector<char> bytes) {
    uint64_t at = allocDram(bytes.size());
    builder.create<tileir::ConstantOp>(loc, builder.getStringAttr(name),
                                       i64(at), i64(bytes.size()));
    out.constants.push_back({name, std::move(bytes), at});
    return at;
  }
  void load(uint64_t dram, uint64_t sram, uint64_t bytes, int core = 0) {
    builder.create<tileir::LoadOp>(loc, i64(dram), i64(sram), i64(bytes),
                                   i64(tag), i64(core));
  }
  /// The value an anchor op's group produces: its last fused op's result.
  Value groupResult(Operation *anchor) {
    Value result = anchor->getResult(0);
    for (Operation *f : fusedOf[anchor])
      if (!llvm::isa<graph::BlockDequantizeOp>(f)) // before the anchor
        result = f->getResult(0);
    return result;
  }
  bool fusedRelu(Operation *anchor) {
    return llvm::any_of(fusedOf[anchor],
                        [](Operation *f) { return llvm::isa<graph::ReluOp>(f); });
  }
  LogicalResult planConvLike(Operation *anchor, Value input, const ConvGeom &g,
                             const std::vector<float> &weights,
                             bool weightsOIHW, const std::vector<float> *bias,
                             float scale,
                             const struct IntegerStage *integer = nullptr,
                             const WeightOnlyStage *weightOnly = nullptr);
  LogicalResult planIntegerConv(Operation *op);
  LogicalResult planElementwise(Operation *op);
  LogicalResult planMaxPool(graph::MaxPoolOp pool);
  LogicalResult planGlobalPool(graph::ReduceOp reduce);
  LogicalResult planRowOp(Operation *op);
  SegmentBinding binding(Value v);

  const PlacementMap &placement;
  const NpuConfig &config;
  NpuSegment &out;
  OpBuilder &builder;
  // With several cores, convolutions split their output channels across
  // them, every tensor lives in DRAM (cores exchange activations there),
  // and the other ops run on core 0.
  int cores;
  std::vector<SramRing> rings;
  SramRing &ring; // core 0's
  Location loc = builder.getUnknownLoc();
  llvm::DenseMap<Value, Value> alias;
  llvm::DenseMap<Value, DevTensor> tensors;
  llvm::DenseMap<Value, std::string> names;
  llvm::DenseMap<Operation *, SmallVector<Operation *>> fusedOf;
  std::vector<std::string> tags;
  uint32_t tag = 0;
  uint64_t dramTop = 0;
  uint64_t zeroBlock = 0;
  static constexpr uint64_t kZeroBytes = 4096;
  // Weight prefetching (one core): integer layers whose weights load during
  // earlier layers into SRAM above the ring, and the op before which their
  // loads go.
  llvm::DenseMap<Operation *, Operation *> prefetchBefore;
  llvm::DenseMap<Operation *, int64_t> prefetchTag;
  uint64_t prefetchTop = 0;
  /// Per anchor, the last tile op before its own (null: none).
  llvm::DenseMap<Operation *, Operation *> tileOpOf;
  Block *planBlock = nullptr;
};

SegmentBinding SegmentPlanner::binding(Value v) {
  RankedTensorType t = rankedOf(v);
  const DevTensor &d = dev(v);
  SegmentBinding b;
  b.value = v;
  b.deviceType = d.type();
  if (t.getRank() == 4) {
    b.dram = d.pixel(0, 0, 0);
    b.sizes = {uint32_t(d.n), uint32_t(d.c), uint32_t(d.h), uint32_t(d.w)};
    b.strides = {int64_t(d.hp() * d.wp() * d.c * d.eb), d.eb,
                 int64_t(d.wp() * d.c * d.eb), int64_t(d.c * d.eb)};
    return b;
  }
  // Row-major: the logical shape's last up-to-4 dimensions, leading ones
  // folded into the first.
  ArrayRef<int64_t> s = t.getShape();
  std::array<int64_t, 4> sizes{1, 1, 1, 1};
  int r = s.size();
  for (int i = 0; i < r; ++i)
    sizes[std::max(0, 4 - r + i)] *= s[i]; // dimensions past 4 fold outward
  b.dram = d.base;
  int64_t stride = d.eb;
  for (int i = 3; i >= 0; --i) {
    b.sizes[i] = uint32_t(sizes[i]);
    b.strides[i] = stride;
    stride *= sizes[i];
  }
  return b;
}

FailureOr<tileir::SegmentOp>
SegmentPlanner::run(ArrayRef<Operation *> ops, ArrayRef<Value> inputs,
                    ArrayRef<Value> outputs) {
  loc = ops.front()->getLoc();
  // Fusion groups, aliases (reshapes) and the halo each tensor needs.
  llvm::DenseMap<Value, int64_t> halo;
  SmallVector<Operation *> anchors;
  for (Operation *op : ops) {
    const Placement &p = placement.lookup(op);
    if (p.fusedInto) {
      fusedOf[p.fusedInto].push_back(op);
      continue;
    }
    anchors.push_back(op);
    if (auto reshape = llvm::dyn_cast<graph::ReshapeOp>(op))
      alias[reshape.getOutput()] = reshape.getInput();
  }
  for (Operation *op : anchors)
    if (llvm::isa<graph::ConvOp, graph::QConvOp>(op)) {
      auto p = op->getAttrOfType<DenseI64ArrayAttr>("pads").asArrayRef();
      int64_t &h = halo[root(op->getOperand(0))];
      h = std::max(h, *std::max_element(p.begin(), p.end()));
    }

  // Every root tensor's shape and halo; aliases share their root's bytes.
  SmallVector<Value> roots;
  auto addRoot = [&](Value v) -> LogicalResult {
    Value r = root(v);
    if (tensors.count(r))
      return success();
    DevTensor d = devShape(rankedOf(r));
    d.pad = halo.lookup(r);
    if (d.pad && rankedOf(r).getRank() != 4)
      return emitError(v.getLoc(), "internal: a padded NPU tensor that is "
                                   "not 4-D");
    tensors[r] = d;
    roots.push_back(r);
    return success();
  };
  for (Value v : inputs)
    if (failed(addRoot(v)))
      return failure();
  for (Operation *op : anchors)
    if (failed(addRoot(groupResult(op))))
      return failure();

  // Residency: tensors made and used inside the segment live in SRAM when
  // a liveness-based plan of them fits the resident budget; the largest
  // leave for DRAM until it does. Segment inputs and outputs stay in DRAM,
  // where the host reads and writes them.
  llvm::DenseSet<Value> boundary;
  for (Value v : inputs)
    boundary.insert(root(v));
  for (Value v : outputs)
    boundary.insert(root(v));
  llvm::DenseMap<Value, std::pair<int64_t, int64_t>> life;
  for (auto [i, op] : llvm::enumerate(anchors)) {
    Value r = root(groupResult(op));
    if (!life.count(r))
      life[r] = {int64_t(i), int64_t(i)};
    auto use = [&](Value v) {
      auto it = life.find(root(v));
      if (it != life.end())
        it->second.second = std::max<int64_t>(it->second.second, i);
    };
    for (Value v : op->getOperands())
      use(v);
    for (Operation *f : fusedOf[op])
      for (Value v : f->getOperands())
        use(v);
  }
  SmallVector<Value> candidates;
  for (Value r : roots)
    if (!boundary.count(r) && life.count(r) && cores == 1)
      candidates.push_back(r);
  bool needZeros = false;
  uint64_t residentTop = 0;
  while (!candidates.empty()) {
    std::vector<BufferRequest> requests;
    for (Value r : candidates)
      requests.push_back({tensors[r].bytes(), life[r].first, life[r].second});
    MemoryPlan plan = planMemory(requests, kAlign);
    uint64_t zeros = llvm::any_of(candidates, [&](Value r) {
                       return tensors[r].pad > 0;
                     })
                         ? kZeroBytes
                         : 0;
    if (plan.arenaSize + zeros <= residentBudget(config)) {
      for (auto [i, r] : llvm::enumerate(candidates)) {
        tensors[r].sram = true;
        tensors[r].base = zeros + plan.offsets[i];
      }
      needZeros = zeros > 0;
      residentTop = zeros + plan.arenaSize;
      break;
    }
    auto largest = std::max_element(
        candidates.begin(), candidates.end(), [&](Value a, Value b) {
          return tensors[a].bytes() < tensors[b].bytes();
        });
    candidates.erase(largest);
  }
  ring.setStart(residentTop);
  // Prefetch: the late, DRAM-bound integer layers' weights load while the
  // early, compute-bound layers run, into SRAM above the ring (which keeps
  // room for any op's working set). Largest-last first, while they fit;
  // each layer's loads go before an anchor spread over the first half.
  if (cores == 1) {
    uint64_t ringTop = alignUp(residentTop + opBudget(config) + kAlign);
    uint64_t room = uint64_t(config.sramBytes) > ringTop
                        ? uint64_t(config.sramBytes) - ringTop
                        : 0;
    SmallVector<Operation *> chosen;
    uint64_t used = 0;
    for (Operation *op : llvm::reverse(anchors)) {
      if (!llvm::isa<graph::QConvOp, graph::QMatMulOp>(op))
        continue;
      auto w = rankedOf(op->getOperand(1));
      uint64_t bytes = uint64_t(w.getNumElements()) +
                       12 * uint64_t(w.getShape()[llvm::isa<graph::QConvOp>(op)
                                                      ? 0
                                                      : w.getRank() - 1]) +
                       64 * kAlign; // per-tile alignment slack
      if (used + bytes > room)
        continue;
      used += bytes;
      chosen.push_back(op);
    }
    std::reverse(chosen.begin(), chosen.end());
    size_t half = anchors.size() / 2;
    for (auto [i, op] : llvm::enumerate(chosen)) {
      size_t at = std::min(half, (i + 1) * half / (chosen.size() + 1));
      size_t j = llvm::find(anchors, op) - anchors.begin();
      if (at >= j)
        continue; // too early in the program to gain anything
      prefetchBefore[op] = anchors[at];
    }
    if (!prefetchBefore.empty()) {
      prefetchTop = ringTop;
      ring.setLimit(ringTop);
    }
  }
  // DRAM for the rest, one block each (no reuse yet: halos rely on device
  // memory being zeroed once, when a session starts).
  for (Value r : roots)
    if (!tensors[r].sram)
      tensors[r].base = allocDram(tensors[r].bytes());
  // Aliases: their own shape over their root's bytes, which must have no
  // halo (reshapes reach the NPU only between row-major tensors).
  for (auto &[v, src] : alias) {
    (void)src;
    const DevTensor &r = tensors[root(v)];
    if (r.pad)
      return emitError(v.getLoc(), "internal: a reshape of a haloed tensor");
    DevTensor d = devShape(rankedOf(v));
    d.base = r.base;
    d.sram = r.sram;
    tensors[v] = d;
  }

  // The segment and its tensors, named in order of appearance.
  auto segment = builder.create<tileir::SegmentOp>(
      loc, i64(0), i64(residentTop), builder.getStrArrayAttr({}), i64(cores));
  builder.setInsertionPointToEnd(&segment.getBody().emplaceBlock());
  SmallVector<Value> order(roots.begin(), roots.end());
  for (auto &[v, src] : alias) {
    (void)src;
    order.push_back(v);
  }
  for (Value v : order) {
    names[v] = "t" + std::to_string(names.size());
    const DevTensor &d = tensors[v];
    builder.create<tileir::TensorOp>(
        loc, builder.getStringAttr(names[v]),
        builder.getStringAttr(d.sram ? "sram" : "dram"), i64(d.base), i64(d.n),
        i64(d.h), i64(d.w), i64(d.c), i64(d.pad),
        builder.getStringAttr(d.elem));
  }
  auto setTag = [&](Operation *anchor) {
    std::string name = fusedGroupName(anchor, fusedOf[anchor]);
    auto it = std::find(tags.begin(), tags.end(), name);
    tag = it - tags.begin();
    if (it == tags.end())
      tags.push_back(name);
  };
  if (needZeros) {
    setTag(anchors.front());
    zeroBlock = 0;
    uint64_t at = addConstant("zeros", std::vector<char>(kZeroBytes, 0));
    load(at, zeroBlock, kZeroBytes);
  }
  planBlock = builder.getInsertionBlock();
  for (Operation *anchor : anchors) {
    setTag(anchor);
    prefetchTag[anchor] = tag;
    // Prefetches that go before this anchor's ops go after this op.
    tileOpOf[anchor] = planBlock->empty() ? nullptr : &planBlock->back();
    loc = anchor->getLoc();
    Value result = groupResult(anchor);
    if (!llvm::isa<graph::ReshapeOp>(anchor) && dev(result).sram &&
        dev(result).pad)
      builder.create<tileir::ZeroOp>(loc, sym(result), i64(zeroBlock),
                                     i64(kZeroBytes), i64(tag));
    LogicalResult planned = success();
    if (auto conv = llvm::dyn_cast<graph::ConvOp>(anchor)) {
      ConvGeom g = *convGeom(conv);
      std::vector<float> w = floatsOf(constantOf(conv.getWeight()));
      std::vector<float> bias;
      if (conv.getBias())
        bias = floatsOf(constantOf(conv.getBias()));
      planned = planConvLike(anchor, conv.getInput(), g, w, true,
                             conv.getBias() ? &bias : nullptr, 1.0f);
    } else if (auto qconv = llvm::dyn_cast<graph::QConvOp>(anchor)) {
      planned = planIntegerConv(qconv);
    } else if (auto qmm = llvm::dyn_cast<graph::QMatMulOp>(anchor)) {
      planned = planIntegerConv(qmm);
    } else if (auto qadd = llvm::dyn_cast<graph::QAddOp>(anchor)) {
      planned = planElementwise(qadd);
    } else if (auto mm = llvm::dyn_cast<graph::MatMulOp>(anchor)) {
      ConvGeom g = matmulGeom(rankedOf(mm.getLhs()), rankedOf(mm.getRhs()));
      std::optional<WeightOnlyStage> wq;
      std::vector<float> w;
      if (graph::BlockDequantizeOp bdq = weightOnlyOf(mm.getRhs())) {
        wq.emplace();
        wq->bits = bdq.getInput().getType().getElementType().getIntOrFloatBitWidth();
        wq->group = bdq.getBlockSize();
        for (const APInt &v : constantOf(bdq.getInput()).getValues<APInt>())
          wq->q.push_back(int8_t(v.getSExtValue()));
        wq->scales = floatsOf(constantOf(bdq.getScales()));
      } else {
        w = floatsOf(constantOf(mm.getRhs()));
      }
      std::vector<float> bias;
      bool hasBias = false;
      for (Operation *f : fusedOf[anchor])
        if (auto add = llvm::dyn_cast<graph::AddOp>(f)) {
          Value c = constantOf(add.getLhs()) ? add.getLhs() : add.getRhs();
          bias = floatsOf(constantOf(c));
          hasBias = true;
        }
      if (wq && !hasBias)
        bias.assign(g.cout, 0.0f); // the scales travel with the bias
      planned = planConvLike(anchor, mm.getLhs(), g, w, false,
                             hasBias || wq ? &bias : nullptr, 1.0f, nullptr,
                             wq ? &*wq : nullptr);
    } else if (auto pool = llvm::dyn_cast<graph::MaxPoolOp>(anchor)) {
      planned = planMaxPool(pool);
    } else if (auto reduce = llvm::dyn_cast<graph::ReduceOp>(anchor)) {
      planned = planGlobalPool(reduce);
    } else if (llvm::isa<graph::SoftmaxOp, graph::LayerNormOp>(anchor)) {
      planned = planRowOp(anchor);
    } else if (llvm::isa<graph::ReshapeOp>(anchor)) {
      // An alias: no data moves.
    } else {
      planned = planElementwise(anchor);
    }
    if (failed(planned))
      return failure();
  }
  SmallVector<StringRef> tagRefs(tags.begin(), tags.end());
  segment.setTagsAttr(builder.getStrArrayAttr(tagRefs));
  segment.setDramBytesAttr(i64(std::max<uint64_t>(dramTop, kAlign)));
  for (Value v : inputs)
    out.inputs.push_back(binding(v));
  for (Value v : outputs)
    out.outputs.push_back(binding(v));
  builder.setInsertionPointAfter(segment);
  return segment;
}

LogicalResult SegmentPlanner::planIntegerConv(Operation *op) {
  // qconv (weights OIHW) or qmatmul (weights K x N, a 1x1 convolution over
  // the rows of its left operand).
  auto conv = llvm::dyn_cast<graph::QConvOp>(op);
  auto mm = llvm::dyn_cast<graph::QMatMulOp>(op);
  ConvGeom g = conv ? *convGeom(conv)
                    : matmulGeom(rankedOf(mm.getLhs()), rankedOf(mm.getRhs()));
  Value weights = op->getOperand(1);
  Value bias = op->getNumOperands() > 2 ? op->getOperand(2) : Value();
  IntegerStage stage;
  DenseElementsAttr w = constantOf(weights);
  stage.weights.resize(w.getNumElements());
  for (auto [i, v] : llvm::enumerate(w.getValues<APInt>()))
    stage.weights[i] = int8_t(v.getSExtValue());
  stage.bias.assign(g.cout, 0);
  if (bias)
    for (auto [i, v] : llvm::enumerate(constantOf(bias).getValues<APInt>()))
      stage.bias[i] = int32_t(v.getSExtValue());
  graph::RequantizeOp rq = fusableRequantize(op);
  quant::UniformQuantizedType out = npuInt8(rq.getOutput());
  SmallVector<double> sums = graph::quantScales(op->getResult(0).getType());
  for (int64_t c = 0; c < g.cout; ++c) {
    double s = sums[sums.size() == 1 ? 0 : c];
    Multiplier m;
    quantizeMultiplier(s / out.getScale(), m); // checked at placement
    stage.mults.push_back(m);
  }
  double lo = rq.getClampMinAttr() ? rq.getClampMinAttr().getValueAsDouble() : 0;
  double hi = rq.getClampMaxAttr() ? rq.getClampMaxAttr().getValueAsDouble() : 0;
  stage.zeroPoint = 0;
  clampBounds(out.getScale(), 0, int32_t(out.getStorageTypeMin()),
              int32_t(out.getStorageTypeMax()),
              rq.getClampMinAttr() ? &lo : nullptr,
              rq.getClampMaxAttr() ? &hi : nullptr, stage.clampLo,
              stage.clampHi);
  return planConvLike(op, op->getOperand(0), g, {}, /*weightsOIHW=*/bool(conv),
                      nullptr, 1.0f, &stage);
}

LogicalResult SegmentPlanner::planConvLike(Operation *anchor, Value input,
                                           const ConvGeom &whole,
                                           const std::vector<float> &weights,
                                           bool weightsOIHW,
                                           const std::vector<float> *bias,
                                           float scale,
                                           const IntegerStage *integer,
                                           const WeightOnlyStage *wq) {
  const DevTensor &x = dev(input);
  Value result = groupResult(anchor);
  const DevTensor &y = dev(result);
  if (x.pad < std::max({whole.padT, whole.padL, whole.padB, whole.padR}))
    return anchor->emitError("internal: the input halo is narrower than the "
                             "padding");
  // Output channels split across cores in slices of whole array columns.
  int64_t slice = alignUp(ceilDiv(whole.cout, cores), config.matrixCols);
  for (int64_t core = 0, offset = 0; offset < whole.cout;
       ++core, offset += slice) {
    ConvGeom g = whole;
    g.cout = std::min(slice, whole.cout - offset);
    SramRing &ringOf = rings[core];
    std::optional<ConvPlan> plan = planConv(g, x.wp(), config,
                                            opBudget(config), !(x.sram && y.sram));
    if (!plan)
      return anchor->emitError("internal: no tiling fits SRAM");
    int64_t nt = plan->nt;
    int64_t nTiles = ceilDiv(g.cout, nt);

    // Pack weights per output-channel tile: [kh][kw][cin][width] bf16, and
    // the bias as f32 (integer: int8 weights; int32 biases, then the
    // channels' requantization pairs).
    int64_t web = integer ? 1 : kBf16; // weight element bytes
    int64_t groups = wq ? ceilDiv(g.cin, wq->group) : 0;
    SmallVector<int64_t> chunk(nTiles), biasAt;
    for (int64_t t = 0; t < nTiles; ++t) {
      int64_t n0 = offset + t * nt, nw = std::min(nt, g.cout - t * nt);
      std::vector<char> bytes(uint64_t(g.kh) * g.kw * g.cin *
                              weightRowBytes(nw, web, wq ? wq->bits : 0));
      auto *dst = reinterpret_cast<uint16_t *>(bytes.data());
      uint64_t i = 0;
      if (wq) {
        // Rows of K: int8, or int4 two per byte, low nibble first.
        uint64_t rowBytes = weightRowBytes(nw, web, wq->bits);
        for (int64_t k = 0; k < g.cin; ++k)
          for (int64_t o = 0; o < nw; ++o) {
            int8_t v = wq->q[uint64_t(k) * whole.cout + n0 + o];
            if (wq->bits == 8)
              bytes[k * rowBytes + o] = char(v);
            else
              bytes[k * rowBytes + o / 2] |= char((v & 0xF) << (4 * (o % 2)));
          }
      }
      for (int64_t ki = 0; ki < g.kh && !wq; ++ki)
        for (int64_t kj = 0; kj < g.kw; ++kj)
          for (int64_t ci = 0; ci < g.cin; ++ci)
            for (int64_t o = 0; o < nw; ++o) {
              uint64_t src = weightsOIHW
                                 ? ((uint64_t(n0 + o) * g.cin + ci) * g.kh + ki) *
                                           g.kw +
                                       kj
                                 : uint64_t(ci) * whole.cout + n0 + o;
              if (integer)
                bytes[i++] = char(integer->weights[src]);
              else
                dst[i++] = floatToBf16(weights[src]);
            }
      std::string name = nodeName(anchor->getLoc());
      int64_t index = n0 / nt;
      chunk[t] = addConstant(name + ".weights" + std::to_string(index),
                             std::move(bytes));
      if (integer) {
        std::vector<char> b(uint64_t(nw) * 12);
        for (int64_t o = 0; o < nw; ++o) {
          int32_t pair[2] = {integer->mults[n0 + o].m,
                             integer->mults[n0 + o].shift};
          std::memcpy(b.data() + 4 * o, &integer->bias[n0 + o], 4);
          std::memcpy(b.data() + 4 * nw + 8 * o, pair, 8);
        }
        biasAt.push_back(addConstant(name + ".bias" + std::to_string(index),
                                     std::move(b)));
      } else if (bias) {
        // Weight-only: the scales of the tile's channels follow the bias.
        std::vector<char> b(uint64_t(nw) * 4 * (1 + groups));
        std::memcpy(b.data(), bias->data() + n0, uint64_t(nw) * 4);
        for (int64_t gi = 0; gi < groups; ++gi)
          std::memcpy(b.data() + 4 * uint64_t(nw) * (1 + gi),
                      wq->scales.data() + uint64_t(gi) * whole.cout + n0,
                      uint64_t(nw) * 4);
        biasAt.push_back(addConstant(name + ".bias" + std::to_string(index),
                                     std::move(b)));
      }
    }

    // Prefetched: each tile's weights and bias constant load, earlier in
    // the program, into SRAM above the ring, and stay there.
    SmallVector<int64_t> preloaded;
    uint64_t need = 0;
    for (int64_t t = 0; t < nTiles; ++t) {
      int64_t nw = std::min(nt, g.cout - t * nt);
      need += alignUp(uint64_t(g.kh) * g.kw * g.cin * nw * web) +
              alignUp(uint64_t(nw) * 12);
    }
    if (integer && prefetchBefore.count(anchor) &&
        prefetchTop + need <= uint64_t(config.sramBytes)) {
      Operation *at = prefetchBefore.lookup(anchor);
      Operation *after = tileOpOf.lookup(at);
      OpBuilder::InsertionGuard guard(builder);
      if (after)
        builder.setInsertionPointAfter(after);
      else
        builder.setInsertionPointToStart(planBlock);
      for (int64_t t = 0; t < nTiles; ++t) {
        int64_t nw = std::min(nt, g.cout - t * nt);
        uint64_t wb = uint64_t(g.kh) * g.kw * g.cin * nw * web,
                 bb = uint64_t(nw) * 12;
        for (auto [from, bytes] : {std::pair<int64_t, uint64_t>{chunk[t], wb},
                                   {biasAt[t], bb}}) {
          uint64_t to = prefetchTop;
          prefetchTop = alignUp(prefetchTop + bytes);
          builder.create<tileir::LoadOp>(loc, i64(from), i64(to), i64(bytes),
                                         i64(prefetchTag.lookup(at)), i64(0));
          preloaded.push_back(int64_t(to));
        }
      }
    }

    // SRAM: weights (two buffers when they change), input tiles unless the
    // input is resident, the accumulator, output tiles unless the output is
    // resident.
    int64_t rowsT = plan->rows, colsT = plan->cols;
    int64_t inRowsMax = g.inRows(rowsT);
    int64_t inColsMax = plan->fullWidth
                            ? x.wp()
                            : g.inCols(colsT);
    uint64_t wBytes =
        alignUp(uint64_t(g.kh) * g.kw * g.cin * weightRowBytes(nt, web, wq ? wq->bits : 0));
    uint64_t bBytes = alignUp(uint64_t(nt) * (integer ? 12 : 4 * (1 + groups)));
    uint64_t inBytes =
        x.sram ? 0 : alignUp(uint64_t(inRowsMax) * inColsMax * g.cin * x.eb);
    uint64_t accBytes = alignUp(uint64_t(rowsT) * colsT * nt * 4);
    uint64_t outBytes =
        y.sram ? 0 : alignUp(uint64_t(rowsT) * colsT * nt * y.eb);
    int wBuffers = nTiles > 1 ? 2 : 1;
    ringOf.beginOp(wBuffers * (wBytes + bBytes) + 2 * inBytes + accBytes +
                   2 * outBytes);
    // w0 w1 b0 b1 in0 in1 acc out0 out1
    SmallVector<int64_t> sram(9, 0);
    for (int i = 0; i < wBuffers; ++i) {
      sram[i] = ringOf.take(wBytes);
      sram[2 + i] = ringOf.take(bBytes);
    }
    for (int i = 0; i < 2 && inBytes; ++i)
      sram[4 + i] = ringOf.take(inBytes);
    sram[6] = ringOf.take(accBytes);
    for (int i = 0; i < 2 && outBytes; ++i)
      sram[7 + i] = ringOf.take(outBytes);

    SmallVector<int64_t> geometry{g.n,  g.cin, g.h,  g.w,  g.cout, g.oh,
                                  g.ow, g.kh,  g.kw, g.sh, g.sw,   g.dh,
                                  g.dw, g.padT, g.padL, g.padB, g.padR};
    builder.create<tileir::ConvOp>(
        loc, sym(input), sym(result), builder.getDenseI64ArrayAttr(geometry),
        i64(nt), i64(rowsT), i64(colsT), builder.getBoolAttr(plan->fullWidth),
        builder.getDenseI64ArrayAttr(chunk),
        builder.getDenseI64ArrayAttr(biasAt),
        builder.getDenseI64ArrayAttr(sram),
        fusedRelu(anchor) ? builder.getUnitAttr() : UnitAttr(),
        builder.getF32FloatAttr(scale), i64(tag), i64(core), i64(offset),
        integer ? builder.getUnitAttr() : UnitAttr(),
        preloaded.empty() ? DenseI64ArrayAttr()
                          : builder.getDenseI64ArrayAttr(preloaded),
        i64(integer ? integer->zeroPoint : 0),
        i64(integer ? integer->clampLo : -128),
        i64(integer ? integer->clampHi : 127), i64(wq ? wq->bits : 0),
        i64(wq ? wq->group : 0));
  }
  return success();
}

LogicalResult SegmentPlanner::planElementwise(Operation *op) {
  std::string kind;
  if (llvm::isa<graph::AddOp>(op))
    kind = "add";
  else if (llvm::isa<graph::SubOp>(op))
    kind = "sub";
  else if (llvm::isa<graph::MulOp>(op))
    kind = "mul";
  else if (llvm::isa<graph::MaxOp>(op))
    kind = "max";
  else if (llvm::isa<graph::MinOp>(op))
    kind = "min";
  else if (llvm::isa<graph::ReluOp>(op))
    kind = "relu";
  else if (llvm::isa<graph::ClipOp>(op))
    kind = "clip";
  else if (llvm::isa<graph::QAddOp>(op))
    kind = "qadd";
  else if (llvm::isa<graph::QuantizeOp>(op))
    kind = "quantize";
  else if (llvm::isa<graph::DequantizeOp>(op))
    kind = "dequantize";
  else
    return op->emitError("internal: no NPU lowering for ") << op->getName();
  DenseI64ArrayAttr params;
  FloatAttr scaleAttr;
  if (kind == "quantize" || kind == "dequantize") {
    quant::UniformQuantizedType q =
        npuInt8(kind == "quantize" ? op->getResult(0) : op->getOperand(0));
    scaleAttr = builder.getF32FloatAttr(float(q.getScale()));
    params = builder.getDenseI64ArrayAttr(
        {0, q.getStorageTypeMin(), q.getStorageTypeMax()});
  }
  if (auto qadd = llvm::dyn_cast<graph::QAddOp>(op)) {
    auto qa = npuInt8(qadd.getLhs()), qb = npuInt8(qadd.getRhs()),
         qy = npuInt8(qadd.getOutput());
    AddRescale r;
    addRescale(qa.getScale(), qb.getScale(), qy.getScale(), r); // placed
    double lo = qadd.getClampMinAttr()
                    ? qadd.getClampMinAttr().getValueAsDouble()
                    : 0.0,
           hi = qadd.getClampMaxAttr()
                    ? qadd.getClampMaxAttr().getValueAsDouble()
                    : 0.0;
    int32_t clampLo, clampHi;
    clampBounds(qy.getScale(), 0, int32_t(qy.getStorageTypeMin()),
                int32_t(qy.getStorageTypeMax()),
                qadd.getClampMinAttr() ? &lo : nullptr,
                qadd.getClampMaxAttr() ? &hi : nullptr, clampLo, clampHi);
    params = builder.getDenseI64ArrayAttr(
        {0, 0, r.lhs, r.rhs, r.out.m, r.out.shift, 0, clampLo, clampHi});
  }
  bool binary = kind != "relu" && kind != "clip" && kind != "quantize" &&
                kind != "dequantize";
  auto clip = llvm::dyn_cast<graph::ClipOp>(op);
  Value result = groupResult(op);
  const DevTensor &y = dev(result);
  const DevTensor &a = dev(op->getOperand(0));
  const DevTensor *bT = binary ? &dev(op->getOperand(1)) : nullptr;
  int64_t c = y.c;
  bool allResident = y.sram && a.sram && (!bT || bT->sram);
  RowTiling tiling{y.h, y.w};
  // Tiles sized for the widest operand (quantize and dequantize change the
  // element size).
  int64_t eb = std::max(y.eb, a.eb);
  if (!allResident)
    tiling = planRows(y.h, y.w, c * eb, opBudget(config) / 6);
  uint64_t tileBytes = alignUp(uint64_t(tiling.rows) * tiling.cols * c * eb);
  int buffers = (a.sram ? 0 : 1) + (bT && !bT->sram ? 1 : 0) + (y.sram ? 0 : 1);
  ring.beginOp(2 * buffers * tileBytes + kAlign);
  // a0 a1 b0 b1 y0 y1
  SmallVector<int64_t> sram(6, 0);
  for (int i = 0; i < 2; ++i) {
    if (!a.sram)
      sram[i] = ring.take(tileBytes);
    if (bT && !bT->sram)
      sram[2 + i] = ring.take(tileBytes);
    if (!y.sram)
      sram[4 + i] = ring.take(tileBytes);
  }
  uint64_t bounds = 0;
  if (clip) {
    uint16_t lohi[2] = {floatToBf16(float(clip.getMin()->convertToDouble())),
                        floatToBf16(float(clip.getMax()->convertToDouble()))};
    std::vector<char> bytes(4);
    std::memcpy(bytes.data(), lohi, 4);
    uint64_t at = addConstant(nodeName(op->getLoc()) + ".bounds", bytes);
    bounds = ring.take(kAlign);
    load(at, bounds, 4);
  }
  builder.create<tileir::EltwiseOp>(
      loc, builder.getStringAttr(kind), sym(op->getOperand(0)),
      binary ? sym(op->getOperand(1)) : FlatSymbolRefAttr(), sym(result),
      i64(tiling.rows), i64(tiling.cols), builder.getDenseI64ArrayAttr(sram),
      i64(bounds), fusedRelu(op) ? builder.getUnitAttr() : UnitAttr(),
      i64(tag), params, scaleAttr);
  return success();
}

LogicalResult SegmentPlanner::planMaxPool(graph::MaxPoolOp pool) {
  const DevTensor &x = dev(pool.getInput());
  const DevTensor &y = dev(pool.getOutput());
  ArrayRef<int64_t> k = pool.getKernelShape(), s = pool.getStrides(),
                    d = pool.getDilations(), p = pool.getPads();
  int64_t kh = k[0], sh = s[0], dh = d[0];
  int64_t c = x.c;
  // Output rows per tile; the input tile holds the rows they read.
  auto inRowsFor = [&](int64_t rows) { return (rows - 1) * sh + (kh - 1) * dh + 1; };
  uint64_t budget = opBudget(config) / 2;
  int64_t rowsT = y.h;
  if (!(x.sram && y.sram)) {
    rowsT = y.h >= 4 ? ceilDiv(y.h, 4) : y.h;
    while (rowsT > 1 && uint64_t(inRowsFor(rowsT)) * x.w * c * x.eb +
                                uint64_t(rowsT) * y.w * c * x.eb >
                            budget)
      --rowsT;
    rowsT = ceilDiv(y.h, ceilDiv(y.h, rowsT));
  }
  uint64_t inBytes =
      x.sram ? 0 : alignUp(uint64_t(inRowsFor(rowsT)) * x.w * c * x.eb);
  uint64_t outBytes = y.sram ? 0 : alignUp(uint64_t(rowsT) * y.w * c * x.eb);
  if (2 * (inBytes + outBytes) > uint64_t(config.sramBytes) / 2)
    return pool.emitError("max pooling rows of this width do not fit SRAM");
  ring.beginOp(2 * (inBytes + outBytes) + kAlign);
  // in0 in1 out0 out1 -inf
  SmallVector<int64_t> sram(5, 0);
  for (int i = 0; i < 2; ++i) {
    if (inBytes)
      sram[i] = ring.take(inBytes);
    if (outBytes)
      sram[2 + i] = ring.take(outBytes);
  }
  sram[4] = ring.take(kAlign);
  // The identity of max: bf16 -inf, or the 8-bit type's least value.
  std::vector<char> bytes(x.eb);
  uint16_t negInf = 0xff80;
  if (x.eb == 1)
    bytes[0] = char(x.type() == ElemType::I8 ? 0x80 : 0x00);
  else
    std::memcpy(bytes.data(), &negInf, 2);
  uint64_t at = addConstant(nodeName(pool.getLoc()) + ".neg_inf", bytes);
  load(at, sram[4], bytes.size());
  SmallVector<int64_t> window{k[0], k[1], s[0], s[1], d[0], d[1], p[0], p[1]};
  builder.create<tileir::MaxPoolOp>(
      loc, sym(pool.getInput()), sym(pool.getOutput()),
      builder.getDenseI64ArrayAttr(window), i64(rowsT),
      builder.getDenseI64ArrayAttr(sram), i64(tag));
  return success();
}

LogicalResult SegmentPlanner::planRowOp(Operation *op) {
  bool norm = llvm::isa<graph::LayerNormOp>(op);
  const DevTensor &x = dev(op->getOperand(0));
  const DevTensor &y = dev(op->getResult(0));
  int64_t c = x.c;
  // Per row: two bf16 input and output tiles, f32 work (and squares), two
  // statistics.
  uint64_t perRow = uint64_t(c) * (2 * kBf16 + 2 * kBf16 + 4 + (norm ? 4 : 0)) + 8;
  int64_t rowsT = std::max<int64_t>(
      1, std::min<int64_t>(x.w, (opBudget(config) / 2) / perRow));
  if (!(x.sram && y.sram) && x.w >= 4)
    rowsT = std::min(rowsT, ceilDiv(x.w, 4));
  rowsT = ceilDiv(x.w, ceilDiv(x.w, rowsT));
  uint64_t tileBf16 = alignUp(uint64_t(rowsT) * c * kBf16);
  uint64_t tileF32 = alignUp(uint64_t(rowsT) * c * 4);
  uint64_t stats = alignUp(uint64_t(rowsT) * 4);
  uint64_t consts = norm ? alignUp(uint64_t(2 * c + 2) * 4) : 0;
  ring.beginOp(4 * tileBf16 + 2 * tileF32 + 2 * stats + consts);
  // in0 in1 out0 out1 work square stats0 stats1 consts
  SmallVector<int64_t> sram(9, 0);
  for (int i = 0; i < 2; ++i) {
    if (!x.sram)
      sram[i] = ring.take(tileBf16);
    if (!y.sram)
      sram[2 + i] = ring.take(tileBf16);
  }
  sram[4] = ring.take(tileF32);
  if (norm)
    sram[5] = ring.take(tileF32);
  sram[6] = ring.take(stats);
  sram[7] = ring.take(stats);
  if (norm) {
    auto layerNorm = llvm::cast<graph::LayerNormOp>(op);
    sram[8] = ring.take(consts);
    std::vector<float> data(2 * c + 2, 0.0f);
    std::vector<float> gamma = floatsOf(constantOf(layerNorm.getScale()));
    std::copy(gamma.begin(), gamma.end(), data.begin());
    if (layerNorm.getBias()) {
      std::vector<float> beta = floatsOf(constantOf(layerNorm.getBias()));
      std::copy(beta.begin(), beta.end(), data.begin() + c);
    }
    data[2 * c] = float(1.0 / double(c));
    data[2 * c + 1] = layerNorm.getEpsilon().convertToFloat();
    std::vector<char> bytes(data.size() * 4);
    std::memcpy(bytes.data(), data.data(), bytes.size());
    uint64_t at = addConstant(nodeName(op->getLoc()) + ".params", bytes);
    load(at, sram[8], bytes.size());
  }
  builder.create<tileir::RowsOp>(
      loc, builder.getStringAttr(norm ? "layer_norm" : "softmax"),
      sym(op->getOperand(0)), sym(op->getResult(0)), i64(rowsT),
      builder.getDenseI64ArrayAttr(sram), i64(tag));
  return success();
}

LogicalResult SegmentPlanner::planGlobalPool(graph::ReduceOp reduce) {
  const DevTensor &x = dev(reduce.getInput());
  const DevTensor &y = dev(reduce.getOutput());
  if (y.pad)
    return reduce.emitError("internal: a padded pooling result");
  int64_t c = x.c;
  float scale = reduce.getKind() == graph::ReduceKind::mean
                    ? float(1.0 / double(x.h * x.w))
                    : 1.0f;
  uint64_t budget = opBudget(config) / 2;
  if (uint64_t(x.w) * c * kBf16 > budget)
    return reduce.emitError("one image row of this pooling does not fit SRAM");
  int64_t rowsT = x.sram ? x.h
                         : std::max<int64_t>(
                               1, std::min<int64_t>(
                                      x.h, budget / (uint64_t(x.w) * c * kBf16)));
  uint64_t inBytes = x.sram ? 0 : alignUp(uint64_t(rowsT) * x.w * c * kBf16);
  uint64_t onesBytes = alignUp(uint64_t(x.w) * kBf16);
  uint64_t outBytes = y.sram ? 0 : alignUp(c * kBf16);
  ring.beginOp(2 * inBytes + onesBytes + alignUp(c * 4) + 2 * outBytes);
  // in0 in1 ones acc out0 out1
  SmallVector<int64_t> sram(6, 0);
  for (int i = 0; i < 2 && inBytes; ++i)
    sram[i] = ring.take(inBytes);
  sram[2] = ring.take(onesBytes);
  sram[3] = ring.take(c * 4);
  for (int i = 0; i < 2 && outBytes; ++i)
    sram[4 + i] = ring.take(outBytes);
  std::vector<char> onesData(uint64_t(x.w) * kBf16);
  for (int64_t i = 0; i < x.w; ++i) {
    uint16_t one = floatToBf16(1.0f);
    std::memcpy(onesData.data() + i * kBf16, &one, kBf16);
  }
  uint64_t onesAt = addConstant(nodeName(reduce.getLoc()) + ".ones", onesData);
  load(onesAt, sram[2], x.w * kBf16);
  builder.create<tileir::GlobalPoolOp>(
      loc, sym(reduce.getInput()), sym(reduce.getOutput()),
      builder.getF32FloatAttr(scale), i64(rowsT),
      builder.getDenseI64ArrayAttr(sram), i64(tag));
  return success();
}

// ---------------------------------------------------------------------------
// tile -> npu: instructions and the semaphores between them
// ---------------------------------------------------------------------------

class SegmentEmitter {
public:
  SegmentEmitter(const NpuConfig &config, Program &program)
      : config(config), program(program) {}

  LogicalResult run(tileir::SegmentOp segment);

private:
  const DevTensor &dev(FlatSymbolRefAttr name) {
    return tensors[name.getValue()];
  }
  static Access rowsOf(const DevTensor &t, int64_t b, int64_t r0, int64_t rows,
                       bool write) {
    uint64_t lo = t.pixel(b, r0, -t.pad);
    return {t.sram ? kSramSpace : kDramSpace, lo,
            lo + uint64_t(rows) * t.rowBytes(), write};
  }
  void emitLoad(tileir::LoadOp op);
  void emitZero(tileir::ZeroOp op);
  void emitConv(tileir::ConvOp op);
  void emitEltwise(tileir::EltwiseOp op);
  void emitMaxPool(tileir::MaxPoolOp op);
  void emitGlobalPool(tileir::GlobalPoolOp op);
  void emitRows(tileir::RowsOp op);

  /// Every core finishes the op before any starts the next: each core's
  /// store engine (the last to touch DRAM) signals every core, and each
  /// core's load engine (the first to read DRAM) waits for all of them.
  void barrier();

  const NpuConfig &config;
  Program &program;
  std::vector<std::unique_ptr<Emitter>> cores;
  Emitter *current = nullptr; // the core of the op being lowered
  uint32_t barriers = 0;
  static constexpr uint32_t kBarrierSemaphore = kEngines;
  llvm::StringMap<DevTensor> tensors;
};

void SegmentEmitter::barrier() {
  uint32_t n = cores.size();
  ++barriers;
  for (uint32_t c = 0; c < n; ++c) {
    cores[c]->finish();
    for (uint32_t to = 0; to < n; ++to) {
      Instruction s;
      s.opcode = Opcode::Signal;
      s.semaphore = kBarrierSemaphore;
      s.core = to;
      cores[c]->push(Engine::Store, s);
    }
    Instruction w;
    w.opcode = Opcode::Wait;
    w.semaphore = kBarrierSemaphore;
    w.value = barriers * n;
    cores[c]->push(Engine::Load, w);
  }
}

LogicalResult SegmentEmitter::run(tileir::SegmentOp segment) {
  program.tags.clear();
  for (Attribute t : segment.getTags())
    program.tags.push_back(llvm::cast<StringAttr>(t).str());
  program.dramBytes = uint64_t(segment.getDramBytes());
  int64_t coreCount = segment.getCores();
  if (coreCount < 1 || coreCount > config.cores)
    return segment.emitOpError("plans for ")
           << coreCount << " cores; the " << config.name << " NPU has "
           << config.cores;
  program.cores = int(coreCount);
  program.queues.assign(coreCount, {});
  for (int64_t c = 0; c < coreCount; ++c)
    cores.push_back(std::make_unique<Emitter>(program, uint32_t(c)));
  int64_t lastTag = -1;
  if (uint64_t(segment.getResidentBytes()) > uint64_t(config.sramBytes))
    return segment.emitOpError("resident tensors take ")
           << segment.getResidentBytes() << " bytes; the " << config.name
           << " NPU has " << config.sramBytes << " bytes of SRAM per core";
  for (Operation &op : segment.getBody().front()) {
    if (auto t = llvm::dyn_cast<tileir::TensorOp>(op)) {
      DevTensor d;
      d.sram = t.getMemory() == "sram";
      d.base = t.getBase();
      d.n = t.getN();
      d.h = t.getH();
      d.w = t.getW();
      d.c = t.getC();
      d.pad = t.getPad();
      d.elem = t.getElem().str();
      d.eb = d.elem == "bf16" ? kBf16 : 1;
      tensors[t.getSymName()] = d;
      continue;
    }
    if (llvm::isa<tileir::ConstantOp>(op)) {
      // Data travels beside the program.
      continue;
    }
    // Work ops: one source node's ops run together; the next node's wait
    // for all cores.
    auto tagAttr = op.getAttrOfType<IntegerAttr>("tag");
    if (!tagAttr)
      return op.emitOpError("has no NPU lowering");
    int64_t tag = tagAttr.getInt();
    auto coreAttr = op.getAttrOfType<IntegerAttr>("core");
    int64_t core = coreAttr ? coreAttr.getInt() : 0;
    if (core >= coreCount)
      return op.emitOpError("runs on core ")
             << core << " of a " << coreCount << "-core segment";
    if (coreCount > 1 && lastTag >= 0 && tag != lastTag)
      barrier();
    lastTag = tag;
    current = cores[core].get();
    if (auto l = llvm::dyn_cast<tileir::LoadOp>(op)) {
      emitLoad(l);
    } else if (auto z = llvm::dyn_cast<tileir::ZeroOp>(op)) {
      emitZero(z);
    } else if (auto c = llvm::dyn_cast<tileir::ConvOp>(op)) {
      emitConv(c);
    } else if (auto e = llvm::dyn_cast<tileir::EltwiseOp>(op)) {
      emitEltwise(e);
    } else if (auto m = llvm::dyn_cast<tileir::MaxPoolOp>(op)) {
      emitMaxPool(m);
    } else if (auto g = llvm::dyn_cast<tileir::GlobalPoolOp>(op)) {
      emitGlobalPool(g);
    } else if (auto r = llvm::dyn_cast<tileir::RowsOp>(op)) {
      emitRows(r);
    } else {
      return op.emitOpError("has no NPU lowering");
    }
  }
  for (auto &c : cores)
    c->finish();
  return success();
}

void SegmentEmitter::emitLoad(tileir::LoadOp op) {
  current->setTag(op.getTag());
  current->access(Engine::Load, {sramRange(op.getSram(), op.getBytes(), true)});
  current->dma(true, dmaFlat(op.getDram(), op.getSram(), op.getBytes()));
  current->endStep(Engine::Load);
}

void SegmentEmitter::emitZero(tileir::ZeroOp op) {
  current->setTag(op.getTag());
  const DevTensor &t = dev(op.getTargetAttr());
  uint64_t zeros = op.getZeros(), zeroBytes = op.getZerosBytes();
  uint64_t bytes = t.bytes();
  current->access(Engine::Vector, {sramRange(zeros, zeroBytes, false),
                               sramRange(t.base, bytes, true)});
  uint64_t rows = bytes / zeroBytes;
  // Copies move bits whatever the type; bf16 moves two bytes an element,
  // bytes stay for tensors of odd size.
  int64_t unit = bytes % kBf16 ? 1 : kBf16;
  VectorDesc v;
  v.op = VecOp::Copy;
  v.type = unit == 1 ? ElemType::U8 : ElemType::BF16;
  v.a = zeros;
  v.aStride = 0;
  if (rows) {
    v.n = zeroBytes / unit;
    v.outer = uint32_t(rows);
    v.y = t.base;
    v.yStride = int64_t(zeroBytes);
    current->vector(v);
  }
  if (uint64_t rest = bytes - rows * zeroBytes) {
    v.n = rest / unit;
    v.outer = 1;
    v.y = t.base + rows * zeroBytes;
    current->vector(v);
  }
  current->endStep(Engine::Vector);
}

void SegmentEmitter::emitConv(tileir::ConvOp op) {
  current->setTag(op.getTag());
  ArrayRef<int64_t> geo = op.getGeometry();
  ConvGeom g;
  g.n = geo[0], g.cin = geo[1], g.h = geo[2], g.w = geo[3], g.cout = geo[4];
  g.oh = geo[5], g.ow = geo[6], g.kh = geo[7], g.kw = geo[8], g.sh = geo[9];
  g.sw = geo[10], g.dh = geo[11], g.dw = geo[12], g.padT = geo[13];
  g.padL = geo[14], g.padB = geo[15], g.padR = geo[16];
  const DevTensor &x = dev(op.getInputAttr());
  const DevTensor &y = dev(op.getOutputAttr());
  int64_t nt = op.getNt(), rowsT = op.getRows(), colsT = op.getCols();
  bool fullWidth = op.getFullWidth();
  ArrayRef<int64_t> chunk = op.getWeights(), biasAt = op.getBias(),
                    sram = op.getSram();
  bool hasBias = !biasAt.empty();
  int64_t nTiles = ceilDiv(g.cout, nt);
  int wBuffers = nTiles > 1 ? 2 : 1;
  uint64_t wBuf[2] = {uint64_t(sram[0]), uint64_t(sram[1])};
  uint64_t bBuf[2] = {uint64_t(sram[2]), uint64_t(sram[3])};
  uint64_t inBuf[2] = {uint64_t(sram[4]), uint64_t(sram[5])};
  uint64_t acc = sram[6];
  uint64_t outBuf[2] = {uint64_t(sram[7]), uint64_t(sram[8])};
  bool relu = op.getRelu();
  float scale = op.getScale().convertToFloat();
  // Integer: 8-bit input and output, int8 weights, int32 biases followed by
  // the requantization pairs in the bias buffer.
  bool integer = op.getInteger();
  int64_t web = integer ? 1 : kBf16, xe = x.eb, ye = y.eb;
  // Weight-only: int8 or int4 weights, the scales after the bias.
  int64_t weightBits = op.getWeightBits(), group = op.getGroupSize();
  int64_t groups = weightBits ? ceilDiv(g.cin, group) : 0;
  uint64_t biasBytesPer = integer ? 12 : 4 * (1 + groups);
  // Split across cores, this op writes channels [offset, offset + cout) of
  // an output with y.c channels.
  int64_t offset = op.getOutChannelOffset();

  uint64_t tile = 0;
  for (int64_t t = 0; t < nTiles; ++t) {
    int64_t n0 = t * nt, nw = std::min(nt, g.cout - n0);
    int wb = t % wBuffers;
    uint64_t wRow = weightRowBytes(nw, web, weightBits);
    uint64_t wSize = uint64_t(g.kh) * g.kw * g.cin * wRow;
    uint64_t bSize = uint64_t(nw) * biasBytesPer;
    if (auto pre = op.getPreloaded()) {
      // Loaded earlier (prefetched): read in place.
      wBuf[wb] = uint64_t((*pre)[2 * t]);
      bBuf[wb] = uint64_t((*pre)[2 * t + 1]);
    } else {
      current->access(Engine::Load, {sramRange(wBuf[wb], wSize, true),
                                 sramRange(bBuf[wb], bSize, true)});
      current->dma(true, dmaFlat(chunk[t], wBuf[wb], wSize));
      if (hasBias)
        current->dma(true, dmaFlat(biasAt[t], bBuf[wb], bSize));
      current->endStep(Engine::Load);
    }
    for (int64_t b = 0; b < g.n; ++b)
      for (int64_t r0 = 0; r0 < g.oh; r0 += rowsT)
        for (int64_t c0 = 0; c0 < g.ow; c0 += colsT, ++tile) {
          int64_t rows = std::min(rowsT, g.oh - r0);
          int64_t cols = std::min(colsT, g.ow - c0);
          int buf = tile % 2;
          // The input window, in logical coordinates (negative: the halo).
          int64_t y0 = r0 * g.sh - g.padT;
          int64_t inRows = g.inRows(rows);
          int64_t x0 = fullWidth ? -x.pad : c0 * g.sw - g.padL;
          int64_t inCols =
              fullWidth ? x.wp() : g.inCols(cols);
          // A resident input is read where it lies; otherwise a tile of it
          // is loaded.
          uint64_t tileAt;
          int64_t rowPitch;
          Access inAccess;
          if (x.sram) {
            tileAt = x.pixel(b, y0, x0);
            rowPitch = x.rowBytes();
            inAccess = rowsOf(x, b, y0, inRows, false);
          } else {
            tileAt = inBuf[buf];
            rowPitch = inCols * g.cin * xe;
            DmaDesc load = dma3(x.pixel(b, y0, x0), inBuf[buf], inRows, inCols,
                                g.cin, x.rowBytes(), g.cin * xe, rowPitch,
                                g.cin * xe, xe);
            current->access(Engine::Load,
                        {sramRange(inBuf[buf], uint64_t(inRows) * rowPitch, true),
                         dramRange(load, false)});
            current->dma(true, load);
            current->endStep(Engine::Load);
            inAccess = sramRange(inBuf[buf], uint64_t(inRows) * rowPitch, false);
          }

          uint64_t m = uint64_t(rows) * cols;
          Access outAccess =
              y.sram ? rowsOf(y, b, r0, rows, true)
                     : sramRange(outBuf[buf], m * nw * ye, true);
          current->access(Engine::Matrix,
                      {inAccess, sramRange(wBuf[wb], wSize, false),
                       sramRange(bBuf[wb], nw * biasBytesPer, false),
                       sramRange(acc, m * nw * 4, true), outAccess});
          int64_t colBase = c0 * g.sw - g.padL - x0;
          for (int64_t gi = 0; gi < g.groups(); ++gi) {
            int64_t ti = g.dw == 1 ? gi : gi / g.kw;
            int64_t tj = g.dw == 1 ? 0 : gi % g.kw;
            MatMulDesc mm;
            mm.mode = weightBits ? (weightBits == 4 ? MatMode::BF16xI4
                                            : MatMode::BF16xI8)
                      : !integer                 ? MatMode::BF16xBF16
                      : x.type() == ElemType::U8 ? MatMode::U8xI8
                                                 : MatMode::I8xI8;
            if (weightBits) {
              mm.scales = bBuf[wb] + uint64_t(nw) * 4;
              mm.group = uint32_t(group);
            }
            mm.m = uint32_t(m);
            mm.n = uint32_t(nw);
            mm.k = uint32_t(g.groupK());
            mm.a = tileAt + uint64_t(ti * g.dh * rowPitch +
                                     (colBase + tj * g.dw) * g.cin * xe);
            mm.aOuter = uint32_t(rows);
            mm.aInner = uint32_t(cols);
            mm.aOuterStride = g.sh * rowPitch;
            mm.aInnerStride = g.sw * g.cin * xe;
            mm.b = wBuf[wb] + uint64_t(ti * g.kw + tj) * g.cin * wRow;
            mm.bRowStride = int64_t(wRow);
            mm.c = acc;
            mm.cRowStride = nw * 4;
            mm.accumulate = gi > 0;
            if (gi + 1 == g.groups()) {
              mm.store = true;
              mm.hasBias = hasBias;
              mm.bias = bBuf[wb];
              if (integer) {
                mm.requant = bBuf[wb] + uint64_t(nw) * 4;
                mm.zeroPoint = int32_t(op.getZeroPoint());
                mm.clampLo = int32_t(op.getClampLo());
                mm.clampHi = int32_t(op.getClampHi());
                mm.outType = y.type();
              } else {
                mm.outType = ElemType::BF16;
                mm.relu = relu;
                mm.scale = scale;
              }
              if (y.sram) {
                mm.out = y.pixel(b, r0, c0) + uint64_t((offset + n0) * ye);
                mm.outRowStride = y.c * ye;
                mm.outOuterStride = y.rowBytes();
              } else {
                mm.out = outBuf[buf];
                mm.outRowStride = nw * ye;
              }
            }
            current->matmul(mm);
          }
          current->endStep(Engine::Matrix);

          if (!y.sram) {
            DmaDesc store = dma3(y.pixel(b, r0, c0) + (offset + n0) * ye,
                                 outBuf[buf], rows, cols, nw, y.rowBytes(),
                                 y.c * ye, cols * nw * ye, nw * ye, ye);
            current->access(Engine::Store,
                        {sramRange(outBuf[buf], m * nw * ye, false),
                         dramRange(store, true)});
            current->dma(false, store);
            current->endStep(Engine::Store);
          }
        }
  }
}

void SegmentEmitter::emitEltwise(tileir::EltwiseOp op) {
  current->setTag(op.getTag());
  StringRef kind = op.getOp();
  VecOp vop = llvm::StringSwitch<VecOp>(kind)
                  .Case("add", VecOp::Add)
                  .Case("sub", VecOp::Sub)
                  .Case("mul", VecOp::Mul)
                  .Case("max", VecOp::Max)
                  .Case("min", VecOp::Min)
                  .Case("relu", VecOp::Relu)
                  .Case("qadd", VecOp::QAdd)
                  .Case("quantize", VecOp::Quantize)
                  .Case("dequantize", VecOp::Dequantize)
                  .Default(VecOp::Max); // clip: max with lo, then min with hi
  bool binary = bool(op.getBAttr());
  bool clip = kind == "clip";
  const DevTensor &y = dev(op.getYAttr());
  const DevTensor &a = dev(op.getAAttr());
  const DevTensor *bT = binary ? &dev(op.getBAttr()) : nullptr;
  int64_t c = y.c;
  int64_t rowsT = op.getRows(), colsT = op.getCols();
  ArrayRef<int64_t> sram = op.getSram();
  uint64_t aBuf[2] = {uint64_t(sram[0]), uint64_t(sram[1])};
  uint64_t bBuf[2] = {uint64_t(sram[2]), uint64_t(sram[3])};
  uint64_t yBuf[2] = {uint64_t(sram[4]), uint64_t(sram[5])};
  uint64_t bounds = op.getBounds();
  bool relu = op.getRelu();
  uint64_t tile = 0;
  for (int64_t b = 0; b < y.n; ++b)
    for (int64_t r0 = 0; r0 < y.h; r0 += rowsT)
      for (int64_t c0 = 0; c0 < y.w; c0 += colsT, ++tile) {
        int64_t rows = std::min(rowsT, y.h - r0);
        int64_t cols = std::min(colsT, y.w - c0);
        // Each operand's element size: quantize and dequantize change it.
        auto bytesOf = [&](const DevTensor &t) {
          return uint64_t(rows) * cols * c * t.eb;
        };
        int buf = tile % 2;
        // Each operand: where its rows start, their pitch, its access.
        struct Where {
          uint64_t at;
          int64_t pitch;
          Access access;
        };
        bool loaded = false;
        auto place = [&](const DevTensor &t, uint64_t tileBuf,
                         bool write) -> Where {
          if (t.sram)
            return {t.pixel(b, r0, c0), t.rowBytes(),
                    rowsOf(t, b, r0, rows, write)};
          return {tileBuf, cols * c * t.eb,
                  sramRange(tileBuf, bytesOf(t), write)};
        };
        auto loadTile = [&](const DevTensor &t, uint64_t tileBuf) {
          if (t.sram)
            return;
          DmaDesc d = dma3(t.pixel(b, r0, c0), tileBuf, rows, cols, c,
                           t.rowBytes(), c * t.eb, cols * c * t.eb, c * t.eb,
                           t.eb);
          current->access(Engine::Load, {sramRange(tileBuf, bytesOf(t), true),
                                         dramRange(d, false)});
          current->dma(true, d);
          loaded = true;
        };
        loadTile(a, aBuf[buf]);
        if (bT)
          loadTile(*bT, bBuf[buf]);
        if (loaded)
          current->endStep(Engine::Load);

        Where wa = place(a, aBuf[buf], false);
        Where wb = bT ? place(*bT, bBuf[buf], false) : Where{0, 0, {}};
        Where wy = place(y, yBuf[buf], true);
        current->access(Engine::Vector,
                    {wa.access, bT ? wb.access : sramRange(0, 0, false),
                     sramRange(bounds, clip ? 4 : 0, false), wy.access});
        VectorDesc v;
        v.type = ElemType::BF16;
        if (vop == VecOp::QAdd) {
          ArrayRef<int64_t> q = *op.getParams();
          v.type = a.type();
          v.bType = bT->type();
          v.outType = y.type();
          v.zeroA = int32_t(q[0]);
          v.zeroB = int32_t(q[1]);
          v.mulA = int32_t(q[2]);
          v.mulB = int32_t(q[3]);
          v.multiplier = int32_t(q[4]);
          v.shift = int32_t(q[5]);
          v.zeroY = int32_t(q[6]);
          v.clampLo = int32_t(q[7]);
          v.clampHi = int32_t(q[8]);
        } else if (vop == VecOp::Quantize || vop == VecOp::Dequantize) {
          ArrayRef<int64_t> q = *op.getParams();
          v.type = a.type();
          v.outType = y.type();
          (vop == VecOp::Quantize ? v.zeroY : v.zeroA) = int32_t(q[0]);
          v.clampLo = int32_t(q[1]);
          v.clampHi = int32_t(q[2]);
          v.scale = op.getScale()->convertToFloat();
        }
        v.n = uint64_t(cols) * c;
        v.outer = uint32_t(rows);
        v.op = vop;
        v.a = wa.at;
        v.aStride = wa.pitch;
        v.y = wy.at;
        v.yStride = wy.pitch;
        if (binary) {
          v.b = wb.at;
          v.bStride = wb.pitch;
        } else if (clip) {
          v.b = bounds;
          v.bStep = 0;
        }
        current->vector(v);
        // Later passes work in place on y.
        VectorDesc inPlace = v;
        inPlace.a = wy.at;
        inPlace.aStride = wy.pitch;
        if (clip) {
          inPlace.op = VecOp::Min;
          inPlace.b = bounds + kBf16;
          current->vector(inPlace);
        }
        if (relu) {
          inPlace.op = VecOp::Relu;
          current->vector(inPlace);
        }
        current->endStep(Engine::Vector);

        if (!y.sram) {
          DmaDesc st = dma3(y.pixel(b, r0, c0), yBuf[buf], rows, cols, c,
                            y.rowBytes(), c * y.eb, cols * c * y.eb, c * y.eb,
                            y.eb);
          current->access(Engine::Store, {sramRange(yBuf[buf], bytesOf(y), false),
                                          dramRange(st, true)});
          current->dma(false, st);
          current->endStep(Engine::Store);
        }
      }
}

void SegmentEmitter::emitMaxPool(tileir::MaxPoolOp op) {
  current->setTag(op.getTag());
  const DevTensor &x = dev(op.getInputAttr());
  const DevTensor &y = dev(op.getOutputAttr());
  int64_t eb = x.eb; // bf16, or 8-bit quantized (max is exact on both)
  ArrayRef<int64_t> win = op.getWindow();
  int64_t kh = win[0], kw = win[1], sh = win[2], sw = win[3], dh = win[4],
          dw = win[5], padT = win[6], padL = win[7];
  int64_t c = x.c;
  int64_t rowsT = op.getRows();
  ArrayRef<int64_t> sram = op.getSram();
  uint64_t inBuf[2] = {uint64_t(sram[0]), uint64_t(sram[1])};
  uint64_t outBuf[2] = {uint64_t(sram[2]), uint64_t(sram[3])};
  uint64_t negInf = sram[4];
  // The output columns a tap column reads inside the image.
  auto colRange = [&](int64_t j, int64_t &lo, int64_t &hi) {
    int64_t off = j * dw - padL;
    lo = off >= 0 ? 0 : ceilDiv(-off, sw);
    hi = std::min<int64_t>(y.w, x.w - off > 0 ? ceilDiv(x.w - off, sw) : 0);
  };
  uint64_t tile = 0;
  for (int64_t b = 0; b < y.n; ++b)
    for (int64_t r0 = 0; r0 < y.h; r0 += rowsT, ++tile) {
      int64_t rows = std::min(rowsT, y.h - r0);
      int buf = tile % 2;
      int64_t yLo = std::max<int64_t>(0, r0 * sh - padT);
      int64_t yHi = std::min<int64_t>(x.h, (r0 + rows - 1) * sh - padT +
                                               (kh - 1) * dh + 1);
      int64_t inRows = std::max<int64_t>(0, yHi - yLo);
      // Input pixel (iy, ix), logical coordinates inside the image.
      auto inAt = [&](int64_t iy, int64_t ix) -> uint64_t {
        if (x.sram)
          return x.pixel(b, iy, ix);
        return inBuf[buf] + uint64_t(((iy - yLo) * x.w + ix) * c * eb);
      };
      Access inAccess = x.sram ? rowsOf(x, b, yLo, inRows, false)
                               : sramRange(inBuf[buf],
                                           uint64_t(inRows) * x.w * c * eb,
                                           false);
      if (!x.sram && inRows > 0) {
        DmaDesc load = dma3(x.pixel(b, yLo, 0), inBuf[buf], inRows, x.w, c,
                            x.rowBytes(), c * eb, x.w * c * eb,
                            c * eb, eb);
        current->access(Engine::Load,
                    {sramRange(inBuf[buf], uint64_t(inRows) * x.w * c * eb,
                               true),
                     dramRange(load, false)});
        current->dma(true, load);
        current->endStep(Engine::Load);
      }
      uint64_t outTile = uint64_t(rows) * y.w * c * eb;
      Access outAccess = y.sram ? rowsOf(y, b, r0, rows, true)
                                : sramRange(outBuf[buf], outTile, true);
      current->access(Engine::Vector,
                  {inAccess, outAccess, sramRange(negInf, eb, false)});
      for (int64_t r = r0; r < r0 + rows; ++r) {
        uint64_t yRow = y.sram ? y.pixel(b, r, 0)
                               : outBuf[buf] + uint64_t((r - r0) * y.w * c * eb);
        // Taps inside the image for this output row.
        SmallVector<int64_t> taps;
        for (int64_t i = 0; i < kh; ++i) {
          int64_t iy = r * sh - padT + i * dh;
          if (iy >= 0 && iy < x.h)
            taps.push_back(i);
        }
        bool initialized = false;
        // Start from a tap that covers every column, or from -inf.
        for (int64_t i : taps)
          for (int64_t j = 0; j < kw && !initialized; ++j) {
            int64_t lo, hi;
            colRange(j, lo, hi);
            if (lo == 0 && hi == y.w) {
              VectorDesc v;
              v.op = VecOp::Copy;
              v.type = x.type();
              v.n = c;
              v.outer = uint32_t(y.w);
              v.a = inAt(r * sh - padT + i * dh, j * dw - padL);
              v.aStride = sw * c * eb;
              v.y = yRow;
              v.yStride = c * eb;
              current->vector(v);
              initialized = true;
            }
          }
        if (!initialized) {
          VectorDesc v;
          v.op = VecOp::Copy;
          v.type = x.type();
          v.n = 1;
          v.outer = uint32_t(y.w * c);
          v.a = negInf;
          v.aStride = 0;
          v.y = yRow;
          v.yStride = eb;
          current->vector(v);
        }
        for (int64_t i : taps)
          for (int64_t j = 0; j < kw; ++j) {
            int64_t lo, hi;
            colRange(j, lo, hi);
            if (hi <= lo)
              continue;
            VectorDesc v;
            v.op = VecOp::Max;
            v.type = x.type();
            v.n = c;
            v.outer = uint32_t(hi - lo);
            v.a = v.y = yRow + uint64_t(lo * c * eb);
            v.aStride = v.yStride = c * eb;
            v.b = inAt(r * sh - padT + i * dh, lo * sw + j * dw - padL);
            v.bStride = sw * c * eb;
            current->vector(v);
          }
      }
      current->endStep(Engine::Vector);
      if (!y.sram) {
        DmaDesc st = dma3(y.pixel(b, r0, 0), outBuf[buf], rows, y.w, c,
                          y.rowBytes(), c * eb, y.w * c * eb, c * eb, eb);
        current->access(Engine::Store, {sramRange(outBuf[buf], outTile, false),
                                    dramRange(st, true)});
        current->dma(false, st);
        current->endStep(Engine::Store);
      }
    }
}

void SegmentEmitter::emitRows(tileir::RowsOp op) {
  current->setTag(op.getTag());
  bool norm = op.getKind() == "layer_norm";
  const DevTensor &x = dev(op.getInputAttr());
  const DevTensor &y = dev(op.getOutputAttr());
  int64_t c = x.c, rowsT = op.getRows();
  ArrayRef<int64_t> sram = op.getSram();
  uint64_t work = sram[4], square = sram[5];
  uint64_t stats[2] = {uint64_t(sram[6]), uint64_t(sram[7])};
  uint64_t consts = sram[8];
  uint64_t gamma = consts, beta = consts + uint64_t(c) * 4,
           invC = consts + uint64_t(2 * c) * 4, eps = invC + 4;
  uint64_t tile = 0;
  // Rows are the pixels of a tensor without halo: rows of c, c apart.
  int64_t pixels = x.n * x.h * x.w;
  for (int64_t r0 = 0; r0 < pixels; r0 += rowsT, ++tile) {
    int64_t rows = std::min(rowsT, pixels - r0);
    int buf = tile % 2;
    uint64_t bytes = uint64_t(rows) * c * kBf16;
    uint64_t inAt = x.sram ? x.base + uint64_t(r0 * c * kBf16) : uint64_t(sram[buf]);
    uint64_t outAt =
        y.sram ? y.base + uint64_t(r0 * c * kBf16) : uint64_t(sram[2 + buf]);
    if (!x.sram) {
      DmaDesc d = dmaFlat(x.base + uint64_t(r0 * c * kBf16), inAt, bytes);
      current->access(Engine::Load,
                      {sramRange(inAt, bytes, true), dramRange(d, false)});
      current->dma(true, d);
      current->endStep(Engine::Load);
    }
    uint64_t f32Bytes = uint64_t(rows) * c * 4;
    current->access(Engine::Vector,
                    {sramRange(inAt, bytes, false),
                     sramRange(work, f32Bytes, true),
                     sramRange(square, norm ? f32Bytes : 0, true),
                     sramRange(stats[0], rows * 4, true),
                     sramRange(stats[1], rows * 4, true),
                     sramRange(consts, norm ? uint64_t(2 * c + 2) * 4 : 0, false),
                     sramRange(outAt, bytes, true)});
    auto vec = [&](VecOp vop, ElemType type, uint64_t a, int64_t aStride,
                   uint64_t y, int64_t yStride, uint64_t n) {
      VectorDesc v;
      v.op = vop;
      v.type = type;
      v.n = n;
      v.outer = uint32_t(rows);
      v.a = a;
      v.aStride = aStride;
      v.y = y;
      v.yStride = yStride;
      return v;
    };
    int64_t rowF32 = c * 4, rowBf16 = c * kBf16;
    // Per-row scalar operand b: one f32 per row, broadcast along it.
    auto perRow = [&](VectorDesc v, uint64_t b) {
      v.b = b;
      v.bStride = 4;
      v.bStep = 0;
      return v;
    };
    current->vector(vec(VecOp::ToF32, ElemType::BF16, inAt, rowBf16, work,
                        rowF32, c));
    if (!norm) {
      current->vector(vec(VecOp::RowMax, ElemType::F32, work, rowF32,
                          stats[0], 4, c));
      current->vector(perRow(
          vec(VecOp::Sub, ElemType::F32, work, rowF32, work, rowF32, c),
          stats[0]));
      current->vector(vec(VecOp::Exp, ElemType::F32, work, rowF32, work,
                          rowF32, c));
      current->vector(vec(VecOp::RowSum, ElemType::F32, work, rowF32,
                          stats[0], 4, c));
      current->vector(vec(VecOp::Recip, ElemType::F32, stats[0], 4, stats[0],
                          4, 1));
      current->vector(perRow(
          vec(VecOp::Mul, ElemType::F32, work, rowF32, work, rowF32, c),
          stats[0]));
    } else {
      // mean = sum / c; centered = x - mean; var = sum(centered^2) / c;
      // y = centered * rsqrt(var + eps) * gamma + beta.
      auto scalar = [&](VectorDesc v, uint64_t b) {
        v.b = b;
        v.bStride = 0;
        v.bStep = 0;
        return v;
      };
      auto rowVector = [&](VectorDesc v, uint64_t b) {
        v.b = b;
        v.bStride = 0;
        v.bStep = 1;
        return v;
      };
      current->vector(vec(VecOp::RowSum, ElemType::F32, work, rowF32,
                          stats[0], 4, c));
      current->vector(scalar(
          vec(VecOp::Mul, ElemType::F32, stats[0], 4, stats[0], 4, 1), invC));
      current->vector(perRow(
          vec(VecOp::Sub, ElemType::F32, work, rowF32, work, rowF32, c),
          stats[0]));
      VectorDesc sq = vec(VecOp::Mul, ElemType::F32, work, rowF32, square,
                          rowF32, c);
      sq.b = work;
      sq.bStride = rowF32;
      current->vector(sq);
      current->vector(vec(VecOp::RowSum, ElemType::F32, square, rowF32,
                          stats[1], 4, c));
      current->vector(scalar(
          vec(VecOp::Mul, ElemType::F32, stats[1], 4, stats[1], 4, 1), invC));
      current->vector(scalar(
          vec(VecOp::Add, ElemType::F32, stats[1], 4, stats[1], 4, 1), eps));
      current->vector(vec(VecOp::Rsqrt, ElemType::F32, stats[1], 4, stats[1],
                          4, 1));
      current->vector(perRow(
          vec(VecOp::Mul, ElemType::F32, work, rowF32, work, rowF32, c),
          stats[1]));
      current->vector(rowVector(
          vec(VecOp::Mul, ElemType::F32, work, rowF32, work, rowF32, c),
          gamma));
      current->vector(rowVector(
          vec(VecOp::Add, ElemType::F32, work, rowF32, work, rowF32, c),
          beta));
    }
    current->vector(vec(VecOp::ToBf16, ElemType::F32, work, rowF32, outAt,
                        rowBf16, c));
    current->endStep(Engine::Vector);
    if (!y.sram) {
      DmaDesc d = dmaFlat(y.base + uint64_t(r0 * c * kBf16), outAt, bytes);
      current->access(Engine::Store,
                      {sramRange(outAt, bytes, false), dramRange(d, true)});
      current->dma(false, d);
      current->endStep(Engine::Store);
    }
  }
}

void SegmentEmitter::emitGlobalPool(tileir::GlobalPoolOp op) {
  current->setTag(op.getTag());
  const DevTensor &x = dev(op.getInputAttr());
  const DevTensor &y = dev(op.getOutputAttr());
  int64_t c = x.c;
  float scale = op.getScale().convertToFloat();
  int64_t rowsT = op.getRows();
  ArrayRef<int64_t> sram = op.getSram();
  uint64_t inBuf[2] = {uint64_t(sram[0]), uint64_t(sram[1])};
  uint64_t ones = sram[2], acc = sram[3];
  uint64_t outBuf[2] = {uint64_t(sram[4]), uint64_t(sram[5])};
  uint64_t tile = 0;
  for (int64_t b = 0; b < x.n; ++b) {
    int buf = b % 2;
    uint64_t outAt = y.sram ? y.base + uint64_t(b * c * kBf16) : outBuf[buf];
    for (int64_t r0 = 0; r0 < x.h; r0 += rowsT, ++tile) {
      int64_t rows = std::min(rowsT, x.h - r0);
      int ib = tile % 2;
      uint64_t bytes = uint64_t(rows) * x.w * c * kBf16;
      Access inAccess = x.sram ? rowsOf(x, b, r0, rows, false)
                               : sramRange(inBuf[ib], bytes, false);
      if (!x.sram) {
        DmaDesc load = dma3(x.pixel(b, r0, 0), inBuf[ib], rows, x.w, c,
                            x.rowBytes(), c * kBf16, x.w * c * kBf16,
                            c * kBf16);
        current->access(Engine::Load,
                    {sramRange(inBuf[ib], bytes, true), dramRange(load, false)});
        current->dma(true, load);
        current->endStep(Engine::Load);
      }
      current->access(Engine::Matrix,
                  {inAccess, sramRange(ones, x.w * kBf16, false),
                   sramRange(acc, c * 4, true), sramRange(outAt, c * kBf16, true)});
      for (int64_t r = 0; r < rows; ++r) {
        MatMulDesc mm;
        mm.mode = MatMode::BF16xBF16;
        mm.m = 1;
        mm.n = uint32_t(c);
        mm.k = uint32_t(x.w);
        mm.a = ones;
        mm.b = x.sram ? x.pixel(b, r0 + r, 0)
                      : inBuf[ib] + uint64_t(r * x.w * c * kBf16);
        mm.bRowStride = c * kBf16;
        mm.c = acc;
        mm.cRowStride = c * 4;
        mm.accumulate = r0 + r > 0;
        if (r0 + r + 1 == x.h) {
          mm.store = true;
          mm.outType = ElemType::BF16;
          mm.out = outAt;
          mm.outRowStride = c * kBf16;
          mm.scale = scale;
        }
        current->matmul(mm);
      }
      current->endStep(Engine::Matrix);
    }
    if (!y.sram) {
      DmaDesc st = dmaFlat(y.base + uint64_t(b * c * kBf16), outBuf[buf],
                           c * kBf16);
      current->access(Engine::Store, {sramRange(outBuf[buf], c * kBf16, false),
                                  dramRange(st, true)});
      current->dma(false, st);
      current->endStep(Engine::Store);
    }
  }
}

} // namespace

FailureOr<tileir::SegmentOp>
planSegment(OpBuilder &builder, ArrayRef<Operation *> ops,
            ArrayRef<Value> inputs, ArrayRef<Value> outputs,
            const PlacementMap &placement, const NpuConfig &config,
            NpuSegment &out, int cores) {
  SegmentPlanner planner(placement, config, out, builder, cores);
  return planner.run(ops, inputs, outputs);
}

LogicalResult emitSegment(tileir::SegmentOp segment, const NpuConfig &config,
                          Program &program) {
  program = Program{};
  SegmentEmitter emitter(config, program);
  return emitter.run(segment);
}

LogicalResult lowerSegment(ArrayRef<Operation *> ops, ArrayRef<Value> inputs,
                           ArrayRef<Value> outputs,
                           const PlacementMap &placement,
                           const NpuConfig &config, NpuSegment &out,
                           Block *tileSegments, int cores) {
  // Two schedules: one core with activations resident in SRAM, or every
  // core splitting the convolutions with activations in DRAM. The cost
  // model (the simulator, timing only) picks the faster, unless the caller
  // chose.
  std::vector<int> choices{1};
  if (config.cores > 1)
    choices.push_back(int(config.cores));
  if (cores > 0) {
    if (cores > config.cores)
      return ops.front()->emitError("--npu-cores=")
             << cores << " exceeds the " << config.cores << " cores of the "
             << config.name << " NPU";
    choices = {cores};
  }
  OpBuilder builder(ops.front()->getContext());
  Block scratch;
  double best = -1;
  Operation *kept = nullptr;
  for (int coreCount : choices) {
    NpuSegment candidate;
    builder.setInsertionPointToEnd(&scratch);
    FailureOr<tileir::SegmentOp> segment = planSegment(
        builder, ops, inputs, outputs, placement, config, candidate, coreCount);
    if (failed(segment))
      return failure();
    if (failed(mlir::verify(*segment)))
      return ops.front()->emitError("internal: the tile plan does not verify");
    if (failed(emitSegment(*segment, config, candidate.program)))
      return failure();
    Simulator estimator(config, SimOptions{false, false});
    std::vector<uint8_t> none;
    SimResult estimate;
    std::string error = estimator.run(candidate.program, none, estimate);
    if (!error.empty())
      return ops.front()->emitError("internal: the NPU program does not "
                                    "simulate: ")
             << error;
    if (best < 0 || estimate.cycles < best) {
      best = estimate.cycles;
      candidate.estimate = std::move(estimate);
      out = std::move(candidate);
      if (tileSegments) {
        if (kept)
          kept->erase();
        kept = *segment;
        kept->moveBefore(tileSegments, tileSegments->end());
        continue;
      }
    }
    segment->erase();
  }
  return success();
}

} // namespace gaon::npu

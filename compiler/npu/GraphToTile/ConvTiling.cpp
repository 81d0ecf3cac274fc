//===- ConvTiling.cpp - matrix engine tiling (graph -> tile) --------------===//
//
// Convolutions and matmuls (1x1 convolutions over rows) on the matrix
// engine: weights packed at compile time per output-channel tile as the
// engine's B operand, [kh][kw][cin][tile]; each op tiled over output rows
// (and columns when one row is too big) with double-buffered input and
// output tiles, so the load engine fetches tile t+1 and the store engine
// drains tile t-1 while tile t computes. With several cores, output
// channels split across them in slices of whole array columns.
//
//===----------------------------------------------------------------------===//

#include "compiler/npu/GraphToTile/SegmentPlanner.h"

#include "targets/common/HalfFloat.h"

#include <cstring>

using namespace mlir;

namespace gaon::npu {

LogicalResult SegmentPlanner::planFloatConv(graph::ConvOp conv) {
  ConvGeom g = *convGeom(conv.getOperation());
  std::vector<float> w = floatsOf(constantOf(conv.getWeight()));
  std::vector<float> bias;
  if (conv.getBias())
    bias = floatsOf(constantOf(conv.getBias()));
  return planConvLike(conv, conv.getInput(), g, w, true,
                      conv.getBias() ? &bias : nullptr, 1.0f);
}

LogicalResult SegmentPlanner::planMatMul(graph::MatMulOp mm) {
  Operation *anchor = mm;
  ConvGeom g = matmulGeom(rankedOf(mm.getLhs()), rankedOf(mm.getRhs()));
  std::optional<WeightOnlyStage> wq;
  std::vector<float> w;
  if (graph::BlockDequantizeOp bdq = weightOnlyOf(mm.getRhs())) {
    wq.emplace();
    wq->bits =
        bdq.getInput().getType().getElementType().getIntOrFloatBitWidth();
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
  return planConvLike(anchor, mm.getLhs(), g, w, false,
                      hasBias || wq ? &bias : nullptr, 1.0f, nullptr,
                      wq ? &*wq : nullptr);
}

LogicalResult SegmentPlanner::planIntegerConv(Operation *op) {
  // qconv (weights OIHW) or qmatmul (weights K x N, a 1x1 convolution over
  // the rows of its left operand).
  auto conv = llvm::dyn_cast<graph::QConvOp>(op);
  auto mm = llvm::dyn_cast<graph::QMatMulOp>(op);
  ConvGeom g = conv ? *convGeom(op)
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
  double lo =
      rq.getClampMinAttr() ? rq.getClampMinAttr().getValueAsDouble() : 0;
  double hi =
      rq.getClampMaxAttr() ? rq.getClampMaxAttr().getValueAsDouble() : 0;
  stage.zeroPoint = 0;
  clampBounds(
      out.getScale(), 0, int32_t(out.getStorageTypeMin()),
      int32_t(out.getStorageTypeMax()), rq.getClampMinAttr() ? &lo : nullptr,
      rq.getClampMaxAttr() ? &hi : nullptr, stage.clampLo, stage.clampHi);
  return planConvLike(op, op->getOperand(0), g, {}, /*weightsOIHW=*/bool(conv),
                      nullptr, 1.0f, &stage);
}

LogicalResult SegmentPlanner::planConvLike(
    Operation *anchor, Value input, const ConvGeom &whole,
    const std::vector<float> &weights, bool weightsOIHW,
    const std::vector<float> *bias, float scale, const IntegerStage *integer,
    const WeightOnlyStage *wq) {
  const DevTensor &x = dev(input);
  Value result = groupResult(anchor);
  const DevTensor &y = dev(result);
  if (x.pad < std::max({whole.padT, whole.padL, whole.padB, whole.padR}))
    return anchor->emitError("internal: the input halo is narrower than the "
                             "padding");
  // Output channels split across cores in slices of whole array columns.
  // With fewer output pixels than array rows (an LLM's decode step: one
  // row per sequence) the op streams weights and barely computes, so
  // narrower slices of 64 columns put every core's DMA to work.
  int64_t pixels = whole.n * whole.oh * whole.ow;
  int64_t granule = pixels < config.matrixRows
                        ? std::min<int64_t>(64, config.matrixCols)
                        : config.matrixCols;
  int64_t slice = alignUp(ceilDiv(whole.cout, cores), granule);
  // An op whose slices leave cores idle (an LLM prefill's key and value
  // projections, four slices each on eight cores) runs beside the one
  // before it when it does not read that op's result: it takes the cores
  // after it, with no barrier between them.
  int64_t slices = ceilDiv(whole.cout, slice), firstCore = 0;
  bool concurrent = false;
  if (cores > 1 && previousConv && previousCoresEnd + slices <= cores) {
    Value before = root(groupResult(previousConv));
    bool reads = root(input) == before;
    for (Operation *f : fusedOf[anchor])
      for (Value v : f->getOperands())
        reads |= root(v) == before;
    if (!reads) {
      firstCore = previousCoresEnd;
      concurrent = true;
    }
  }
  previousCoresEnd = firstCore + slices;
  for (int64_t core = firstCore, offset = 0; offset < whole.cout;
       ++core, offset += slice) {
    ConvGeom g = whole;
    g.cout = std::min(slice, whole.cout - offset);
    SramRing &ringOf = rings[core];
    std::optional<ConvPlan> plan =
        planConv(g, x.wp(), config, opBudget(config), !(x.sram && y.sram));
    if (!plan)
      return anchor->emitError("internal: no tiling fits SRAM");
    int64_t nt = plan->nt;
    // Streamed K chunks hold whole weight-only groups.
    int64_t kc = plan->kc;
    if (kc && wq && kc % wq->group)
      kc = std::max<int64_t>(wq->group, kc / wq->group * wq->group);
    if (kc >= g.cin)
      kc = 0;
    // The input chunked too: one tile of every pixel (ConvToNpu reads the
    // same condition off the op).
    bool chunkInput = kc && plan->chunkInput;
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
              uint64_t src =
                  weightsOIHW
                      ? ((uint64_t(n0 + o) * g.cin + ci) * g.kh + ki) * g.kw +
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
        biasAt.push_back(
            addConstant(name + ".bias" + std::to_string(index), std::move(b)));
      } else if (bias) {
        // Weight-only: the scales of the tile's channels follow the bias.
        std::vector<char> b(uint64_t(nw) * 4 * (1 + groups));
        std::memcpy(b.data(), bias->data() + n0, uint64_t(nw) * 4);
        for (int64_t gi = 0; gi < groups; ++gi)
          std::memcpy(b.data() + 4 * uint64_t(nw) * (1 + gi),
                      wq->scales.data() + uint64_t(gi) * whole.cout + n0,
                      uint64_t(nw) * 4);
        biasAt.push_back(
            addConstant(name + ".bias" + std::to_string(index), std::move(b)));
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
    if (integer && !kc && prefetchBefore.count(anchor) &&
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
        for (auto [from, bytes] :
             {std::pair<int64_t, uint64_t>{chunk[t], wb}, {biasAt[t], bb}}) {
          uint64_t to = prefetchTop;
          prefetchTop = alignUp(prefetchTop + bytes);
          builder.create<tile::LoadOp>(loc, i64(from), i64(to), i64(bytes),
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
    int64_t inColsMax = plan->fullWidth ? x.wp() : g.inCols(colsT);
    uint64_t wBytes = alignUp(uint64_t(g.kh) * g.kw * (kc ? kc : g.cin) *
                              weightRowBytes(nt, web, wq ? wq->bits : 0));
    uint64_t bBytes = alignUp(uint64_t(nt) * (integer ? 12 : 4 * (1 + groups)));
    uint64_t inBytes = x.sram ? 0
                              : alignUp(uint64_t(inRowsMax) * inColsMax *
                                        (chunkInput ? kc : g.cin) * x.eb);
    uint64_t accBytes = alignUp(uint64_t(rowsT) * colsT * nt * 4);
    uint64_t outBytes =
        y.sram ? 0 : alignUp(uint64_t(rowsT) * colsT * nt * y.eb);
    int wBuffers = nTiles > 1 || kc ? 2 : 1;
    int inBuffers = plan->inputOnce ? 1 : 2;
    ringOf.beginOp(wBuffers * (wBytes + bBytes) + inBuffers * inBytes +
                   accBytes + 2 * outBytes);
    // w0 w1 b0 b1 in0 in1 acc out0 out1
    SmallVector<int64_t> sram(9, 0);
    for (int i = 0; i < wBuffers; ++i) {
      sram[i] = ringOf.take(wBytes);
      sram[2 + i] = ringOf.take(bBytes);
    }
    // One input buffer (both slots name it) when the input loads once.
    for (int i = 0; i < inBuffers && inBytes; ++i)
      sram[4 + i] = ringOf.take(inBytes);
    if (inBuffers == 1)
      sram[5] = sram[4];
    sram[6] = ringOf.take(accBytes);
    for (int i = 0; i < 2 && outBytes; ++i)
      sram[7 + i] = ringOf.take(outBytes);

    auto geometry = tile::ConvGeometryAttr::get(
        builder.getContext(), g.n, g.cin, g.h, g.w, g.cout, g.oh, g.ow, g.kh,
        g.kw, g.sh, g.sw, g.dh, g.dw, g.padT, g.padL, g.padB, g.padR);
    builder.create<tile::ConvOp>(
        loc, sym(input), sym(result), geometry, i64(nt), i64(rowsT), i64(colsT),
        builder.getBoolAttr(plan->fullWidth),
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
        i64(wq ? wq->group : 0), i64(kc),
        chunkInput && !x.sram ? builder.getUnitAttr() : UnitAttr(),
        concurrent ? builder.getUnitAttr() : UnitAttr());
  }
  return success();
}

} // namespace gaon::npu

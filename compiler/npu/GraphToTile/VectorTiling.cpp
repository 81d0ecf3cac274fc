//===- VectorTiling.cpp - vector engine tiling (graph -> tile) ------------===//
//
// Elementwise ops (float, quantized add, quantize and dequantize) tiled by
// image rows, max pooling by output rows, softmax and layer norm by rows
// of their last axis, and global pooling as a ones-vector matmul. Operands
// resident in SRAM are read in place; the others stream through
// double-buffered tiles.
//
//===----------------------------------------------------------------------===//

#include "compiler/npu/GraphToTile/SegmentPlanner.h"

#include "targets/common/HalfFloat.h"

#include <cstring>

using namespace mlir;

namespace gaon::npu {

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
  else if (llvm::isa<graph::SigmoidOp>(op))
    kind = "sigmoid";
  else if (llvm::isa<graph::SiluOp>(op))
    kind = "silu";
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
  // Sigmoid and SiLU compute in f32: two f32 work tiles, and the constants
  // -1 and 1 where clip keeps its bounds.
  bool transcendental = kind == "sigmoid" || kind == "silu";
  bool binary = kind != "relu" && kind != "clip" && kind != "quantize" &&
                kind != "dequantize" && !transcendental;
  auto clip = llvm::dyn_cast<graph::ClipOp>(op);
  Value result = groupResult(op);
  const DevTensor &y = dev(result);
  const DevTensor &a = dev(op->getOperand(0));
  const DevTensor *bT = binary ? &dev(op->getOperand(1)) : nullptr;
  int64_t c = y.c;
  bool allResident = y.sram && a.sram && (!bT || bT->sram);
  // Tiles sized for the widest operand (quantize and dequantize change the
  // element size).
  int64_t eb = std::max(y.eb, a.eb);
  // With several cores every tensor is in DRAM: the columns split across
  // them, each core streaming its share (a prefill's SwiGLU is 7M
  // elements; one core's vector engine took a fifth of the layer).
  int64_t parts = cores > 1 && !allResident ? std::min<int64_t>(cores, y.w) : 1;
  int64_t span = ceilDiv(y.w, parts);
  // Clip's bounds (two bf16) or sigmoid's constants -1 and 1 (two f32):
  // stored once, loaded by each core.
  uint64_t constAt = 0, constBytes = clip ? 4 : transcendental ? 8 : 0;
  if (clip) {
    uint16_t lohi[2] = {floatToBf16(float(clip.getMin()->convertToDouble())),
                        floatToBf16(float(clip.getMax()->convertToDouble()))};
    std::vector<char> bytes(4);
    std::memcpy(bytes.data(), lohi, 4);
    constAt = addConstant(nodeName(op->getLoc()) + ".bounds", bytes);
  } else if (transcendental) {
    float consts[2] = {-1.0f, 1.0f};
    std::vector<char> bytes(8);
    std::memcpy(bytes.data(), consts, 8);
    constAt = addConstant(nodeName(op->getLoc()) + ".consts", bytes);
  }
  for (int64_t core = 0, w0 = 0; w0 < y.w; ++core, w0 += span) {
    int64_t w1 = std::min(y.w, w0 + span);
    SramRing &ringOf = rings[core];
    RowTiling tiling{y.h, w1 - w0};
    if (!allResident || transcendental)
      tiling = planRows(y.h, w1 - w0, c * (transcendental ? 4 : eb),
                        opBudget(config) / (transcendental ? 8 : 6));
    uint64_t tileBytes = alignUp(uint64_t(tiling.rows) * tiling.cols * c * eb);
    uint64_t workBytes =
        transcendental ? alignUp(uint64_t(tiling.rows) * tiling.cols * c * 4)
                       : 0;
    int buffers =
        (a.sram ? 0 : 1) + (bT && !bT->sram ? 1 : 0) + (y.sram ? 0 : 1);
    ringOf.beginOp(2 * buffers * tileBytes + 2 * workBytes + kAlign);
    // a0 a1 b0 b1 y0 y1 (work0 work1)
    SmallVector<int64_t> sram(transcendental ? 8 : 6, 0);
    if (transcendental) {
      sram[6] = ringOf.take(workBytes);
      sram[7] = ringOf.take(workBytes);
    }
    for (int i = 0; i < 2; ++i) {
      if (!a.sram)
        sram[i] = ringOf.take(tileBytes);
      if (bT && !bT->sram)
        sram[2 + i] = ringOf.take(tileBytes);
      if (!y.sram)
        sram[4 + i] = ringOf.take(tileBytes);
    }
    uint64_t bounds = 0;
    if (constBytes) {
      bounds = ringOf.take(kAlign);
      load(constAt, bounds, constBytes, int(core));
    }
    builder.create<tile::EltwiseOp>(
        loc, builder.getStringAttr(kind), sym(op->getOperand(0)),
        binary ? sym(op->getOperand(1)) : FlatSymbolRefAttr(), sym(result),
        i64(tiling.rows), i64(tiling.cols), builder.getDenseI64ArrayAttr(sram),
        i64(bounds), fusedRelu(op) ? builder.getUnitAttr() : UnitAttr(),
        i64(tag), params, scaleAttr, i64(core),
        parts > 1 ? builder.getDenseI64ArrayAttr({w0, w1})
                  : DenseI64ArrayAttr());
  }
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
  auto inRowsFor = [&](int64_t rows) {
    return (rows - 1) * sh + (kh - 1) * dh + 1;
  };
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
  auto window = tile::PoolWindowAttr::get(builder.getContext(), k[0], k[1],
                                          s[0], s[1], d[0], d[1], p[0], p[1]);
  builder.create<tile::MaxPoolOp>(loc, sym(pool.getInput()),
                                  sym(pool.getOutput()), window, i64(rowsT),
                                  builder.getDenseI64ArrayAttr(sram), i64(tag));
  return success();
}

LogicalResult SegmentPlanner::planRowOp(Operation *op) {
  bool norm = llvm::isa<graph::LayerNormOp, graph::RmsNormOp>(op);
  const DevTensor &x = dev(op->getOperand(0));
  const DevTensor &y = dev(op->getResult(0));
  int64_t c = x.c;
  // Per row: two bf16 input and output tiles, f32 work (and squares), two
  // statistics.
  uint64_t perRow =
      uint64_t(c) * (2 * kBf16 + 2 * kBf16 + 4 + (norm ? 4 : 0)) + 8;
  std::string kind = llvm::isa<graph::RmsNormOp>(op) ? "rms_norm"
                     : norm                          ? "layer_norm"
                                                     : "softmax";
  // gamma, beta (zero for rms_norm), 1/c, epsilon: stored once, loaded by
  // each core.
  uint64_t constAt = 0, constBytes = 0;
  if (norm) {
    auto layerNorm = llvm::dyn_cast<graph::LayerNormOp>(op);
    auto rmsNorm = llvm::dyn_cast<graph::RmsNormOp>(op);
    std::vector<float> data(2 * c + 2, 0.0f);
    std::vector<float> gamma = floatsOf(
        constantOf(layerNorm ? layerNorm.getScale() : rmsNorm.getScale()));
    std::copy(gamma.begin(), gamma.end(), data.begin());
    if (layerNorm && layerNorm.getBias()) {
      std::vector<float> beta = floatsOf(constantOf(layerNorm.getBias()));
      std::copy(beta.begin(), beta.end(), data.begin() + c);
    }
    data[2 * c] = float(1.0 / double(c));
    data[2 * c + 1] =
        (layerNorm ? layerNorm.getEpsilon() : rmsNorm.getEpsilon())
            .convertToFloat();
    std::vector<char> bytes(data.size() * 4);
    std::memcpy(bytes.data(), data.data(), bytes.size());
    constBytes = bytes.size();
    constAt = addConstant(nodeName(op->getLoc()) + ".params", bytes);
  }
  // With several cores every tensor is in DRAM: the rows split across them.
  int64_t pixels = x.n * x.h * x.w;
  bool resident = x.sram && y.sram;
  int64_t parts = cores > 1 && !resident ? std::min<int64_t>(cores, pixels) : 1;
  int64_t share = ceilDiv(pixels, parts);
  for (int64_t core = 0, p0 = 0; p0 < pixels; ++core, p0 += share) {
    int64_t p1 = std::min(pixels, p0 + share), count = p1 - p0;
    SramRing &ringOf = rings[core];
    int64_t limit = parts > 1 ? count : x.w;
    int64_t rowsT = std::max<int64_t>(
        1, std::min<int64_t>(limit, (opBudget(config) / 2) / perRow));
    if (!resident && limit >= 4)
      rowsT = std::min(rowsT, ceilDiv(limit, 4));
    rowsT = ceilDiv(limit, ceilDiv(limit, rowsT));
    uint64_t tileBf16 = alignUp(uint64_t(rowsT) * c * kBf16);
    uint64_t tileF32 = alignUp(uint64_t(rowsT) * c * 4);
    uint64_t stats = alignUp(uint64_t(rowsT) * 4);
    uint64_t consts = norm ? alignUp(uint64_t(2 * c + 2) * 4) : 0;
    ringOf.beginOp(4 * tileBf16 + 2 * tileF32 + 2 * stats + consts);
    // in0 in1 out0 out1 work square stats0 stats1 consts
    SmallVector<int64_t> sram(9, 0);
    for (int i = 0; i < 2; ++i) {
      if (!x.sram)
        sram[i] = ringOf.take(tileBf16);
      if (!y.sram)
        sram[2 + i] = ringOf.take(tileBf16);
    }
    sram[4] = ringOf.take(tileF32);
    if (norm)
      sram[5] = ringOf.take(tileF32);
    sram[6] = ringOf.take(stats);
    sram[7] = ringOf.take(stats);
    if (norm) {
      sram[8] = ringOf.take(consts);
      load(constAt, sram[8], constBytes, int(core));
    }
    builder.create<tile::RowsOp>(
        loc, builder.getStringAttr(kind), sym(op->getOperand(0)),
        sym(op->getResult(0)), i64(rowsT), builder.getDenseI64ArrayAttr(sram),
        i64(tag), i64(core),
        parts > 1 ? builder.getDenseI64ArrayAttr({p0, p1})
                  : DenseI64ArrayAttr());
  }
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
  int64_t rowsT =
      x.sram ? x.h
             : std::max<int64_t>(
                   1, std::min<int64_t>(x.h,
                                        budget / (uint64_t(x.w) * c * kBf16)));
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
  builder.create<tile::GlobalPoolOp>(
      loc, sym(reduce.getInput()), sym(reduce.getOutput()),
      builder.getF32FloatAttr(scale), i64(rowsT),
      builder.getDenseI64ArrayAttr(sram), i64(tag));
  return success();
}

} // namespace gaon::npu

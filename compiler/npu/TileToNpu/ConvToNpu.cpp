//===- ConvToNpu.cpp - matrix engine ops (tile -> npu) --------------------===//
//
// tile.conv: per weight tile, per output tile, one matmul per tap group
// (a kernel row when horizontal dilation is 1) accumulating into the f32 or
// i32 accumulator, the last with the output stage; input tiles load and
// output tiles store around it. tile.global_pool: ones[1 x w] times each
// image row, accumulated.
//
//===----------------------------------------------------------------------===//

#include "compiler/npu/Geometry.h"
#include "compiler/npu/TileToNpu/SegmentLowering.h"

using namespace mlir;

namespace gaon::npu {

void SegmentLowering::lowerConv(tile::ConvOp op) {
  tile::ConvGeometryAttr geo = op.getGeometry();
  ConvGeom g;
  g.n = geo.getN(), g.cin = geo.getCin(), g.h = geo.getH(), g.w = geo.getW();
  g.cout = geo.getCout(), g.oh = geo.getOh(), g.ow = geo.getOw();
  g.kh = geo.getKh(), g.kw = geo.getKw(), g.sh = geo.getSh(),
  g.sw = geo.getSw();
  g.dh = geo.getDh(), g.dw = geo.getDw(), g.padT = geo.getPadTop();
  g.padL = geo.getPadLeft(), g.padB = geo.getPadBottom();
  g.padR = geo.getPadRight();
  const DevTensor &x = dev(op.getInputAttr());
  const DevTensor &y = dev(op.getOutputAttr());
  int64_t nt = op.getNt(), rowsT = op.getRows(), colsT = op.getCols();
  bool fullWidth = op.getFullWidth();
  ArrayRef<int64_t> chunk = op.getWeights(), biasAt = op.getBias(),
                    sram = op.getSram();
  bool hasBias = !biasAt.empty();
  int64_t nTiles = ceilDiv(g.cout, nt);
  // Streamed: each tile's weights arrive in chunks of kc rows of K, two
  // buffers in turn, while the products accumulate.
  int64_t kc = op.getKChunk();
  // ... and with chunk_input the input too, kc channels of every pixel.
  bool chunkInput = op.getChunkInput();
  int wBuffers = nTiles > 1 || kc ? 2 : 1;
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

  // One input buffer for a single tile per weight tile: the input loads
  // once, for the first weight tile, and stays (GraphToTile's inputOnce).
  bool inputOnce = !x.sram && inBuf[0] == inBuf[1] && g.n == 1 &&
                   rowsT >= g.oh && colsT >= g.ow;
  uint64_t tile = 0, chunkCount = 0;
  for (int64_t t = 0; t < nTiles; ++t) {
    int64_t n0 = t * nt, nw = std::min(nt, g.cout - n0);
    int wb = t % wBuffers;
    uint64_t wRow = weightRowBytes(nw, web, weightBits);
    uint64_t wSize = uint64_t(g.kh) * g.kw * g.cin * wRow;
    uint64_t bSize = uint64_t(nw) * biasBytesPer;
    if (kc) {
      // The bias (and weight-only scales) once per tile; weights per chunk.
      wb = 0;
      if (hasBias) {
        current->access(Engine::Load, {sramRange(bBuf[t % 2], bSize, true)});
        current->dma(true, dmaFlat(biasAt[t], bBuf[t % 2], bSize));
        current->endStep(Engine::Load);
      }
    } else if (auto pre = op.getPreloaded()) {
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
          int64_t inCols = fullWidth ? x.wp() : g.inCols(cols);
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
            if (!chunkInput && (!inputOnce || t == 0)) {
              DmaDesc load =
                  dma3(x.pixel(b, y0, x0), inBuf[buf], inRows, inCols, g.cin,
                       x.rowBytes(), g.cin * xe, rowPitch, g.cin * xe, xe);
              current->access(
                  Engine::Load,
                  {sramRange(inBuf[buf], uint64_t(inRows) * rowPitch, true),
                   dramRange(load, false)});
              current->dma(true, load);
              current->endStep(Engine::Load);
            }
            inAccess =
                sramRange(inBuf[buf], uint64_t(inRows) * rowPitch, false);
          }

          uint64_t m = uint64_t(rows) * cols;
          Access outAccess = y.sram ? rowsOf(y, b, r0, rows, true)
                                    : sramRange(outBuf[buf], m * nw * ye, true);
          int64_t colBase = c0 * g.sw - g.padL - x0;
          uint64_t biasSram = kc ? bBuf[t % 2] : bBuf[wb];
          // Parts of K: all of it (with its tap groups), or streamed chunks.
          int64_t parts = kc ? ceilDiv(g.cin, kc) : 1;
          for (int64_t part = 0; part < parts; ++part) {
            int64_t k0 = part * kc, kRows = kc ? std::min(kc, g.cin - k0) : 0;
            uint64_t wAt = wBuf[wb], wBytes = wSize;
            // A's address, row pitch and channels per pixel.
            uint64_t aAt = tileAt + uint64_t(k0 * xe);
            int64_t aPitch = rowPitch, aChannels = g.cin;
            Access aAccess = inAccess;
            if (kc) {
              int c = int(chunkCount++ % 2);
              wAt = wBuf[c];
              wBytes = uint64_t(kRows) * wRow;
              DmaDesc in;
              if (chunkInput) {
                aAt = inBuf[c];
                aChannels = kRows;
                aPitch = inCols * kRows * xe;
                in = dma3(x.pixel(b, y0, x0) + uint64_t(k0 * xe), aAt, inRows,
                          inCols, kRows, x.rowBytes(), g.cin * xe, aPitch,
                          kRows * xe, xe);
                aAccess = sramRange(aAt, uint64_t(inRows) * aPitch, false);
              }
              if (chunkInput)
                current->access(
                    Engine::Load,
                    {sramRange(wAt, wBytes, true),
                     sramRange(aAt, uint64_t(inRows) * aPitch, true),
                     dramRange(in, false)});
              else
                current->access(Engine::Load, {sramRange(wAt, wBytes, true)});
              if (chunkInput)
                current->dma(true, in);
              current->dma(true,
                           dmaFlat(chunk[t] + int64_t(k0 * wRow), wAt, wBytes));
              current->endStep(Engine::Load);
            }
            bool last = part + 1 == parts;
            current->access(Engine::Matrix,
                            {aAccess, sramRange(wAt, wBytes, false),
                             sramRange(biasSram, nw * biasBytesPer, false),
                             sramRange(acc, m * nw * 4, true), outAccess});
            for (int64_t gi = 0; gi < g.groups(); ++gi) {
              int64_t ti = g.dw == 1 ? gi : gi / g.kw;
              int64_t tj = g.dw == 1 ? 0 : gi % g.kw;
              MatMulDesc mm;
              mm.mode = weightBits ? (weightBits == 4 ? MatMode::BF16xI4
                                                      : MatMode::BF16xI8)
                        : !integer ? MatMode::BF16xBF16
                        : x.type() == ElemType::U8 ? MatMode::U8xI8
                                                   : MatMode::I8xI8;
              if (weightBits) {
                // A chunk's scales start at its first group of K.
                mm.scales = biasSram + uint64_t(nw) * 4 * (1 + k0 / group);
                mm.group = uint32_t(group);
              }
              mm.m = uint32_t(m);
              mm.n = uint32_t(nw);
              mm.k = uint32_t(kc ? kRows : g.groupK());
              mm.a = aAt + uint64_t(ti * g.dh * aPitch +
                                    (colBase + tj * g.dw) * aChannels * xe);
              mm.aOuter = uint32_t(rows);
              mm.aInner = uint32_t(cols);
              mm.aOuterStride = g.sh * aPitch;
              mm.aInnerStride = g.sw * aChannels * xe;
              mm.b = wAt + uint64_t(ti * g.kw + tj) * g.cin * wRow;
              mm.bRowStride = int64_t(wRow);
              mm.c = acc;
              mm.cRowStride = nw * 4;
              mm.accumulate = gi > 0 || part > 0;
              if (gi + 1 == g.groups() && last) {
                mm.store = true;
                mm.hasBias = hasBias;
                mm.bias = biasSram;
                if (integer) {
                  mm.requant = biasSram + uint64_t(nw) * 4;
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
          } // each part of K

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

void SegmentLowering::lowerGlobalPool(tile::GlobalPoolOp op) {
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
        DmaDesc load =
            dma3(x.pixel(b, r0, 0), inBuf[ib], rows, x.w, c, x.rowBytes(),
                 c * kBf16, x.w * c * kBf16, c * kBf16);
        current->access(Engine::Load, {sramRange(inBuf[ib], bytes, true),
                                       dramRange(load, false)});
        current->dma(true, load);
        current->endStep(Engine::Load);
      }
      current->access(Engine::Matrix,
                      {inAccess, sramRange(ones, x.w * kBf16, false),
                       sramRange(acc, c * 4, true),
                       sramRange(outAt, c * kBf16, true)});
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
      DmaDesc st =
          dmaFlat(y.base + uint64_t(b * c * kBf16), outBuf[buf], c * kBf16);
      current->access(Engine::Store, {sramRange(outBuf[buf], c * kBf16, false),
                                      dramRange(st, true)});
      current->dma(false, st);
      current->endStep(Engine::Store);
    }
  }
}

} // namespace gaon::npu

//===- VectorToNpu.cpp - vector engine ops (tile -> npu) ------------------===//
//
// tile.eltwise by row tiles (clip as max then min, a fused ReLU as a second
// pass in place), tile.max_pool as copies and maxes of shifted rows (taps
// outside the image skipped, -inf where no tap covers a column), tile.rows
// as softmax or layer norm in f32 with per-row statistics.
//
//===----------------------------------------------------------------------===//

#include "compiler/npu/TileToNpu/SegmentLowering.h"

#include "llvm/ADT/StringSwitch.h"

using namespace mlir;

namespace gaon::npu {

void SegmentLowering::lowerEltwise(tile::EltwiseOp op) {
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
  // Split across cores, this op covers columns [w0, w1).
  int64_t w0 = 0, w1 = y.w;
  if (auto span = op.getSpan()) {
    w0 = (*span)[0];
    w1 = (*span)[1];
  }
  uint64_t tile = 0;
  for (int64_t b = 0; b < y.n; ++b)
    for (int64_t r0 = 0; r0 < y.h; r0 += rowsT)
      for (int64_t c0 = w0; c0 < w1; c0 += colsT, ++tile) {
        int64_t rows = std::min(rowsT, y.h - r0);
        int64_t cols = std::min(colsT, w1 - c0);
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
        // The output tile to DRAM, unless the output is resident.
        auto storeTile = [&] {
          if (y.sram)
            return;
          DmaDesc st =
              dma3(y.pixel(b, r0, c0), yBuf[buf], rows, cols, c, y.rowBytes(),
                   c * y.eb, cols * c * y.eb, c * y.eb, y.eb);
          current->access(
              Engine::Store,
              {sramRange(yBuf[buf], bytesOf(y), false), dramRange(st, true)});
          current->dma(false, st);
          current->endStep(Engine::Store);
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
          DmaDesc d =
              dma3(t.pixel(b, r0, c0), tileBuf, rows, cols, c, t.rowBytes(),
                   c * t.eb, cols * c * t.eb, c * t.eb, t.eb);
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
        if (kind == "sigmoid" || kind == "silu") {
          lowerSigmoidTile(kind == "silu", wa.at, wa.pitch, wa.access, wy.at,
                           wy.pitch, wy.access, rows, uint64_t(cols) * c,
                           uint64_t(sram[6]), uint64_t(sram[7]), bounds);
          current->endStep(Engine::Vector);
          storeTile();
          continue;
        }
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

        storeTile();
      }
}

/// y = sigmoid(x) = 1 / (1 + exp(-x)), or x * sigmoid(x), in f32: bf16 to
/// f32 into work0, times -1 into work1, exp, plus 1, reciprocal, (times
/// x), back to bf16. `consts` holds -1 and 1 as f32.
void SegmentLowering::lowerSigmoidTile(bool silu, uint64_t a, int64_t aPitch,
                                       Access aAccess, uint64_t y,
                                       int64_t yPitch, Access yAccess,
                                       int64_t rows, uint64_t n, uint64_t work0,
                                       uint64_t work1, uint64_t consts) {
  uint64_t rowF32 = n * 4;
  current->access(Engine::Vector,
                  {aAccess, yAccess, sramRange(work0, rows * rowF32, true),
                   sramRange(work1, rows * rowF32, true),
                   sramRange(consts, 8, false)});
  auto vec = [&](VecOp op, ElemType type, uint64_t from, int64_t fromPitch,
                 uint64_t to, int64_t toPitch) {
    VectorDesc v;
    v.op = op;
    v.type = type;
    v.n = n;
    v.outer = uint32_t(rows);
    v.a = from;
    v.aStride = fromPitch;
    v.y = to;
    v.yStride = toPitch;
    return v;
  };
  auto withScalar = [](VectorDesc v, uint64_t at) {
    v.b = at;
    v.bStride = 0;
    v.bStep = 0;
    return v;
  };
  current->vector(vec(VecOp::ToF32, ElemType::BF16, a, aPitch, work0, rowF32));
  current->vector(withScalar(
      vec(VecOp::Mul, ElemType::F32, work0, rowF32, work1, rowF32), consts));
  current->vector(vec(VecOp::Exp, ElemType::F32, work1, rowF32, work1, rowF32));
  current->vector(
      withScalar(vec(VecOp::Add, ElemType::F32, work1, rowF32, work1, rowF32),
                 consts + 4));
  current->vector(
      vec(VecOp::Recip, ElemType::F32, work1, rowF32, work1, rowF32));
  if (silu) {
    VectorDesc times =
        vec(VecOp::Mul, ElemType::F32, work1, rowF32, work1, rowF32);
    times.b = work0;
    times.bStride = rowF32;
    current->vector(times);
  }
  current->vector(vec(VecOp::ToBf16, ElemType::F32, work1, rowF32, y, yPitch));
}

void SegmentLowering::lowerMaxPool(tile::MaxPoolOp op) {
  const DevTensor &x = dev(op.getInputAttr());
  const DevTensor &y = dev(op.getOutputAttr());
  int64_t eb = x.eb; // bf16, or 8-bit quantized (max is exact on both)
  tile::PoolWindowAttr win = op.getWindow();
  int64_t kh = win.getKh(), kw = win.getKw(), sh = win.getSh(),
          sw = win.getSw(), dh = win.getDh(), dw = win.getDw(),
          padT = win.getPadTop(), padL = win.getPadLeft();
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
      Access inAccess =
          x.sram
              ? rowsOf(x, b, yLo, inRows, false)
              : sramRange(inBuf[buf], uint64_t(inRows) * x.w * c * eb, false);
      if (!x.sram && inRows > 0) {
        DmaDesc load = dma3(x.pixel(b, yLo, 0), inBuf[buf], inRows, x.w, c,
                            x.rowBytes(), c * eb, x.w * c * eb, c * eb, eb);
        current->access(
            Engine::Load,
            {sramRange(inBuf[buf], uint64_t(inRows) * x.w * c * eb, true),
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
        uint64_t yRow = y.sram
                            ? y.pixel(b, r, 0)
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

void SegmentLowering::lowerRows(tile::RowsOp op) {
  bool norm = op.getKind() != "softmax";
  bool rms = op.getKind() == "rms_norm";
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
  // Split across cores, this op normalizes rows [p0, p1).
  int64_t p0 = 0, p1 = pixels;
  if (auto span = op.getSpan()) {
    p0 = (*span)[0];
    p1 = (*span)[1];
  }
  for (int64_t r0 = p0; r0 < p1; r0 += rowsT, ++tile) {
    int64_t rows = std::min(rowsT, p1 - r0);
    int buf = tile % 2;
    uint64_t bytes = uint64_t(rows) * c * kBf16;
    uint64_t inAt =
        x.sram ? x.base + uint64_t(r0 * c * kBf16) : uint64_t(sram[buf]);
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
    current->access(
        Engine::Vector,
        {sramRange(inAt, bytes, false), sramRange(work, f32Bytes, true),
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
    current->vector(
        vec(VecOp::ToF32, ElemType::BF16, inAt, rowBf16, work, rowF32, c));
    if (!norm) {
      current->vector(
          vec(VecOp::RowMax, ElemType::F32, work, rowF32, stats[0], 4, c));
      current->vector(
          perRow(vec(VecOp::Sub, ElemType::F32, work, rowF32, work, rowF32, c),
                 stats[0]));
      current->vector(
          vec(VecOp::Exp, ElemType::F32, work, rowF32, work, rowF32, c));
      current->vector(
          vec(VecOp::RowSum, ElemType::F32, work, rowF32, stats[0], 4, c));
      current->vector(
          vec(VecOp::Recip, ElemType::F32, stats[0], 4, stats[0], 4, 1));
      current->vector(
          perRow(vec(VecOp::Mul, ElemType::F32, work, rowF32, work, rowF32, c),
                 stats[0]));
    } else {
      // mean = sum / c; centered = x - mean; var = sum(centered^2) / c;
      // y = centered * rsqrt(var + eps) * gamma + beta. RMS norm skips the
      // centering and the (zero) beta.
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
      if (!rms) {
        current->vector(
            vec(VecOp::RowSum, ElemType::F32, work, rowF32, stats[0], 4, c));
        current->vector(scalar(
            vec(VecOp::Mul, ElemType::F32, stats[0], 4, stats[0], 4, 1), invC));
        current->vector(perRow(
            vec(VecOp::Sub, ElemType::F32, work, rowF32, work, rowF32, c),
            stats[0]));
      }
      VectorDesc sq =
          vec(VecOp::Mul, ElemType::F32, work, rowF32, square, rowF32, c);
      sq.b = work;
      sq.bStride = rowF32;
      current->vector(sq);
      current->vector(
          vec(VecOp::RowSum, ElemType::F32, square, rowF32, stats[1], 4, c));
      current->vector(scalar(
          vec(VecOp::Mul, ElemType::F32, stats[1], 4, stats[1], 4, 1), invC));
      current->vector(scalar(
          vec(VecOp::Add, ElemType::F32, stats[1], 4, stats[1], 4, 1), eps));
      current->vector(
          vec(VecOp::Rsqrt, ElemType::F32, stats[1], 4, stats[1], 4, 1));
      current->vector(
          perRow(vec(VecOp::Mul, ElemType::F32, work, rowF32, work, rowF32, c),
                 stats[1]));
      current->vector(rowVector(
          vec(VecOp::Mul, ElemType::F32, work, rowF32, work, rowF32, c),
          gamma));
      if (!rms)
        current->vector(rowVector(
            vec(VecOp::Add, ElemType::F32, work, rowF32, work, rowF32, c),
            beta));
    }
    current->vector(
        vec(VecOp::ToBf16, ElemType::F32, work, rowF32, outAt, rowBf16, c));
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

} // namespace gaon::npu

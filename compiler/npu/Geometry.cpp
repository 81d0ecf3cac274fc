//===- Geometry.cpp - NPU op geometry and SRAM budgets --------------------===//

#include "compiler/npu/Geometry.h"

using namespace mlir;

namespace gaon::npu {

uint64_t residentBudget(const NpuConfig &config) {
  return uint64_t(config.sramBytes) * 3 / 8;
}

uint64_t opBudget(const NpuConfig &config) {
  return (uint64_t(config.sramBytes) - residentBudget(config)) / 2;
}

static uint64_t convTileBytes(const ConvGeom &g, int64_t paddedW, int64_t nt,
                              int64_t rows, int64_t cols, bool fullWidth) {
  int64_t inRows = g.inRows(rows);
  int64_t inCols = fullWidth ? paddedW : g.inCols(cols);
  uint64_t in = alignUp(uint64_t(inRows) * inCols * g.cin * kBf16);
  uint64_t acc = alignUp(uint64_t(rows) * cols * nt * 4);
  uint64_t out = alignUp(uint64_t(rows) * cols * nt * kBf16);
  return 2 * in + acc + 2 * out;
}

/// Rows and columns of output tiles once the weights take `weights` bytes.
static std::optional<ConvPlan> planTiles(const ConvGeom &g, int64_t paddedW,
                                         uint64_t budget, bool streamed,
                                         ConvPlan p, uint64_t weights);

std::optional<ConvPlan> planConv(const ConvGeom &g, int64_t paddedW,
                                 const NpuConfig &config, uint64_t budget,
                                 bool streamed) {
  ConvPlan p;
  auto weightBytes = [&](int64_t nt, int64_t k) {
    return alignUp(uint64_t(g.kh) * g.kw * k * nt * kBf16) +
           alignUp(uint64_t(nt) * 4);
  };
  p.nt = g.cout;
  // Split output channels until the weights take at most half the budget
  // (two buffers when there is more than one weight tile).
  while (p.nt > config.matrixCols &&
         (p.nt == g.cout ? 1 : 2) * weightBytes(p.nt, g.cin) > budget / 2)
    p.nt = alignUp(ceilDiv(p.nt, 2), config.matrixCols);
  uint64_t weights = (p.nt == g.cout ? 1 : 2) * weightBytes(p.nt, g.cin);
  if (weights <= budget)
    if (std::optional<ConvPlan> plan =
            planTiles(g, paddedW, budget, streamed, p, weights))
      return plan;
  // One tile of all of K does not fit (K = 14336 in an LLM's down
  // projection): a 1x1 convolution streams its weights in chunks of K
  // rows, two buffers taking at most half the budget, in multiples of 256
  // rows so that weight-only groups divide them.
  if (g.kh != 1 || g.kw != 1)
    return std::nullopt;
  p.nt = std::min<int64_t>(g.cout, config.matrixCols);
  uint64_t perRow = uint64_t(p.nt) * kBf16;
  uint64_t room = budget / 4 > alignUp(uint64_t(p.nt) * 4) + kAlign
                      ? budget / 4 - alignUp(uint64_t(p.nt) * 4) - kAlign
                      : 0;
  p.kc = int64_t(room / perRow) / 256 * 256;
  if (p.kc < 256 || p.kc >= g.cin)
    return std::nullopt;
  // Every output pixel in one tile, the input chunked like the weights:
  // each weight is read once. The largest chunk for which two input and
  // two weight chunks, the accumulator and two output tiles fit.
  if (g.n == 1) {
    uint64_t pixels = uint64_t(g.inRows(g.oh)) * paddedW;
    uint64_t fixed = alignUp(uint64_t(g.oh) * g.ow * p.nt * 4) +
                     2 * alignUp(uint64_t(g.oh) * g.ow * p.nt * kBf16);
    for (int64_t kc = p.kc; kc >= 256; kc -= 256) {
      uint64_t need =
          2 * weightBytes(p.nt, kc) + 2 * alignUp(pixels * kc * kBf16) + fixed;
      if (need <= budget) {
        ConvPlan q = p;
        q.kc = kc;
        q.rows = g.oh;
        q.cols = g.ow;
        q.chunkInput = true;
        return q;
      }
    }
  }
  return planTiles(g, paddedW, budget, streamed, p,
                   2 * weightBytes(p.nt, p.kc));
}

static std::optional<ConvPlan> planTiles(const ConvGeom &g, int64_t paddedW,
                                         uint64_t budget, bool streamed,
                                         ConvPlan p, uint64_t weights) {
  uint64_t rest = budget - weights;
  // Several weight tiles over one image whose whole input fits once beside
  // them: one tile, loaded once and kept while the weight tiles stream
  // (otherwise every weight tile reloads the input; a 512-token prefill's
  // projections were DMA-bound on it).
  if (streamed && p.nt < g.cout && g.n == 1) {
    uint64_t in = alignUp(uint64_t(g.inRows(g.oh)) * paddedW * g.cin * kBf16);
    uint64_t acc = alignUp(uint64_t(g.oh) * g.ow * p.nt * 4);
    uint64_t out = alignUp(uint64_t(g.oh) * g.ow * p.nt * kBf16);
    if (in + acc + 2 * out <= rest) {
      p.rows = g.oh;
      p.cols = g.ow;
      p.inputOnce = true;
      return p;
    }
  }
  // Rows: when tiles stream through DMA, at most a quarter of the output per
  // tile, so that loads, compute and stores overlap; between resident
  // tensors, as many as the accumulator allows (each matmul pays the
  // array's fill latency once).
  int64_t maxRows = streamed && g.oh >= 4 ? ceilDiv(g.oh, 4) : g.oh;
  for (int64_t r = maxRows; r >= 1; --r)
    if (convTileBytes(g, paddedW, p.nt, r, g.ow, true) <= rest) {
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

FailureOr<ConvGeom> convGeom(Operation *conv) {
  if (!llvm::isa<graph::ConvOp, graph::QConvOp>(conv))
    return failure();
  RankedTensorType in = rankedOf(conv->getOperand(0));
  RankedTensorType wt = rankedOf(conv->getOperand(1));
  RankedTensorType out = rankedOf(conv->getResult(0));
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
  auto ints = [&](StringRef name) {
    auto a = conv->getAttrOfType<DenseI64ArrayAttr>(name);
    return a ? a.asArrayRef() : ArrayRef<int64_t>();
  };
  ArrayRef<int64_t> s = ints("strides"), d = ints("dilations"),
                    p = ints("pads");
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

uint64_t weightRowBytes(int64_t nw, int64_t elemBytes, int64_t weightBits) {
  if (!weightBits)
    return uint64_t(nw) * elemBytes;
  return weightBits == 4 ? uint64_t(nw + 1) / 2 : uint64_t(nw);
}

} // namespace gaon::npu

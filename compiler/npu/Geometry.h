//===- Geometry.h - NPU op geometry and SRAM budgets ------------*- C++ -*-===//
//
// How the matrix engine sees a convolution or a matmul, how SRAM is split
// between resident tensors and working buffers, and the tile sizes that fit.
// Placement asks these whether an op fits at all; graph -> tile uses them to
// choose its tiles; tile -> npu reads the geometry back from tile.conv.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_COMPILER_NPU_GEOMETRY_H
#define GAON_COMPILER_NPU_GEOMETRY_H

#include "compiler/npu/NpuCommon.h"
#include "targets/npu/NpuConfig.h"

#include "mlir/Support/LogicalResult.h"

#include <optional>

namespace gaon::npu {

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
  int64_t maxPad() const { return std::max({padT, padL, padB, padR}); }
};

/// The output tiles of a convolution plan.
struct ConvPlan {
  int64_t nt = 0;   // output channels per weight tile
  int64_t rows = 0; // output rows per tile
  int64_t cols = 0; // output columns per tile
  bool fullWidth = true;
  int64_t kc = 0;   // rows of K per streamed weight chunk (0: all of K)
  bool inputOnce = false; // one input tile, loaded once for every weight tile
  // With kc: one tile of every output pixel, whose input also arrives in
  // chunks of kc channels beside its weights (otherwise the input tiles
  // hold all of K and each re-streams the weights).
  bool chunkInput = false;
};

/// SRAM is split: up to 3/8 holds resident activations (kept between ops),
/// the rest is a ring of working buffers. One op's working set is at most
/// half the ring, so that the next op's weights can arrive while it runs.
uint64_t residentBudget(const NpuConfig &config);
uint64_t opBudget(const NpuConfig &config);

/// Chooses tile sizes so that weights, double-buffered tiles and the
/// accumulator fit `budget` bytes of SRAM; nullopt when nothing fits.
/// `streamed`: tiles come and go by DMA (otherwise both ends are resident).
std::optional<ConvPlan> planConv(const ConvGeom &g, int64_t paddedW,
                                 const NpuConfig &config, uint64_t budget,
                                 bool streamed = true);

/// The geometry of a graph.conv or graph.qconv; failure for shapes the
/// matrix engine lowering does not take.
mlir::FailureOr<ConvGeom> convGeom(mlir::Operation *conv);
/// A matmul [..., K] x [K, N] as a 1x1 convolution over the rows of lhs.
ConvGeom matmulGeom(mlir::RankedTensorType lhs, mlir::RankedTensorType rhs);

/// Row tiles of an elementwise op: `rows` image rows of `cols` pixels.
struct RowTiling {
  int64_t rows = 1, cols = 1;
};
RowTiling planRows(int64_t h, int64_t w, int64_t bytesPerPixel,
                   uint64_t budget);

/// Bytes of one K row of `nw` packed weights: `elemBytes` each, or int8 or
/// int4 (two per byte) when `weightBits` (weight-only) is 8 or 4.
uint64_t weightRowBytes(int64_t nw, int64_t elemBytes, int64_t weightBits);

} // namespace gaon::npu

#endif // GAON_COMPILER_NPU_GEOMETRY_H

//===- SegmentLowering.h - one tile.segment to instructions ----*- C++ -*-===//
//
// The state the tile -> npu conversion patterns share while they lower one
// segment: the device tensors by name, one Emitter (queues and derived
// semaphores) per core, and the barrier between ops of a multi-core
// segment. Each pattern expands one tiled op:
//   TileToNpu.cpp    the pass, tile.load and tile.zero, barriers
//   ConvToNpu.cpp    tile.conv and tile.global_pool (matrix engine)
//   VectorToNpu.cpp  tile.eltwise, tile.max_pool, tile.rows (vector engine)
//   AttentionToNpu.cpp  tile.attention (both engines, run-time positions)
//
//===----------------------------------------------------------------------===//

#ifndef GAON_COMPILER_NPU_TILETONPU_SEGMENTLOWERING_H
#define GAON_COMPILER_NPU_TILETONPU_SEGMENTLOWERING_H

#include "compiler/npu/DeviceTensor.h"
#include "compiler/npu/TileToNpu/Sync.h"
#include "dialects/tile/TileOps.h"
#include "targets/npu/NpuConfig.h"

#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/StringMap.h"

#include <memory>

namespace gaon::npu {

class SegmentLowering {
public:
  SegmentLowering(const NpuConfig &config, Program &program)
      : config(config), program(program) {}

  /// Reads the segment's tensors and sizes the program; fails on a segment
  /// the configuration cannot run.
  mlir::LogicalResult begin(tile::SegmentOp segment);
  /// Selects the core of the op about to be lowered and, on several cores,
  /// puts a barrier before the first op of each source node.
  mlir::LogicalResult beginOp(mlir::Operation *op);
  /// Closes every queue's last step.
  void finish();

  void lowerLoad(tile::LoadOp op);
  void lowerZero(tile::ZeroOp op);
  void lowerConv(tile::ConvOp op);
  void lowerGlobalPool(tile::GlobalPoolOp op);
  void lowerEltwise(tile::EltwiseOp op);
  void lowerSigmoidTile(bool silu, uint64_t a, int64_t aPitch, Access aAccess,
                        uint64_t y, int64_t yPitch, Access yAccess,
                        int64_t rows, uint64_t n, uint64_t work0,
                        uint64_t work1, uint64_t consts);
  void lowerMaxPool(tile::MaxPoolOp op);
  void lowerRows(tile::RowsOp op);
  void lowerAttention(tile::AttentionOp op);

private:
  const DevTensor &dev(mlir::FlatSymbolRefAttr name) {
    return tensors[name.getValue()];
  }
  static Access rowsOf(const DevTensor &t, int64_t b, int64_t r0,
                       int64_t rows, bool write) {
    uint64_t lo = t.pixel(b, r0, -t.pad);
    return {t.sram ? kSramSpace : kDramSpace, lo,
            lo + uint64_t(rows) * t.rowBytes(), write};
  }
  /// Every core finishes the op before any starts the next: each core's
  /// store engine (the last to touch DRAM) signals every core, and each
  /// core's load engine (the first to read DRAM) waits for all of them.
  void barrier();

  const NpuConfig &config;
  Program &program;
  std::vector<std::unique_ptr<Emitter>> cores;
  Emitter *current = nullptr; // the core of the op being lowered
  uint32_t barriers = 0;
  /// Device memory holding the segment's constants (weights): loads from
  /// it need not wait for a barrier.
  std::vector<std::pair<uint64_t, uint64_t>> constantRanges;
  int64_t lastTag = -1;
  static constexpr uint32_t kBarrierSemaphore = kEngines;
  llvm::StringMap<DevTensor> tensors;
};

/// The conversion patterns of gaon-tile-to-npu: one per tiled op, each
/// lowering through `state`.
void populateTileToNpuPatterns(mlir::RewritePatternSet &patterns,
                               SegmentLowering &state);

} // namespace gaon::npu

#endif // GAON_COMPILER_NPU_TILETONPU_SEGMENTLOWERING_H

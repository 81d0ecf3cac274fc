//===- TileToNpu.h - the tile -> npu lowering as a pass --------*- C++ -*-===//

#ifndef GAON_TARGETS_NPU_COMPILER_TILETONPU_H
#define GAON_TARGETS_NPU_COMPILER_TILETONPU_H

namespace gaon::npu {

/// Registers --gaon-tile-to-npu with MLIR's pass registry (gaon-opt).
void registerTileToNpuPass();

} // namespace gaon::npu

#endif // GAON_TARGETS_NPU_COMPILER_TILETONPU_H

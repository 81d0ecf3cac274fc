//===- NpuLowering.h - graph ops to NPU programs ----------------*- C++ -*-===//
//
// Placement (which graph ops run on the NPU, and why the others do not) and
// the lowering of a run of placed ops into one NPU segment: device layouts,
// DRAM and SRAM allocation, tiling with double buffering, instructions and
// the semaphores between engines. docs/npu-compiler.md explains the choices.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_TARGETS_NPU_COMPILER_NPULOWERING_H
#define GAON_TARGETS_NPU_COMPILER_NPULOWERING_H

#include "targets/npu/NpuConfig.h"
#include "targets/npu/sim/Program.h"
#include "targets/npu/sim/Simulator.h"

#include "dialects/tile/TileOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/DenseMap.h"

#include <array>
#include <string>
#include <vector>

namespace gaon::npu {

/// Where one graph op runs. `group` names the op that a fused op (a ReLU
/// after a convolution, a bias add after a matmul) runs inside.
struct Placement {
  bool onNpu = false;
  std::string reason; // for the CPU: what keeps it off the NPU
  mlir::Operation *fusedInto = nullptr;
};

using PlacementMap = llvm::DenseMap<mlir::Operation *, Placement>;

/// Places every op of `body` (one block of graph ops). Constants are never
/// in the map: they follow their users. `greedy` keeps every op the NPU can
/// run there, even one whose inputs and outputs all live on the host (for
/// tests of each lowering).
PlacementMap placeOps(mlir::Block &body, const NpuConfig &config,
                      bool greedy = false);

/// A host tensor's binding into device memory (schema NpuBinding).
struct SegmentBinding {
  mlir::Value value;
  uint64_t dram = 0;
  ElemType deviceType = ElemType::BF16;
  std::array<uint32_t, 4> sizes{1, 1, 1, 1};
  std::array<int64_t, 4> strides{0, 0, 0, 0};
};

/// Device-form constant data (packed bf16 weights, f32 biases, ...).
struct SegmentConstant {
  std::string name;
  std::vector<char> bytes;
  uint64_t dram = 0;
};

struct NpuSegment {
  Program program;
  std::vector<SegmentBinding> inputs, outputs;
  std::vector<SegmentConstant> constants;
  SimResult estimate; // the program on the simulator, timing only
};

/// Plans `ops` (placed on the NPU, in program order; fused ops included)
/// for `cores` cores as one `tile.segment` at the builder's insertion
/// point (graph -> tile):
/// device layouts, residency, DRAM and SRAM addresses, tiles. Packed
/// constants and the host bindings go to `out`. `inputs` come from the host
/// before the segment runs, `outputs` go back after.
mlir::FailureOr<tileir::SegmentOp>
planSegment(mlir::OpBuilder &builder, llvm::ArrayRef<mlir::Operation *> ops,
            llvm::ArrayRef<mlir::Value> inputs,
            llvm::ArrayRef<mlir::Value> outputs, const PlacementMap &placement,
            const NpuConfig &config, NpuSegment &out, int cores = 1);

/// Expands a planned segment into instructions and the semaphores between
/// engines (tile -> npu).
mlir::LogicalResult emitSegment(tileir::SegmentOp segment,
                                const NpuConfig &config, Program &program);

/// Both steps, verifying the plan in between, for one core with resident
/// activations and (on a multi-core NPU) for all cores splitting the
/// convolutions; the faster on the simulator's cost model wins. With
/// `tileSegments`, the chosen tile.segment op stays there (gaonc
/// --emit=tile). `cores` > 0 forces that schedule.
mlir::LogicalResult lowerSegment(llvm::ArrayRef<mlir::Operation *> ops,
                                 llvm::ArrayRef<mlir::Value> inputs,
                                 llvm::ArrayRef<mlir::Value> outputs,
                                 const PlacementMap &placement,
                                 const NpuConfig &config, NpuSegment &out,
                                 mlir::Block *tileSegments = nullptr,
                                 int cores = 0);

/// The ONNX node name(s) an op came from, joined by '+'.
std::string nodeName(mlir::Location loc);
/// The name of a fused group: its ops' distinct node names, joined by '+'.
std::string fusedGroupName(mlir::Operation *anchor,
                           llvm::ArrayRef<mlir::Operation *> fused);

} // namespace gaon::npu

#endif // GAON_TARGETS_NPU_COMPILER_NPULOWERING_H

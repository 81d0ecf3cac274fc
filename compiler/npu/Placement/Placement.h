//===- Placement.h - which graph ops run on the NPU -------------*- C++ -*-===//
//
// Placement decides, op by op, whether the NPU or the CPU runs it, and why
// not the NPU; ops the NPU runs inside another's output stage (a ReLU after
// a convolution, a bias add after a matmul) are fused into that op, their
// "anchor". The decision travels in the IR as attributes, so every later
// pass (outlining, graph -> tile, the report) reads it from there:
//
//   npu.device = "npu" | "cpu"   on every graph op but constants
//   npu.reason = "..."           on CPU ops: what keeps it off the NPU
//   npu.group = N                on NPU anchors, numbered in program order
//   npu.fused_into = N           on NPU ops fused into anchor N
//
//===----------------------------------------------------------------------===//

#ifndef GAON_COMPILER_NPU_PLACEMENT_PLACEMENT_H
#define GAON_COMPILER_NPU_PLACEMENT_PLACEMENT_H

#include "targets/npu/NpuConfig.h"

#include "mlir/IR/Block.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <string>

namespace gaon::npu {

constexpr llvm::StringLiteral kDeviceAttr = "npu.device";
constexpr llvm::StringLiteral kReasonAttr = "npu.reason";
constexpr llvm::StringLiteral kGroupAttr = "npu.group";
constexpr llvm::StringLiteral kFusedIntoAttr = "npu.fused_into";

/// Where one graph op runs.
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

/// Writes `map` onto the ops as the attributes above.
void writePlacement(mlir::Block &body, const PlacementMap &map);
/// Reads the attributes of `body`'s ops back; ops without them are absent
/// from the map. Anchors are looked for in `body` and, if given, anywhere
/// in `scope`. Fails (with a diagnostic) on a fused op whose anchor is in
/// neither.
mlir::FailureOr<PlacementMap> readPlacement(mlir::Block &body,
                                            mlir::Operation *scope = nullptr);

/// Whether `op` carries npu.device = "npu".
inline bool placedOnNpu(mlir::Operation *op) {
  auto device = op->getAttrOfType<mlir::StringAttr>(kDeviceAttr);
  return device && device.getValue() == "npu";
}

/// A constant, or a constant's integers given a quantized type (weights of
/// integer ops): these follow their users and are never placed.
bool isConstantLike(mlir::Operation *op);

/// Calls `run` for each maximal run of consecutive NPU-placed ops in `body`
/// (constants and `skip` ops between them do not break a run), in program
/// order. The runs become NPU segments.
void forEachNpuRun(mlir::Block &body,
                   llvm::function_ref<bool(mlir::Operation *)> skip,
                   llvm::function_ref<void(llvm::ArrayRef<mlir::Operation *>)>
                       run);

} // namespace gaon::npu

#endif // GAON_COMPILER_NPU_PLACEMENT_PLACEMENT_H

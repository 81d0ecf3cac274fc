//===- Legality.h - what the NPU can run, and why not -----------*- C++ -*-===//
//
// The rules placement applies to each graph op on its own: the types,
// shapes, constants and SRAM footprint each NPU lowering takes. A refusal is
// a sentence the placement report shows to the user, so it says what the
// NPU would need.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_COMPILER_NPU_PLACEMENT_LEGALITY_H
#define GAON_COMPILER_NPU_PLACEMENT_LEGALITY_H

#include "targets/npu/NpuConfig.h"

#include "mlir/IR/Operation.h"

#include <string>

namespace gaon::npu {

/// Why `op` cannot run on the NPU on its own; empty when it can.
std::string whyNotNpu(mlir::Operation &op, const NpuConfig &config);

/// Whether `maybeBias` is a bias the matmul's output stage can add: an f32
/// constant of the matmul's N elements.
bool isBiasFor(mlir::Value maybeBias, mlir::Operation *matmul);

} // namespace gaon::npu

#endif // GAON_COMPILER_NPU_PLACEMENT_LEGALITY_H

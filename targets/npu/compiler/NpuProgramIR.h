//===- NpuProgramIR.h - NPU programs <-> the npu dialect -------*- C++ -*-===//
//
// The lowering builds targets/npu/sim/Program.h's instruction structs; the
// `npu` dialect is the same program as IR, field for field. These two
// translations make it printable (gaonc --emit=npu), parseable and
// verifiable (gaon-opt), and serializable again (the round trip is tested).
//
//===----------------------------------------------------------------------===//

#ifndef GAON_TARGETS_NPU_COMPILER_NPUPROGRAMIR_H
#define GAON_TARGETS_NPU_COMPILER_NPUPROGRAMIR_H

#include "targets/npu/sim/Program.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Operation.h"

namespace gaon::npu {

/// Builds an `npu.program` op for `program` at the builder's insertion point.
mlir::Operation *buildProgramOp(mlir::OpBuilder &builder, mlir::Location loc,
                                const Program &program);

/// Reads an `npu.program` op (already verified) back into a Program.
mlir::LogicalResult readProgramOp(mlir::Operation *op, Program &out);

} // namespace gaon::npu

#endif // GAON_TARGETS_NPU_COMPILER_NPUPROGRAMIR_H

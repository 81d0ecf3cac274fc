//===- NpuProgram.h - NPU programs <-> the npu dialect ---------*- C++ -*-===//
//
// The `npu` dialect is targets/npu/isa/Isa.h's program as IR, field for
// field. These translations make a program printable (gaonc --emit=npu),
// parseable, verifiable (each op's verifier reads its instruction and asks
// the ISA's validator) and serializable again (the round trip is tested).
//
//===----------------------------------------------------------------------===//

#ifndef GAON_DIALECTS_NPU_NPUPROGRAM_H
#define GAON_DIALECTS_NPU_NPUPROGRAM_H

#include "targets/npu/isa/Isa.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Operation.h"

namespace gaon::npu {

/// Builds an `npu.program` op for `program` at the builder's insertion point.
mlir::Operation *buildProgramOp(mlir::OpBuilder &builder, mlir::Location loc,
                                const Program &program);

/// Reads an `npu.program` op (already verified) back into a Program.
mlir::LogicalResult readProgramOp(mlir::Operation *op, Program &out);

/// The instruction one npu op (dma_load, dma_store, matmul, vector, signal,
/// wait) stands for, its engine the one its opcode runs on (signal and wait:
/// `engine`). Integer attributes are narrowed to the struct's widths; the
/// verifiers check their ranges first.
mlir::FailureOr<Instruction> readInstruction(mlir::Operation *op,
                                             Engine engine);

} // namespace gaon::npu

#endif // GAON_DIALECTS_NPU_NPUPROGRAM_H

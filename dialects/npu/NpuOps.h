//===- NpuOps.h - the Gaon NPU's instruction set ---------------*- C++ -*-===//

#ifndef GAON_DIALECTS_NPU_NPUOPS_H
#define GAON_DIALECTS_NPU_NPUOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"

#include "dialects/npu/NpuDialect.h.inc"
#include "dialects/npu/NpuEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/npu/NpuAttrs.h.inc"

#define GET_OP_CLASSES
#include "dialects/npu/NpuOps.h.inc"

#endif // GAON_DIALECTS_NPU_NPUOPS_H

//===- Passes.h - the NPU back end, graph to instructions ------*- C++ -*-===//

#ifndef GAON_COMPILER_NPU_PASSES_H
#define GAON_COMPILER_NPU_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace gaon {

#define GEN_PASS_DECL
#include "compiler/npu/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/npu/Passes.h.inc"

} // namespace gaon

#endif // GAON_COMPILER_NPU_PASSES_H

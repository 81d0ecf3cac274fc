//===- Passes.h - the CPU target's passes ----------------------*- C++ -*-===//

#ifndef GAON_COMPILER_CPU_PASSES_H
#define GAON_COMPILER_CPU_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace gaon {

#define GEN_PASS_DECL
#include "compiler/cpu/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/cpu/Passes.h.inc"

} // namespace gaon

#endif // GAON_COMPILER_CPU_PASSES_H

//===- Passes.h - Gaon's conversion passes --------------------*- C++ -*-===//

#ifndef GAON_COMPILER_CONVERSION_PASSES_H
#define GAON_COMPILER_CONVERSION_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include "dialects/graph/GraphOps.h"

namespace gaon {

#define GEN_PASS_DECL
#include "compiler/conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/conversion/Passes.h.inc"

} // namespace gaon

#endif // GAON_COMPILER_CONVERSION_PASSES_H

//===- Passes.h - Gaon's quantization passes ------------------*- C++ -*-===//

#ifndef GAON_COMPILER_QUANTIZATION_PASSES_H
#define GAON_COMPILER_QUANTIZATION_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"

#include "dialects/graph/GraphOps.h"

namespace gaon {

#define GEN_PASS_DECL
#include "compiler/quantization/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/quantization/Passes.h.inc"

/// The patterns of gaon-fold-qdq.
void populateFoldQdqPatterns(mlir::RewritePatternSet &patterns);

} // namespace gaon

#endif // GAON_COMPILER_QUANTIZATION_PASSES_H

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

/// Fails, naming it and some of the model's nodes, when a --keep-float
/// name is the name of no ONNX node in `root` (a typo would otherwise keep
/// nothing float, silently).
mlir::LogicalResult checkKeepFloatNames(mlir::Operation *root,
                                        llvm::ArrayRef<std::string> names);

} // namespace gaon

#endif // GAON_COMPILER_QUANTIZATION_PASSES_H

//===- Passes.h - graph-level transformations ------------------*- C++ -*-===//

#ifndef GAON_COMPILER_GRAPH_PASSES_H
#define GAON_COMPILER_GRAPH_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"

namespace gaon {

#define GEN_PASS_DECL
#include "compiler/graph/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/graph/Passes.h.inc"

/// The rewrites of gaon-graph-recompose, for passes that want them too.
void populateGraphRecomposePatterns(mlir::RewritePatternSet &patterns);

} // namespace gaon

#endif // GAON_COMPILER_GRAPH_PASSES_H

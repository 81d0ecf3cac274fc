//===- Pipelines.h - Gaon's compilation stages ----------------*- C++ -*-===//
//
// The stages gaonc can stop after (--emit), and the dialects and passes the
// tools register. A new stage appends to CompileStage and to
// buildPipelineTo; a new dialect goes in registerGaonDialects.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_COMPILER_PIPELINES_PIPELINES_H
#define GAON_COMPILER_PIPELINES_PIPELINES_H

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"

namespace gaon {

enum class CompileStage {
  Onnx,  // the generic import form
  Graph, // typed tensor ops, static shapes, folded
};

/// Our dialects and the upstream ones they use.
void registerGaonDialects(mlir::DialectRegistry &registry);
/// Our passes and the upstream ones gaon-opt offers.
void registerGaonPasses();
/// Appends to `pm` the passes that take an imported module to `stage`.
void buildPipelineTo(mlir::PassManager &pm, CompileStage stage);

} // namespace gaon

#endif // GAON_COMPILER_PIPELINES_PIPELINES_H

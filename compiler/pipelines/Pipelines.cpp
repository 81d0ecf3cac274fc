//===- Pipelines.cpp - Gaon's compilation stages --------------------------===//

#include "compiler/pipelines/Pipelines.h"

#include "compiler/conversion/Passes.h"
#include "compiler/quantization/Passes.h"
#include "dialects/graph/GraphOps.h"
#include "dialects/npu/NpuOps.h"
#include "dialects/onnx/OnnxOps.h"
#include "dialects/tile/TileOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/QuantOps.h"
#include "mlir/Transforms/Passes.h"

namespace gaon {

void registerGaonDialects(mlir::DialectRegistry &registry) {
  registry.insert<onnx::OnnxDialect, graph::GraphDialect, npuir::NpuDialect,
                  tileir::TileDialect,
                  mlir::func::FuncDialect, mlir::quant::QuantizationDialect>();
}

void registerGaonPasses() {
  registerConversionPasses();
  registerQuantizationPasses();
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerSymbolDCEPass();
}

void buildPipelineTo(mlir::PassManager &pm, CompileStage stage) {
  if (stage == CompileStage::Onnx)
    return;
  pm.addPass(createConvertOnnxToGraph());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
  // Pre-quantized (QDQ) models compute in integers from here on.
  pm.addPass(createFoldQdq());
  pm.addPass(mlir::createCanonicalizerPass());
}

} // namespace gaon

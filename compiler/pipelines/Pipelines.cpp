//===- Pipelines.cpp - Gaon's compilation stages --------------------------===//

#include "compiler/pipelines/Pipelines.h"

#include "compiler/conversion/Passes.h"
#include "compiler/cpu/Passes.h"
#include "compiler/graph/Passes.h"
#include "compiler/npu/Passes.h"
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
                  tile::TileDialect, mlir::func::FuncDialect,
                  mlir::quant::QuantizationDialect>();
}

void registerGaonPasses() {
  registerConversionPasses();
  registerQuantizationPasses();
  registerCpuPasses();
  registerGraphPasses();
  registerNpuPasses();
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerSymbolDCEPass();
}

void buildPipeline(mlir::PassManager &pm, CompileStage from, CompileStage to,
                   const BackendOptions &options) {
  auto crosses = [&](CompileStage rung) { return from < rung && rung <= to; };
  bool npu = !options.npuConfig.empty();
  if (crosses(CompileStage::Graph)) {
    pm.addPass(createConvertOnnxToGraph());
    pm.addPass(mlir::createCanonicalizerPass());
    pm.addPass(mlir::createCSEPass());
    // Pre-quantized (QDQ) models compute in integers from here on.
    pm.addPass(createFoldQdq());
    // Decoder blocks spelled out in primitives become fused ops.
    pm.addPass(createGraphRecompose());
    pm.addPass(mlir::createCanonicalizerPass());
    pm.addPass(mlir::createCSEPass());
  }
  if (crosses(CompileStage::Placed)) {
    if (npu)
      pm.addPass(createNpuPlacement(
          NpuPlacementOptions{options.npuConfig, options.npuGreedy}));
    pm.addPass(createCpuFuseActivations());
    // NPU bindings read row-major host tensors; the CPU's channels-last
    // choice does not look across segments yet, so it stays off with an
    // NPU.
    if (!npu && options.cpuChannelsLast)
      pm.addPass(createCpuChooseLayout());
  }
  if (crosses(CompileStage::Tile) && npu) {
    pm.addPass(createNpuOutline());
    pm.addPass(createGraphToTile(
        GraphToTileOptions{options.npuConfig, options.npuCores}));
  }
  if (crosses(CompileStage::Npu) && npu) {
    pm.addPass(createTileToNpu(TileToNpuOptions{options.npuConfig}));
    pm.addPass(
        createNpuSelectSchedule(NpuSelectScheduleOptions{options.npuConfig}));
  }
}

} // namespace gaon

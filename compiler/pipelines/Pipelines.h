//===- Pipelines.h - Gaon's compilation stages ----------------*- C++ -*-===//
//
// The ladder of stages gaonc can stop at (--emit), the passes between each
// rung and the next, and the dialects and passes the tools register:
//
//   onnx    the generic import form
//   graph   typed tensor ops, static shapes, folded (quantization applies
//           here, between graph and placed)
//   placed  each op's device and reason (gaon-npu-placement), CPU fusion
//           and layouts (gaon-cpu-fuse-activations, gaon-cpu-choose-layout)
//   tile    NPU runs outlined and planned (gaon-npu-outline,
//           gaon-graph-to-tile)
//   npu     plans lowered to instructions, schedules chosen
//           (gaon-tile-to-npu, gaon-npu-select-schedule)
//   binary  the .gnb the writer serializes (compiler/binary)
//
// A new stage appends to CompileStage and to buildPipeline.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_COMPILER_PIPELINES_PIPELINES_H
#define GAON_COMPILER_PIPELINES_PIPELINES_H

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"

#include <string>

namespace gaon {

enum class CompileStage { Onnx, Graph, Placed, Tile, Npu, Binary };

/// What the back end (graph -> binary) compiles for.
struct BackendOptions {
  /// Place ops on the NPU of this configuration (edge, server or a JSON
  /// file); empty: the CPU target, every op on the CPU.
  std::string npuConfig;
  /// Keep every op the NPU can run there (gaon-npu-placement's greedy).
  bool npuGreedy = false;
  /// Schedule NPU segments on this many cores (0: the cost model chooses).
  int npuCores = 0;
  /// CPU target: store 4-D activations between convolutions channels-last.
  bool cpuChannelsLast = true;
};

/// Our dialects and the upstream ones they use.
void registerGaonDialects(mlir::DialectRegistry &registry);
/// Our passes and the upstream ones gaon-opt offers.
void registerGaonPasses();
/// Appends to `pm` the passes that take a module at stage `from` to stage
/// `to` (`to` Binary stops at the module the binary writer takes).
void buildPipeline(mlir::PassManager &pm, CompileStage from, CompileStage to,
                   const BackendOptions &options = {});

} // namespace gaon

#endif // GAON_COMPILER_PIPELINES_PIPELINES_H

//===- Passes.td - Gaon's conversion passes ----------------*- tablegen -*-===//

#ifndef GAON_COMPILER_CONVERSION_PASSES_TD
#define GAON_COMPILER_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertOnnxToGraph : Pass<"convert-onnx-to-graph", "mlir::ModuleOp"> {
  let summary = "Give each generic onnx.node its meaning as graph ops";
  let description = [{
    Converts every `onnx.node` and `onnx.constant` to `graph` ops, in program
    order, through a table keyed by ONNX op type and since-version (see
    OnnxToGraph.h). Shape arithmetic on constants folds as it goes, so the
    static shapes of exported models come out as attributes. Nodes that no
    entry handles, or that an entry refuses, are all reported together, each
    at its ONNX node's location, and the pass fails.
  }];
  let dependentDialects = ["::gaon::graph::GraphDialect",
                           "::mlir::func::FuncDialect"];
}

#endif // GAON_COMPILER_CONVERSION_PASSES_TD

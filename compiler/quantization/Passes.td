//===- Passes.td - Gaon's quantization passes --------------*- tablegen -*-===//

#ifndef GAON_COMPILER_QUANTIZATION_PASSES_TD
#define GAON_COMPILER_QUANTIZATION_PASSES_TD

include "mlir/Pass/PassBase.td"

def FoldQdq : Pass<"gaon-fold-qdq", "mlir::ModuleOp"> {
  let summary = "Fold quantize/dequantize pairs around float ops into integer ops";
  let description = [{
    A QDQ graph computes in float between `graph.dequantize` and
    `graph.quantize`. Where the float op between them has an exact integer
    form, this pass replaces the three with it:
      - conv / matmul (+ constant bias, + ReLU or Clip) -> qconv / qmatmul
        and requantize (with the activation as its clamp);
      - add (+ ReLU or Clip) of two dequantized tensors -> qadd;
      - max_pool, reshape, transpose between a dequantize and a quantize ->
        the same op on the quantized values (and a requantize if the scales
        differ);
      - quantize(dequantize(x)) -> x, or a requantize.
    What does not match stays float, fed by the dequantize it had.
  }];
  let dependentDialects = ["::gaon::graph::GraphDialect"];
}

#endif // GAON_COMPILER_QUANTIZATION_PASSES_TD

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
      - reduce mean over trailing axes (a global average pool) -> qmean, a
        quantize first sinking through a reshape or transpose after it;
      - quantize(dequantize(x)) -> x, or a requantize.
    What does not match stays float, fed by the dequantize it had.
  }];
  let dependentDialects = ["::gaon::graph::GraphDialect"];
}

def QuantizeWeights : Pass<"gaon-quantize-weights", "mlir::ModuleOp"> {
  let summary = "Weight-only quantization: matmul weights to int8 or int4 in blocks";
  let description = [{
    `gaonc --quantize=w8a16|w4a16`. Every `graph.matmul` whose right operand
    is a constant f32 matrix [K, N] gets that matrix as symmetric integers
    (int8 in [-127, 127] or int4 in [-7, 7]) with one f32 scale per block of
    `group-size` rows of K and per column, through `graph.block_dequantize`.
    Activations stay float (bf16 on the NPU). Each block's scale is the one,
    among its max-abs scale shrunk by up to 30% in 2% steps, that gives the
    least squared error (clipping a few large weights often pays for finer
    steps everywhere else, most of all at 4 bits). Matmuls of ONNX nodes
    named in `keep-float` stay float.
  }];
  let options = [
    Option<"bits", "bits", "int", "8", "Weight bits: 8 or 4">,
    Option<"groupSize", "group-size", "int64_t", "128",
           "Rows of K per scale (blocks along K)">,
    ListOption<"keepFloat", "keep-float", "std::string",
               "ONNX node names whose matmuls stay float">,
  ];
  let dependentDialects = ["::gaon::graph::GraphDialect"];
}

def ExposeIntegerTensors : Pass<"gaon-expose-integer-tensors", "mlir::ModuleOp"> {
  let summary = "Return every 8-bit quantized tensor the graph computes";
  let description = [{
    `gaonc --expose-integer-tensors`. Each 8-bit quantized value an op
    computes (not constants, not weights) becomes an extra result of the
    entry function, named `NODE:N` after its ONNX node and result index.
    The values are unchanged. Running one model on two targets then
    compares every integer tensor, not only the outputs: that is how the
    tests check that the NPU simulator and the CPU target agree bit for bit
    throughout.
  }];
  let dependentDialects = ["::gaon::graph::GraphDialect"];
}

#endif // GAON_COMPILER_QUANTIZATION_PASSES_TD

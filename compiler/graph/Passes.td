//===- Passes.td - graph-level transformations --------------*- tablegen -*-===//
//
// Passes that rewrite `graph` into better `graph`, for both targets.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_COMPILER_GRAPH_PASSES_TD
#define GAON_COMPILER_GRAPH_PASSES_TD

include "mlir/Pass/PassBase.td"

def GraphRecompose : Pass<"gaon-graph-recompose", "mlir::ModuleOp"> {
  let summary = "Recognize fused ops that exporters spell out in primitives";
  let description = [{
    torch.onnx writes a decoder's building blocks as chains of primitive
    operators. This pass finds each chain and replaces it with the fused
    op whose semantics it computes exactly (docs/dialects/graph.md):

    - `x * sigmoid(x)` becomes `silu`;
    - `x / sqrt(mean(x^2) + eps)` (or times `1 / sqrt`, `reciprocal`,
      `rsqrt`), then times a weight, becomes `rms_norm`;
    - `x * cos + rotate_half(x) * sin`, rotate-half through slices, a
      negation and a concat, becomes `rotary_embedding` (a concat with the
      untouched tail makes it partial);
    - `softmax(scale * q @ transpose(k) + mask) @ v`, the scale on the
      scores or split over q and k, k and v repeated for grouped heads by
      reshape/expand/reshape, becomes `attention` on the unrepeated heads.

    A chain whose parts do not fit exactly (another axis, a non-constant
    scale, a value used elsewhere in the middle of the chain where the
    rewrite would duplicate work) is left as it is.
  }];
}

#endif // GAON_COMPILER_GRAPH_PASSES_TD

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

def LlmKvCache : Pass<"gaon-llm-kv-cache", "mlir::ModuleOp"> {
  let summary = "Make a decoder step work at any position over in-place caches";
  let description = [{
    For a decoder exported with past_key_values inputs and present outputs
    (imported by `gaonc --max-seq-len=M`, so the past has M - S entries):
    each past input becomes a cache of M entries, the new keys and values
    are written into it at a new `position` input (`graph.cache_update`),
    attention reads the updated caches with `kv_lengths = position + S`,
    causal, with the sliding window the export's mask encoded (read off
    the mask evaluated at compile time), and attention_mask and
    position_ids are computed from `position`. The present outputs are the
    updated caches. Masks that do more than hide keys causally are refused.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

#endif // GAON_COMPILER_GRAPH_PASSES_TD

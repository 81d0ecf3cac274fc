//===- AttentionGroup.h - a decoder's attention as one NPU op --*- C++ -*-===//
//
// After gaon-llm-kv-cache, a decoder step's attention is a fixed chain of
// graph ops around graph.attention: the q, k and v projections' rows
// reshaped to heads and transposed, the rotary embedding of q and k, the
// cache updates at the run-time position, and the transpose and reshape
// of the result back to rows. On the NPU the whole chain is one op
// (tile.attention): heads are strides, not copies, and the caches stay in
// device memory. This matcher finds the chain, or says why not; placement
// fuses its ops into the attention, and graph -> tile plans it.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_COMPILER_NPU_PLACEMENT_ATTENTIONGROUP_H
#define GAON_COMPILER_NPU_PLACEMENT_ATTENTIONGROUP_H

#include "dialects/graph/GraphOps.h"

#include "llvm/ADT/SmallVector.h"

#include <string>

namespace gaon::npu {

/// One of q, k, v: projection rows -> heads, rotated (q, k) and written to
/// the cache (k, v).
struct AttentionOperand {
  mlir::Value rows;              // B x S x H*D, the projection's output
  graph::ReshapeOp reshape;      // -> B x S x H x D
  graph::TransposeOp transpose;  // -> B x H x S x D
  graph::RotaryEmbeddingOp rotary; // optional (q and k)
  graph::CacheUpdateOp update;   // k and v: into the cache
};

struct AttentionGroup {
  graph::AttentionOp attention;
  AttentionOperand q, k, v;
  graph::AddOp lengths;          // kv_lengths = position + S
  mlir::Value position;          // i64 [B]: entries already cached
  mlir::Value kCache, vCache;    // session state, B x Hkv x M x D
  graph::TransposeOp outTranspose;
  graph::ReshapeOp outReshape;   // the result as B x S x Hq*D rows
  mlir::Value cos, sin;          // the step's rotary rows (null: no rotary)
  // When gaon-llm-kv-cache tabulated them: one row per cached position,
  // read at the position (graph.position_rows of q and k, fused here).
  mlir::Value cosTable, sinTable;
  llvm::SmallVector<mlir::Operation *, 4> rowReads;
  int64_t batch = 0, seq = 0, heads = 0, kvHeads = 0, headDim = 0,
          maxLen = 0, rotary = 0, cosRows = 0, window = 0;
  float scale = 1.0f;

  /// The ops fused into the attention, in no particular order.
  llvm::SmallVector<mlir::Operation *> members() const;
};

/// The chain around `attention`, or empty with `why` saying what keeps it
/// from the NPU.
std::optional<AttentionGroup> matchAttentionGroup(graph::AttentionOp attention,
                                                  std::string &why);

} // namespace gaon::npu

#endif // GAON_COMPILER_NPU_PLACEMENT_ATTENTIONGROUP_H

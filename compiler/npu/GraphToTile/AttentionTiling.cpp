//===- AttentionTiling.cpp - a decoder's attention (graph -> tile) --------===//
//
// One tile.attention per core, over a share of the (batch row, kv head)
// pairs: each pair's grouped query heads read its keys and values once.
// Keys stream in blocks of the matrix engine's columns; the query tile is
// as many tokens as fit the working SRAM beside a row of scores over the
// whole cache.
//
//===----------------------------------------------------------------------===//

#include "compiler/npu/AttentionLayout.h"
#include "compiler/npu/GraphToTile/SegmentPlanner.h"

#include <cstring>

using namespace mlir;

namespace gaon::npu {

LogicalResult SegmentPlanner::planAttention(graph::AttentionOp op) {
  AttentionGroup g = attentionGroups[op];
  AttentionSizes s;
  s.seq = g.seq;
  s.group = g.heads / g.kvHeads;
  s.headDim = g.headDim;
  s.rotary = g.cos ? g.rotary : 0;
  s.maxLen = g.maxLen;
  // A decode step's key blocks are two matrix-engine tiles: few enough
  // that each block's DMA latency and matmul fill amortize, small enough
  // that a step reads little past the keys it has (at EXAONE-3.5-7.8B
  // shape on `server` and context 2048, 512-key blocks cost 8.5k cycles a
  // layer against 9.3k for 1024 and 9k for 256). A prefill chunk's are one
  // tile: its queries see a triangle of keys, and the vector engine (the
  // chunk's bottleneck) walks only the blocks a query tile needs.
  s.keyBlock = std::min<int64_t>((g.seq == 1 ? 2 : 1) * config.matrixCols,
                                 g.maxLen);
  uint64_t budget = opBudget(config);
  // Key and value blocks: enough buffers that loads run ahead of the
  // matrix engine (a decode step's whole cache when it fits a quarter of
  // the budget).
  uint64_t pair = 2 * alignUp(uint64_t(s.keyBlock) * s.headDim * 2);
  s.keyBuffers = std::min<int64_t>(
      s.blocks(), std::max<int64_t>(2, int64_t((budget / 4) / pair)));
  s.queryTile = s.seq;
  while (AttentionLayout(s).total > budget && s.queryTile > 1)
    s.queryTile = ceilDiv(s.queryTile, 2);
  if (AttentionLayout(s).total > budget)
    return op.emitError("attention over ")
           << g.maxLen << " cached positions of " << g.headDim
           << "-wide heads does not fit the NPU's SRAM; compile with a "
              "smaller --max-seq-len";
  uint64_t bytes = AttentionLayout(s).total;
  int64_t items = g.batch * g.kvHeads;
  int64_t parts = std::min<int64_t>(cores, items);
  int64_t position = params.lookup(g.position).first;
  // Tabulated rotary rows: the tables go to DRAM once, for every core.
  IntegerAttr cosTable, sinTable;
  if (g.cosTable) {
    auto bytesOf = [](Value table) {
      std::vector<float> f = floatsOf(constantOf(table));
      std::vector<char> bytes(f.size() * 4);
      std::memcpy(bytes.data(), f.data(), bytes.size());
      return bytes;
    };
    std::string name = nodeName(op.getLoc());
    cosTable = i64(addConstant(name + ".cos", bytesOf(g.cosTable)));
    sinTable = i64(addConstant(name + ".sin", bytesOf(g.sinTable)));
  }
  bool stepRows = g.cos && !g.cosTable;
  for (int64_t core = 0; core < parts; ++core) {
    int64_t begin = core * items / parts, end = (core + 1) * items / parts;
    SramRing &ringOf = rings[core];
    ringOf.beginOp(bytes + kAlign);
    uint64_t base = ringOf.take(bytes);
    builder.create<tile::AttentionOp>(
        loc, sym(g.q.rows), sym(g.k.rows), sym(g.v.rows),
        sym(g.outReshape.getOutput()), sym(g.kCache), sym(g.vCache),
        stepRows ? sym(g.cos) : FlatSymbolRefAttr(),
        stepRows ? sym(g.sin) : FlatSymbolRefAttr(), cosTable, sinTable,
        i64(g.batch), i64(g.seq), i64(g.heads), i64(g.kvHeads),
        i64(g.headDim), i64(g.maxLen), i64(s.rotary),
        i64(stepRows ? g.cosRows : 0), i64(g.window),
        builder.getF32FloatAttr(g.scale), i64(position), i64(s.queryTile),
        i64(s.keyBlock), i64(s.keyBuffers), i64(base), i64(bytes),
        builder.getDenseI64ArrayAttr({begin, end}), i64(tag), i64(core));
  }
  return success();
}

} // namespace gaon::npu

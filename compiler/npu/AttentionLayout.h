//===- AttentionLayout.h - tile.attention's working SRAM -------*- C++ -*-===//
//
// Where tile.attention keeps each of its buffers, from its sizes: shared by
// graph -> tile, which sizes the region and the query tile, and tile ->
// npu, which addresses it.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_COMPILER_NPU_ATTENTIONLAYOUT_H
#define GAON_COMPILER_NPU_ATTENTIONLAYOUT_H

#include "compiler/npu/NpuCommon.h"

#include <algorithm>
#include <cstdint>

namespace gaon::npu {

struct AttentionSizes {
  int64_t seq, group, headDim, rotary, maxLen, keyBlock, queryTile,
      keyBuffers;
  int64_t blocks() const { return ceilDiv(maxLen, keyBlock); }
  int64_t paddedKeys() const { return blocks() * keyBlock; }
  int64_t rows() const { return queryTile * group; } // query rows per tile
};

/// Byte offsets from the region's base (each 64-byte aligned).
struct AttentionLayout {
  uint64_t keyNew, valueNew, keyF32, cos, sin, temp0, temp1, query,
      queryF32, keys, values, scoreAcc, scores, probs, rowMax, rowSum,
      partialMax, partialSum, acc, out, total;
  uint64_t keyBlockBytes = 0; // one key (or value) buffer

  explicit AttentionLayout(const AttentionSizes &s) {
    uint64_t at = 0;
    auto take = [&](uint64_t bytes) {
      uint64_t here = at;
      at = alignUp(at + std::max<uint64_t>(bytes, 1));
      return here;
    };
    int64_t d = s.headDim, r = s.rows(), half = s.rotary / 2;
    keyNew = take(uint64_t(s.seq) * d * 2);
    valueNew = take(uint64_t(s.seq) * d * 2);
    keyF32 = take(s.rotary ? uint64_t(s.seq) * d * 4 : 0);
    cos = take(uint64_t(s.seq) * s.rotary * 4);
    sin = take(uint64_t(s.seq) * s.rotary * 4);
    uint64_t tempRows = uint64_t(std::max<int64_t>(s.seq, r));
    temp0 = take(tempRows * half * 4);
    temp1 = take(tempRows * half * 4);
    query = take(uint64_t(r) * d * 2);
    queryF32 = take(s.rotary ? uint64_t(r) * d * 4 : 0);
    keyBlockBytes = alignUp(uint64_t(s.keyBlock) * d * 2);
    keys = take(keyBlockBytes * s.keyBuffers);
    values = take(keyBlockBytes * s.keyBuffers);
    scoreAcc = take(uint64_t(r) * s.keyBlock * 4);
    scores = take(uint64_t(r) * s.paddedKeys() * 4);
    probs = take(uint64_t(r) * s.paddedKeys() * 2);
    rowMax = take(uint64_t(r) * 4);
    rowSum = take(uint64_t(r) * 4);
    partialMax = take(uint64_t(r) * s.blocks() * 4);
    partialSum = take(uint64_t(r) * s.blocks() * 4);
    acc = take(uint64_t(r) * d * 4);
    out = take(uint64_t(r) * d * 2);
    total = at;
  }
};

} // namespace gaon::npu

#endif // GAON_COMPILER_NPU_ATTENTIONLAYOUT_H

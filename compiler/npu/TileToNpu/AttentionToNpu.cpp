//===- AttentionToNpu.cpp - tile.attention to instructions ----------------===//
//
// Per (batch row, kv head): the new keys (rotated) and values go to the
// cache at the run-time position; then per query tile, the grouped query
// heads (rotated) meet the cached keys block by block on the matrix
// engine, keys read as a transposed B. A block is loaded and multiplied
// only when the position says it holds a visible key (a guard), so a
// decode step reads the cache it has, not the cache it could have. The
// vector engine masks (causal, sliding window) at the position, takes the
// softmax, and normalizes the value sums.
//
//===----------------------------------------------------------------------===//

#include "compiler/npu/AttentionLayout.h"
#include "compiler/npu/TileToNpu/SegmentLowering.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace gaon::npu {

void SegmentLowering::lowerAttention(tile::AttentionOp op) {
  const DevTensor &qT = dev(op.getQAttr()), &kT = dev(op.getKAttr()),
                  &vT = dev(op.getVAttr()), &oT = dev(op.getOutAttr()),
                  &kc = dev(op.getKCacheAttr()), &vc = dev(op.getVCacheAttr());
  int64_t batch = op.getBatch(), seq = op.getSeq(), heads = op.getHeads(),
          kvHeads = op.getKvHeads(), d = op.getHeadDim(), m = op.getMaxLen(),
          rotary = op.getRotary(), window = op.getWindow();
  (void)batch;
  AttentionSizes s{seq,   heads / kvHeads,  d,
                   rotary, m,               op.getKeyBlock(),
                   op.getQueryTile(), op.getKeyBuffers()};
  AttentionLayout lay(s);
  uint64_t base = uint64_t(op.getSram());
  auto at = [&](uint64_t offset) { return base + offset; };
  int64_t g = s.group, t = s.keyBlock, keys = s.paddedKeys(),
          half = rotary / 2;
  int64_t qRow = heads * d * 2, kvRow = kvHeads * d * 2;
  // Positions the program runs at: [0, m - seq]. A guard that holds for
  // all of them is left out.
  const int64_t lastPosition = m - seq;
  Emitter &e = *current;

  auto load = [&](const DmaDesc &desc, uint64_t sram, uint64_t bytes,
                  int32_t guardParam = -1, int64_t lo = 0, int64_t hi = 0) {
    e.access(Engine::Load, {dramRange(desc, false), sramRange(sram, bytes, true)});
    Instruction in;
    in.opcode = Opcode::DmaLoad;
    in.dma = desc;
    in.guardParam = guardParam;
    in.guardMin = lo;
    in.guardMax = hi;
    e.push(Engine::Load, in);
    e.endStep(Engine::Load);
  };
  auto vec = [&](VecOp vop, uint64_t a, int64_t aStride, uint64_t y,
                 int64_t yStride, uint64_t n, uint32_t outer,
                 ElemType type = ElemType::F32) {
    VectorDesc v;
    v.op = vop;
    v.type = type;
    v.n = n;
    v.a = a;
    v.aStride = aStride;
    v.y = y;
    v.yStride = yStride;
    v.outer = outer;
    return v;
  };
  auto withB = [](VectorDesc v, uint64_t b, int64_t bStride, uint32_t step) {
    v.b = b;
    v.bStride = bStride;
    v.bStep = step;
    return v;
  };
  // Rotates x (f32, `outer` rows of `inner` heads, rows `pitch` apart and
  // heads `d * 4`) by the cos and sin rows (one per outer row, `rotary`
  // wide): y1 = x1 cos1 - x2 sin1, y2 = x2 cos2 + x1 sin2, as the CPU
  // kernel computes them.
  auto rotate = [&](uint64_t x, uint32_t outer, uint32_t inner,
                    int64_t pitch, uint64_t cos, uint64_t sin) {
    int64_t cRow = rotary * 4, tRow = int64_t(inner) * half * 4;
    auto rows = [&](VectorDesc v, int64_t aInner, int64_t bInner,
                    int64_t yInner) {
      v.inner = inner;
      v.aInnerStride = aInner;
      v.bInnerStride = bInner;
      v.yInnerStride = yInner;
      return v;
    };
    uint64_t t0 = at(lay.temp0), t1 = at(lay.temp1);
    uint64_t x1 = x, x2 = x + half * 4;
    // t0 = x2 * sin1, t1 = x1 * sin2
    e.vector(rows(withB(vec(VecOp::Mul, x2, pitch, t0, tRow, half, outer), sin,
                        cRow, 1),
                  d * 4, 0, half * 4));
    e.vector(rows(withB(vec(VecOp::Mul, x1, pitch, t1, tRow, half, outer),
                        sin + half * 4, cRow, 1),
                  d * 4, 0, half * 4));
    // x1 = x1 * cos1 - t0, x2 = x2 * cos2 + t1
    e.vector(rows(withB(vec(VecOp::Mul, x1, pitch, x1, pitch, half, outer), cos,
                        cRow, 1),
                  d * 4, 0, d * 4));
    e.vector(rows(withB(vec(VecOp::Mul, x2, pitch, x2, pitch, half, outer),
                        cos + half * 4, cRow, 1),
                  d * 4, 0, d * 4));
    e.vector(rows(withB(vec(VecOp::Sub, x1, pitch, x1, pitch, half, outer), t0,
                        tRow, 1),
                  d * 4, half * 4, d * 4));
    e.vector(rows(withB(vec(VecOp::Add, x2, pitch, x2, pitch, half, outer), t1,
                        tRow, 1),
                  d * 4, half * 4, d * 4));
  };

  // Rotates bf16 rows in place through their f32 copy: `outer` tokens
  // (cos and sin rows first .. first + outer - 1) of `inner` heads each.
  auto rotateInPlace = [&](uint64_t bf16, uint64_t f32, uint32_t outer,
                           uint32_t inner, int64_t first) {
    uint64_t rows = uint64_t(outer) * inner;
    e.access(Engine::Vector,
             {sramRange(bf16, rows * d * 2, true),
              sramRange(f32, rows * d * 4, true),
              sramRange(at(lay.cos), uint64_t(seq) * rotary * 4, false),
              sramRange(at(lay.sin), uint64_t(seq) * rotary * 4, false),
              sramRange(at(lay.temp0), rows * half * 4, true),
              sramRange(at(lay.temp1), rows * half * 4, true)});
    e.vector(vec(VecOp::ToF32, bf16, 0, f32, 0, rows * d, 1, ElemType::BF16));
    rotate(f32, outer, inner, int64_t(inner) * d * 4,
           at(lay.cos) + uint64_t(first) * rotary * 4,
           at(lay.sin) + uint64_t(first) * rotary * 4);
    e.vector(vec(VecOp::ToBf16, f32, 0, bf16, 0, rows * d, 1));
    e.endStep(Engine::Vector);
  };

  ArrayRef<int64_t> items = op.getItems();
  for (int64_t item = items[0]; item < items[1]; ++item) {
    int64_t b = item / kvHeads, h = item % kvHeads;
    int32_t param = int32_t(op.getPositionParam() + b);
    uint64_t slabBytes = uint64_t(m) * d * 2;
    uint64_t kSlab = kc.base + uint64_t(b * kvHeads + h) * slabBytes;
    uint64_t vSlab = vc.base + uint64_t(b * kvHeads + h) * slabBytes;
    uint64_t newBytes = uint64_t(seq) * d * 2;
    // This core alone writes these slabs: their reads need no barrier.
    e.addUnsharedRange(kSlab, kSlab + slabBytes);
    e.addUnsharedRange(vSlab, vSlab + slabBytes);
    // With one query tile and a buffer for every block (a decode step),
    // the blocks cached before this step load first, while the new keys
    // are computed and the previous op finishes on other cores; only the
    // block that receives the new entries loads after they are written.
    // Each block has both loads, guarded so that one of them runs.
    bool early = s.queryTile >= seq && s.keyBuffers >= s.blocks();
    auto blockGuard = [&](int64_t j, int64_t &lo, int64_t &hi) {
      int64_t nj = std::min(t, m - j * t);
      lo = j * t - (seq - 1);
      hi = window ? j * t + nj - 2 + window
                  : std::numeric_limits<int64_t>::max();
    };
    if (early)
      for (bool values : {false, true})
        for (int64_t j = 0; j < s.blocks(); ++j) {
          int64_t nj = std::min(t, m - j * t), lo, hi;
          blockGuard(j, lo, hi);
          lo = std::max(lo, j * t + nj); // wholly before the new entries
          if (lo > hi || lo > lastPosition)
            continue;
          uint64_t buf = uint64_t(j) * lay.keyBlockBytes;
          uint64_t to = at(values ? lay.values : lay.keys) + buf;
          uint64_t bytes = uint64_t(nj) * d * 2;
          load(dmaFlat((values ? vSlab : kSlab) + uint64_t(j * t) * d * 2, to,
                       bytes),
               to, bytes, param, lo, hi);
        }

    // This row's cos and sin rows, then the new keys, rotated.
    if (rotary && op.getCosTable()) {
      // Rows p .. p + seq - 1 of the tables: a DMA at the position.
      uint64_t bytes = uint64_t(seq) * rotary * 4;
      for (auto [table, sram] : {std::pair{uint64_t(*op.getCosTable()), at(lay.cos)},
                                 std::pair{uint64_t(*op.getSinTable()), at(lay.sin)}}) {
        DmaDesc rows = dmaFlat(table, sram, bytes);
        rows.dramParam = param;
        rows.dramParamStride = rotary * 4;
        e.access(Engine::Load,
                 {Access{kDramSpace, table, table + uint64_t(m) * rotary * 4,
                         false},
                  sramRange(sram, bytes, true)});
        e.dma(true, rows);
        e.endStep(Engine::Load);
      }
    } else if (rotary) {
      const DevTensor &cosT = dev(op.getCosAttr()), &sinT = dev(op.getSinAttr());
      int64_t first = op.getCosRows() == seq ? 0 : b * seq;
      uint64_t bytes = uint64_t(seq) * rotary * 4;
      load(dmaFlat(cosT.base + uint64_t(first) * rotary * 4, at(lay.cos), bytes),
           at(lay.cos), bytes);
      load(dmaFlat(sinT.base + uint64_t(first) * rotary * 4, at(lay.sin), bytes),
           at(lay.sin), bytes);
    }
    DmaDesc kIn = dma3(kT.base + uint64_t(b * seq) * kvRow + uint64_t(h) * d * 2,
                       at(lay.keyNew), seq, 1, d, kvRow, 0, d * 2, 0);
    load(kIn, at(lay.keyNew), newBytes);
    if (rotary)
      rotateInPlace(at(lay.keyNew), at(lay.keyF32), uint32_t(seq), 1, 0);
    // The new keys and values go to the cache at the run-time position.
    auto toCache = [&](uint64_t sram, uint64_t slab) {
      DmaDesc out = dma3(slab, sram, seq, 1, d, d * 2, 0, d * 2, 0);
      out.dramParam = param;
      out.dramParamStride = d * 2;
      e.access(Engine::Store, {sramRange(sram, newBytes, false),
                               Access{kDramSpace, slab, slab + slabBytes, true}});
      e.dma(false, out);
      e.endStep(Engine::Store);
    };
    toCache(at(lay.keyNew), kSlab);
    DmaDesc vIn = dma3(vT.base + uint64_t(b * seq) * kvRow + uint64_t(h) * d * 2,
                       at(lay.valueNew), seq, 1, d, kvRow, 0, d * 2, 0);
    load(vIn, at(lay.valueNew), newBytes);
    toCache(at(lay.valueNew), vSlab);

    for (int64_t s0 = 0; s0 < seq; s0 += s.queryTile) {
      int64_t sq = std::min(s.queryTile, seq - s0), rows = sq * g;
      uint64_t qBytes = uint64_t(rows) * d * 2;
      // The grouped query heads of tokens s0 .. s0 + sq - 1: rows (token,
      // head), read in place from the projection's rows.
      DmaDesc qIn;
      qIn.dram = qT.base + uint64_t((b * seq + s0) * heads + h * g) * d * 2;
      qIn.sram = at(lay.query);
      qIn.elemBytes = 2;
      qIn.sizes = {1, uint32_t(sq), uint32_t(g), uint32_t(d)};
      qIn.dramStrides = {0, qRow, d * 2, 2};
      qIn.sramStrides = {0, g * d * 2, d * 2, 2};
      load(qIn, at(lay.query), qBytes);
      if (rotary) {
        rotateInPlace(at(lay.query), at(lay.queryF32), uint32_t(sq),
                      uint32_t(g), s0);
      }

      // Scores, block by block. Block j is needed when some query of the
      // tile (positions p + s0 .. p + s0 + sq - 1) sees one of its keys.
      uint64_t scoreRow = uint64_t(keys) * 4, probRow = uint64_t(keys) * 2;
      auto guardOf = [&](int64_t j, int64_t nj, int64_t &lo, int64_t &hi) {
        lo = j * t - (s0 + sq - 1);
        hi = window ? j * t + nj - 2 - s0 + window
                    : std::numeric_limits<int64_t>::max();
        return lo > 0 || hi < lastPosition ? param : -1;
      };
      // The loads after the new entries: every needed block, or (with the
      // early loads) only a block the new entries fall in.
      auto lateGuard = [&](int64_t j, int64_t nj, int64_t &lo, int64_t &hi) {
        int32_t guard = guardOf(j, nj, lo, hi);
        if (!early)
          return guard;
        hi = std::min(hi, j * t + nj - 1);
        return param;
      };
      for (int64_t j = 0; j < s.blocks(); ++j) {
        int64_t nj = std::min(t, m - j * t), lo, hi;
        uint64_t buf = uint64_t(j % s.keyBuffers) * lay.keyBlockBytes;
        uint64_t blockBytes = uint64_t(nj) * d * 2;
        int32_t late = lateGuard(j, nj, lo, hi);
        if (lo <= hi)
          load(dmaFlat(kSlab + uint64_t(j * t) * d * 2, at(lay.keys) + buf,
                       blockBytes),
               at(lay.keys) + buf, blockBytes, late, lo, hi);
        int32_t guard = guardOf(j, nj, lo, hi);
        Instruction mm;
        mm.opcode = Opcode::MatMul;
        mm.guardParam = guard;
        mm.guardMin = lo;
        mm.guardMax = hi;
        MatMulDesc &q = mm.mm;
        q.mode = MatMode::BF16xBF16;
        q.m = uint32_t(rows);
        q.n = uint32_t(nj);
        q.k = uint32_t(d);
        q.a = at(lay.query);
        q.aOuter = 1;
        q.aInner = uint32_t(rows);
        q.aInnerStride = d * 2;
        q.b = at(lay.keys) + buf;
        q.bRowStride = d * 2;
        q.bTransposed = true;
        q.c = at(lay.scoreAcc);
        q.cRowStride = t * 4;
        q.store = true;
        q.outType = ElemType::F32;
        q.out = at(lay.scores) + uint64_t(j * t) * 4;
        q.outRowStride = int64_t(scoreRow);
        q.scale = op.getScale().convertToFloat();
        e.access(Engine::Matrix,
                 {sramRange(at(lay.query), qBytes, false),
                  sramRange(at(lay.keys) + buf, blockBytes, false),
                  sramRange(at(lay.scoreAcc), uint64_t(rows) * t * 4, true),
                  sramRange(q.out, (rows - 1) * scoreRow + uint64_t(nj) * 4,
                            true)});
        e.push(Engine::Matrix, mm);
        e.endStep(Engine::Matrix);
      }

      // The values stream while the scores are made (after every key, so
      // the matrix engine never waits for a value block it does not need
      // yet).
      for (int64_t j = 0; j < s.blocks(); ++j) {
        int64_t nj = std::min(t, m - j * t), lo, hi;
        int32_t guard = lateGuard(j, nj, lo, hi);
        uint64_t buf = uint64_t(j % s.keyBuffers) * lay.keyBlockBytes;
        uint64_t blockBytes = uint64_t(nj) * d * 2;
        if (lo <= hi)
          load(dmaFlat(vSlab + uint64_t(j * t) * d * 2, at(lay.values) + buf,
                       blockBytes),
               at(lay.values) + buf, blockBytes, guard, lo, hi);
      }

      // Mask at the position, softmax (unnormalized: the sums divide the
      // output), probabilities to bf16 for the matrix engine; block by
      // block under the same guards, so the vector work follows the keys
      // cached, not the cache's size. Each needed block leaves its row
      // maxima and sums in a column of partials (-inf and 0 elsewhere).
      uint64_t scoreBytes = uint64_t(rows) * scoreRow;
      int64_t nb = s.blocks(), partialRow = nb * 4;
      e.access(Engine::Vector,
               {sramRange(at(lay.scores), scoreBytes, true),
                sramRange(at(lay.rowMax), uint64_t(rows) * 4, true),
                sramRange(at(lay.rowSum), uint64_t(rows) * 4, true),
                sramRange(at(lay.partialMax), uint64_t(rows) * partialRow,
                          true),
                sramRange(at(lay.partialSum), uint64_t(rows) * partialRow,
                          true),
                sramRange(at(lay.probs), uint64_t(rows) * probRow, true),
                sramRange(at(lay.acc), uint64_t(rows) * d * 4, true)});
      auto guarded = [&](VectorDesc v, int32_t guard, int64_t lo, int64_t hi) {
        Instruction in;
        in.opcode = Opcode::Vector;
        in.vec = v;
        in.guardParam = guard;
        in.guardMin = lo;
        in.guardMax = hi;
        e.push(Engine::Vector, in);
      };
      auto fill = [&](uint64_t y, uint64_t n, float value) {
        VectorDesc v = vec(VecOp::Fill, 0, 0, y, 0, n, 1);
        v.scale = value;
        e.vector(v);
      };
      fill(at(lay.partialMax), uint64_t(rows) * nb, -INFINITY);
      fill(at(lay.partialSum), uint64_t(rows) * nb, 0.0f);
      for (int64_t j = 0; j < nb; ++j) {
        int64_t nj = std::min(t, m - j * t), lo, hi;
        int32_t guard = guardOf(j, nj, lo, hi);
        uint64_t block = at(lay.scores) + uint64_t(j * t) * 4;
        VectorDesc mask = vec(VecOp::Mask, block, g * scoreRow, block,
                              g * scoreRow, nj, uint32_t(sq));
        mask.inner = uint32_t(g);
        mask.aInnerStride = mask.yInnerStride = int64_t(scoreRow);
        mask.maskParam = param;
        mask.queryBase = s0;
        mask.keyBase = j * t;
        mask.window = uint32_t(window);
        // Without a window, a block every query of the tile sees whole
        // (p + s0 >= its last key) needs no mask.
        int64_t maskHi = window ? hi : std::min(hi, j * t + nj - 2 - s0);
        if (maskHi >= std::max<int64_t>(lo, 0))
          guarded(mask, param, lo, maskHi);
        guarded(vec(VecOp::RowMax, block, scoreRow,
                    at(lay.partialMax) + uint64_t(j) * 4, partialRow, nj,
                    uint32_t(rows)),
                guard, lo, hi);
      }
      e.vector(vec(VecOp::RowMax, at(lay.partialMax), partialRow,
                   at(lay.rowMax), 4, nb, uint32_t(rows)));
      for (int64_t j = 0; j < nb; ++j) {
        int64_t nj = std::min(t, m - j * t), lo, hi;
        int32_t guard = guardOf(j, nj, lo, hi);
        uint64_t block = at(lay.scores) + uint64_t(j * t) * 4;
        guarded(withB(vec(VecOp::Sub, block, scoreRow, block, scoreRow, nj,
                          uint32_t(rows)),
                      at(lay.rowMax), 4, 0),
                guard, lo, hi);
        guarded(vec(VecOp::Exp, block, scoreRow, block, scoreRow, nj,
                    uint32_t(rows)),
                guard, lo, hi);
        guarded(vec(VecOp::RowSum, block, scoreRow,
                    at(lay.partialSum) + uint64_t(j) * 4, partialRow, nj,
                    uint32_t(rows)),
                guard, lo, hi);
        guarded(vec(VecOp::ToBf16, block, scoreRow,
                    at(lay.probs) + uint64_t(j * t) * 2, probRow, nj,
                    uint32_t(rows)),
                guard, lo, hi);
      }
      e.vector(vec(VecOp::RowSum, at(lay.partialSum), partialRow,
                   at(lay.rowSum), 4, nb, uint32_t(rows)));
      fill(at(lay.acc), uint64_t(rows) * d, 0.0f);
      e.endStep(Engine::Vector);

      // Values, block by block, into the f32 sums.
      for (int64_t j = 0; j < s.blocks(); ++j) {
        int64_t nj = std::min(t, m - j * t), lo, hi;
        int32_t guard = guardOf(j, nj, lo, hi);
        uint64_t buf = uint64_t(j % s.keyBuffers) * lay.keyBlockBytes;
        Instruction mm;
        mm.opcode = Opcode::MatMul;
        mm.guardParam = guard;
        mm.guardMin = lo;
        mm.guardMax = hi;
        MatMulDesc &pv = mm.mm;
        pv.mode = MatMode::BF16xBF16;
        pv.m = uint32_t(rows);
        pv.n = uint32_t(d);
        pv.k = uint32_t(nj);
        pv.a = at(lay.probs) + uint64_t(j * t) * 2;
        pv.aOuter = 1;
        pv.aInner = uint32_t(rows);
        pv.aInnerStride = int64_t(probRow);
        pv.b = at(lay.values) + buf;
        pv.bRowStride = d * 2;
        pv.c = at(lay.acc);
        pv.cRowStride = d * 4;
        pv.accumulate = true;
        e.access(Engine::Matrix,
                 {sramRange(pv.a, (rows - 1) * probRow + uint64_t(nj) * 2,
                            false),
                  sramRange(at(lay.values) + buf, uint64_t(nj) * d * 2, false),
                  sramRange(at(lay.acc), uint64_t(rows) * d * 4, true)});
        e.push(Engine::Matrix, mm);
        e.endStep(Engine::Matrix);
      }

      // Normalize, round, and store the rows back among the heads.
      e.access(Engine::Vector,
               {sramRange(at(lay.acc), uint64_t(rows) * d * 4, true),
                sramRange(at(lay.rowSum), uint64_t(rows) * 4, true),
                sramRange(at(lay.out), qBytes, true)});
      e.vector(vec(VecOp::Recip, at(lay.rowSum), 0, at(lay.rowSum), 0,
                   uint64_t(rows), 1));
      e.vector(withB(vec(VecOp::Mul, at(lay.acc), d * 4, at(lay.acc), d * 4, d,
                         uint32_t(rows)),
                     at(lay.rowSum), 4, 0));
      e.vector(vec(VecOp::ToBf16, at(lay.acc), 0, at(lay.out), 0,
                   uint64_t(rows) * d, 1));
      e.endStep(Engine::Vector);
      DmaDesc out = qIn;
      out.dram = oT.base + uint64_t((b * seq + s0) * heads + h * g) * d * 2;
      out.sram = at(lay.out);
      e.access(Engine::Store,
               {sramRange(at(lay.out), qBytes, false), dramRange(out, true)});
      e.dma(false, out);
      e.endStep(Engine::Store);
    }
  }
}

} // namespace gaon::npu

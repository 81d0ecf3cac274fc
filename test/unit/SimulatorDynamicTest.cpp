//===- SimulatorDynamicTest.cpp - run-time parameters on the simulator ----===//
//
// Format version 7's instructions for decoders: guards and DMA offsets read
// run-time parameters (a position), mask and fill on the vector engine,
// two-level vector rows, a transposed B; and the matmul's weight-tile load
// for short A (a decode step), each against a closed form or a plain loop.
//
//===----------------------------------------------------------------------===//

#include "targets/common/HalfFloat.h"
#include "targets/npu/isa/Validate.h"
#include "targets/npu/sim/Simulator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

using namespace gaon::npu;

namespace {

Program oneCore() {
  Program p;
  p.cores = 1;
  p.queues.resize(1);
  p.tags = {"node"};
  return p;
}

Instruction dma(bool loadIt, uint64_t dram, uint64_t sram, uint32_t bytes) {
  Instruction in;
  in.opcode = loadIt ? Opcode::DmaLoad : Opcode::DmaStore;
  in.engine = loadIt ? Engine::Load : Engine::Store;
  in.dma.dram = dram;
  in.dma.sram = sram;
  in.dma.sizes = {1, 1, 1, bytes};
  in.dma.dramStrides = {0, 0, 0, 1};
  in.dma.sramStrides = {0, 0, 0, 1};
  return in;
}

Instruction sync(Opcode op, uint32_t sem, uint32_t value, Engine e) {
  Instruction in;
  in.opcode = op;
  in.engine = e;
  in.semaphore = sem;
  in.value = value;
  return in;
}

Instruction vec(VecOp op, ElemType type, uint64_t n, uint64_t a, uint64_t y) {
  Instruction in;
  in.opcode = Opcode::Vector;
  in.engine = Engine::Vector;
  in.vec.op = op;
  in.vec.type = type;
  in.vec.n = n;
  in.vec.a = a;
  in.vec.y = y;
  return in;
}

/// load (DRAM 0 -> SRAM 0, `in` bytes), `body` on the vector engine, store
/// (SRAM `outAt` -> DRAM `outAt`, `out` bytes).
Program loadComputeStore(uint32_t in, std::vector<Instruction> body,
                         uint64_t outAt, uint32_t out, uint64_t dramBytes) {
  Program p = oneCore();
  p.dramBytes = dramBytes;
  p.queues[0][0] = {dma(true, 0, 0, in),
                    sync(Opcode::Signal, 0, 0, Engine::Load)};
  p.queues[0][3].push_back(sync(Opcode::Wait, 0, 1, Engine::Vector));
  for (Instruction &i : body)
    p.queues[0][3].push_back(i);
  p.queues[0][3].push_back(sync(Opcode::Signal, 3, 0, Engine::Vector));
  p.queues[0][1] = {sync(Opcode::Wait, 3, 1, Engine::Store),
                    dma(false, outAt, outAt, out)};
  return p;
}

float f32At(const std::vector<uint8_t> &m, uint64_t at) {
  float f;
  std::memcpy(&f, m.data() + at, 4);
  return f;
}

} // namespace

// A matmul of few rows cannot stream weight tiles faster than they load
// (a bf16 row of the array, 2 * cols bytes, per cycle): a decode step's 4 rows against 2 tiles of
// 128 x 128 cost 2 x 128 cycles plus the fill, not 2 x 8.
TEST(SimulatorDynamic, ShortMatMulsPayForWeightTileLoads) {
  NpuConfig edge = edgeNpuConfig();
  Simulator sim(edge);
  MatMulDesc mm;
  mm.mode = MatMode::BF16xBF16;
  mm.m = 4;
  mm.n = 256;
  mm.k = 128;
  mm.aInner = 4;
  EXPECT_DOUBLE_EQ(sim.matMulCycles(mm), 2 * 128 + 128 + 128);
  mm.n = 64; // a narrow tile loads in proportion: 128 x 64 / 128
  EXPECT_DOUBLE_EQ(sim.matMulCycles(mm), 64 + 128 + 128);
  mm.m = 1000; // long A: streaming dominates, as before
  mm.n = 256;
  EXPECT_DOUBLE_EQ(sim.matMulCycles(mm), 2 * 1000 / 0.5 + 128 + 128);
  // 4-bit weights pass the port four to a bf16's width: 128 x 64 x 0.5
  // bytes over 256 bytes a cycle.
  mm.mode = MatMode::BF16xI4;
  mm.group = 128;
  mm.m = 1;
  mm.n = 64;
  EXPECT_DOUBLE_EQ(sim.matMulCycles(mm), 16 + 128 + 128);
}

// A guard runs an instruction only when its parameter lies in range; a
// DMA's DRAM offset moves by parameter x stride. Rows 0..3 of a table in
// DRAM: the load reads row params[0], the store writes it to slot
// params[1] of an output array; the guarded copy runs only for params[0]
// in [2, 3].
TEST(SimulatorDynamic, GuardsAndDmaOffsetsFollowParameters) {
  NpuConfig edge = edgeNpuConfig();
  const uint32_t row = 64;
  auto build = [&]() {
    Program p = oneCore();
    p.params = 2;
    p.dramBytes = 8 * row;
    Instruction in = dma(true, 0, 0, row);
    in.dma.dramParam = 0;
    in.dma.dramParamStride = row;
    p.queues[0][0] = {in, sync(Opcode::Signal, 0, 0, Engine::Load)};
    Instruction fill = vec(VecOp::Fill, ElemType::F32, row / 4, 0, 0);
    fill.vec.scale = 7.0f;
    fill.guardParam = 0;
    fill.guardMin = 2;
    fill.guardMax = 3;
    p.queues[0][3] = {sync(Opcode::Wait, 0, 1, Engine::Vector), fill,
                      sync(Opcode::Signal, 3, 0, Engine::Vector)};
    Instruction out = dma(false, 4 * row, 0, row);
    out.dma.dramParam = 1;
    out.dma.dramParamStride = row;
    p.queues[0][1] = {sync(Opcode::Wait, 3, 1, Engine::Store), out};
    return p;
  };
  for (int64_t source : {0, 1, 2, 3}) {
    std::vector<uint8_t> dram(8 * row, 0);
    for (uint32_t r = 0; r < 4; ++r)
      for (uint32_t i = 0; i < row / 4; ++i) {
        float v = float(r * 100 + i);
        std::memcpy(&dram[r * row + 4 * i], &v, 4);
      }
    Simulator sim(edge);
    SimResult result;
    ASSERT_EQ(sim.run(build(), dram, result, {source, 3 - source}), "");
    uint64_t slot = 4 * row + uint64_t(3 - source) * row;
    for (uint32_t i = 0; i < row / 4; ++i)
      ASSERT_EQ(f32At(dram, slot + 4 * i),
                source >= 2 ? 7.0f : float(source * 100 + i))
          << source << " " << i;
    // A skipped instruction takes one cycle of its queue: wait, fill or
    // not, signal.
    double fillCycles = Simulator(edge).vectorCycles(build().queues[0][3][1].vec);
    EXPECT_DOUBLE_EQ(result.busyCycles[0][3], 2 + (source >= 2 ? fillCycles : 1));
  }
  // Too few parameters, or an offset outside DRAM, is refused.
  std::vector<uint8_t> dram(8 * row, 0);
  Simulator sim(edge);
  SimResult result;
  EXPECT_NE(sim.run(build(), dram, result, {1}).find("2 run-time parameters"),
            std::string::npos);
  EXPECT_NE(sim.run(build(), dram, result, {9, 0}).find("lies outside DRAM"),
            std::string::npos);
  EXPECT_NE(sim.run(build(), dram, result, {-1, 0}).find("lies outside DRAM"),
            std::string::npos);
}

// mask: key i + key_base is visible to query q = params[p] + query_base + o
// when it is at most q and, with a window, above q - window; inner rows (a
// query's grouped heads) share their outer row's query.
TEST(SimulatorDynamic, MaskIsCausalWithAWindowPerOuterRow) {
  NpuConfig edge = edgeNpuConfig();
  const uint32_t n = 12, outer = 3, inner = 2;
  const uint64_t rowBytes = 4 * n, yAt = 4096;
  for (uint32_t window : {0u, 4u}) {
    std::vector<uint8_t> dram(8192, 0);
    for (uint32_t r = 0; r < outer * inner; ++r)
      for (uint32_t i = 0; i < n; ++i) {
        float v = float(r * 100 + i);
        std::memcpy(&dram[r * rowBytes + 4 * i], &v, 4);
      }
    Instruction m = vec(VecOp::Mask, ElemType::F32, n, 0, yAt);
    m.vec.outer = outer;
    m.vec.inner = inner;
    m.vec.aStride = m.vec.yStride = inner * rowBytes;
    m.vec.aInnerStride = m.vec.yInnerStride = rowBytes;
    m.vec.maskParam = 0;
    m.vec.keyBase = 8;   // the row holds keys 8..19
    m.vec.queryBase = 2; // queries params[0] + 2 + o
    m.vec.window = window;
    Program p = loadComputeStore(uint32_t(outer * inner * rowBytes), {m}, yAt,
                                 uint32_t(outer * inner * rowBytes),
                                 dram.size());
    p.params = 1;
    Simulator sim(edge);
    SimResult result;
    ASSERT_EQ(sim.run(p, dram, result, {10}), "");
    for (uint32_t o = 0; o < outer; ++o)
      for (uint32_t j = 0; j < inner; ++j)
        for (uint32_t i = 0; i < n; ++i) {
          int64_t q = 10 + 2 + o, k = 8 + i;
          bool visible = k <= q && (window == 0 || k > q - int64_t(window));
          uint32_t r = o * inner + j;
          float got = f32At(dram, yAt + r * rowBytes + 4 * i);
          if (visible)
            ASSERT_EQ(got, float(r * 100 + i)) << window << o << j << i;
          else
            ASSERT_TRUE(std::isinf(got) && got < 0) << window << o << j << i;
        }
    // Costed as an f32 elementwise pass over every row.
    EXPECT_DOUBLE_EQ(sim.vectorCycles(m.vec),
                     outer * inner * std::ceil(double(n) / edge.vectorLanes) +
                         16);
  }
}

// bf16 x bf16 with B given as N rows of K: the same sums as B row-major.
TEST(SimulatorDynamic, TransposedBMatchesRowMajorB) {
  NpuConfig edge = edgeNpuConfig();
  const uint32_t m = 5, n = 7, k = 40;
  std::vector<uint16_t> a(m * k), bt(n * k);
  for (uint32_t i = 0; i < a.size(); ++i)
    a[i] = gaon::floatToBf16(float(int(i % 11) - 5) * 0.25f);
  for (uint32_t i = 0; i < bt.size(); ++i)
    bt[i] = gaon::floatToBf16(float(int(i % 7) - 3) * 0.5f);
  const uint64_t aAt = 0, bAt = 1024, cAt = 4096;
  std::vector<uint8_t> dram(8192, 0);
  std::memcpy(&dram[aAt], a.data(), 2 * a.size());
  std::memcpy(&dram[bAt], bt.data(), 2 * bt.size());
  Instruction mm;
  mm.opcode = Opcode::MatMul;
  mm.engine = Engine::Matrix;
  mm.mm.mode = MatMode::BF16xBF16;
  mm.mm.m = m;
  mm.mm.n = n;
  mm.mm.k = k;
  mm.mm.a = aAt;
  mm.mm.aInner = m;
  mm.mm.aInnerStride = 2 * k;
  mm.mm.b = bAt;
  mm.mm.bRowStride = 2 * k;
  mm.mm.bTransposed = true;
  mm.mm.c = cAt;
  mm.mm.cRowStride = 4 * n;
  Program p = oneCore();
  p.dramBytes = dram.size();
  p.queues[0][0] = {dma(true, 0, 0, 4096),
                    sync(Opcode::Signal, 0, 0, Engine::Load)};
  p.queues[0][2] = {sync(Opcode::Wait, 0, 1, Engine::Matrix), mm,
                    sync(Opcode::Signal, 2, 0, Engine::Matrix)};
  p.queues[0][1] = {sync(Opcode::Wait, 2, 1, Engine::Store),
                    dma(false, cAt, cAt, 4 * m * n)};
  Simulator sim(edge);
  SimResult result;
  ASSERT_EQ(sim.run(p, dram, result), "");
  for (uint32_t i = 0; i < m; ++i)
    for (uint32_t j = 0; j < n; ++j) {
      float want = 0;
      for (uint32_t q = 0; q < k; ++q)
        want += gaon::bf16ToFloat(a[i * k + q]) *
                gaon::bf16ToFloat(bt[j * k + q]);
      ASSERT_EQ(f32At(dram, cAt + 4 * (i * n + j)), want) << i << "," << j;
    }
}

// The new fields' rules, shared by the dialect, the loader and the
// simulator.
TEST(SimulatorDynamic, MalformedDynamicInstructionsAreRefused) {
  Instruction s = sync(Opcode::Signal, 0, 0, Engine::Load);
  s.guardParam = 0;
  EXPECT_NE(validateInstruction(s).find("cannot be guarded"), std::string::npos);
  Instruction v = vec(VecOp::Mask, ElemType::F32, 4, 0, 0);
  EXPECT_NE(validateInstruction(v).find("mask_param"), std::string::npos);
  v.vec.maskParam = 3;
  EXPECT_EQ(validateInstruction(v), "");
  EXPECT_NE(validateParams(v, 2).find("parameter 3"), std::string::npos);
  Instruction g = vec(VecOp::Fill, ElemType::I32, 4, 0, 0);
  EXPECT_NE(validateInstruction(g).find("f32 or bf16"), std::string::npos);
  Instruction d = dma(true, 0, 0, 64);
  d.guardParam = 0;
  d.guardMin = 5;
  d.guardMax = 4;
  EXPECT_NE(validateInstruction(d).find("never run"), std::string::npos);
  Instruction mm;
  mm.opcode = Opcode::MatMul;
  mm.engine = Engine::Matrix;
  mm.mm.mode = MatMode::I8xI8;
  mm.mm.m = mm.mm.n = mm.mm.k = 1;
  mm.mm.aInner = 1;
  mm.mm.bTransposed = true;
  EXPECT_NE(validateInstruction(mm).find("transposed B"), std::string::npos);
}

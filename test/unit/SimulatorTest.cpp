//===- SimulatorTest.cpp - the NPU simulator against closed forms ---------===//
//
// Hand-written programs whose time docs/npu.md's cost model gives in closed
// form, whose results a plain loop gives, and whose mistakes (races,
// deadlocks, bad addresses) the simulator must refuse.
//
//===----------------------------------------------------------------------===//

#include "targets/npu/Requantize.h"
#include "targets/npu/sim/Simulator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

using namespace gaon::npu;

namespace {

Program emptyProgram(int cores) {
  Program p;
  p.cores = cores;
  p.queues.resize(cores);
  p.tags = {"node"};
  return p;
}

Instruction load(uint64_t dram, uint64_t sram, uint32_t bytes) {
  Instruction in;
  in.opcode = Opcode::DmaLoad;
  in.engine = Engine::Load;
  in.dma.dram = dram;
  in.dma.sram = sram;
  in.dma.sizes = {1, 1, 1, bytes};
  in.dma.dramStrides = {0, 0, 0, 1};
  in.dma.sramStrides = {0, 0, 0, 1};
  return in;
}

Instruction storeOut(uint64_t sram, uint64_t dram, uint32_t bytes) {
  Instruction in = load(dram, sram, bytes);
  in.opcode = Opcode::DmaStore;
  in.engine = Engine::Store;
  return in;
}

Instruction signal(uint32_t sem, uint32_t core, Engine engine) {
  Instruction in;
  in.opcode = Opcode::Signal;
  in.engine = engine;
  in.semaphore = sem;
  in.core = core;
  return in;
}

Instruction wait(uint32_t sem, uint32_t value, Engine engine) {
  Instruction in;
  in.opcode = Opcode::Wait;
  in.engine = engine;
  in.semaphore = sem;
  in.value = value;
  return in;
}

Instruction matmul(MatMode mode, uint32_t m, uint32_t n, uint32_t k,
                   uint64_t a, uint64_t b, uint64_t c) {
  Instruction in;
  in.opcode = Opcode::MatMul;
  in.engine = Engine::Matrix;
  int eb = matModeIsInteger(mode) ? 1 : 2;
  in.mm.mode = mode;
  in.mm.m = m;
  in.mm.n = n;
  in.mm.k = k;
  in.mm.a = a;
  in.mm.aOuter = 1;
  in.mm.aInner = m;
  in.mm.aInnerStride = int64_t(k) * eb;
  in.mm.b = b;
  in.mm.bRowStride = int64_t(matBRowBytes(mode, n));
  in.mm.c = c;
  in.mm.cRowStride = int64_t(n) * 4;
  return in;
}

std::string run(const NpuConfig &config, const Program &p,
                std::vector<uint8_t> &dram, SimResult &r,
                bool functional = true) {
  Simulator sim(config, {functional, true});
  return sim.run(p, dram, r);
}

TEST(Simulator, OneLoadTakesLatencyPlusBytesAtTheDmaRate) {
  NpuConfig edge = edgeNpuConfig(); // 64 B/cycle per DMA, 66 B/cycle DRAM
  Program p = emptyProgram(1);
  p.dramBytes = 1 << 20;
  p.queues[0][0].push_back(load(0, 0, 1 << 20));
  std::vector<uint8_t> dram(p.dramBytes);
  SimResult r;
  ASSERT_EQ(run(edge, p, dram, r), "");
  EXPECT_DOUBLE_EQ(r.cycles, 100 + (1 << 20) / 64.0);
  EXPECT_EQ(r.dramReadBytes, 1u << 20);
}

TEST(Simulator, StridedDmaTransposes) {
  // DRAM holds a 3 x 4 byte matrix; the load walks it column by column (an
  // innermost stride of 4 bytes), so SRAM holds its 4 x 3 transpose.
  NpuConfig edge = edgeNpuConfig();
  Program p = emptyProgram(1);
  p.dramBytes = 64;
  Instruction in = load(0, 0, 0);
  in.dma.sizes = {1, 1, 4, 3};
  in.dma.dramStrides = {0, 0, 1, 4};
  in.dma.sramStrides = {0, 0, 3, 1};
  p.queues[0][0].push_back(in);
  p.queues[0][0].push_back(signal(0, 0, Engine::Load));
  p.queues[0][1].push_back(wait(0, 1, Engine::Store));
  p.queues[0][1].push_back(storeOut(0, 16, 12));
  std::vector<uint8_t> dram(64);
  for (int i = 0; i < 12; ++i)
    dram[i] = uint8_t(i);
  SimResult r;
  ASSERT_EQ(run(edge, p, dram, r), "");
  for (int row = 0; row < 4; ++row)
    for (int col = 0; col < 3; ++col)
      EXPECT_EQ(dram[16 + row * 3 + col], col * 4 + row);
  // 12 single-byte runs, each a whole burst.
  EXPECT_EQ(r.dramReadBytes, 12u * 64);
}

TEST(Simulator, TwoCoresShareDramBandwidth) {
  NpuConfig edge = edgeNpuConfig();
  Program p = emptyProgram(2);
  p.dramBytes = 2 << 20;
  p.queues[0][0].push_back(load(0, 0, 1 << 20));
  p.queues[1][0].push_back(load(1 << 20, 0, 1 << 20));
  std::vector<uint8_t> dram(p.dramBytes);
  SimResult r;
  ASSERT_EQ(run(edge, p, dram, r), "");
  // Each streams at 66 / 2 = 33 bytes per cycle: the bus, not the DMA,
  // limits them, and never past 66 bytes per cycle in total.
  EXPECT_NEAR(r.cycles, 100 + (1 << 20) / 33.0, 1e-6);
  EXPECT_GE(r.cycles * 66.0, double(r.dramReadBytes));
}

TEST(Simulator, ShortRowsCostWholeBursts) {
  DmaDesc d;
  d.sizes = {1, 1, 100, 16}; // 100 rows of 16 bytes
  d.dramStrides = {0, 0, 1000, 1};
  EXPECT_EQ(Simulator::dramChargedBytes(d), 100u * 64);
  d.dramStrides = {0, 0, 16, 1}; // adjacent rows are one contiguous run
  EXPECT_EQ(Simulator::dramChargedBytes(d), 1600u);
  d.dramStrides = {0, 0, 1000, 2}; // strided elements: a burst each
  EXPECT_EQ(Simulator::dramChargedBytes(d), 1600u * 64);
  d.sizes = {1, 1, 1, 1600};
  d.dramStrides = {0, 0, 0, 1};
  EXPECT_EQ(Simulator::dramChargedBytes(d), 1600u);
}

TEST(Simulator, MatMulCostIsClosedFormAndNeverBeatsPeak) {
  NpuConfig edge = edgeNpuConfig();
  Simulator sim(edge);
  MatMulDesc mm = matmul(MatMode::I8xI8, 256, 256, 256, 0, 0, 0).mm;
  // 2 x 2 weight tiles of 128 x 128, 256 rows each, plus the fill.
  EXPECT_DOUBLE_EQ(sim.matMulCycles(mm), 4 * 256 + 128 + 128);
  mm.mode = MatMode::BF16xBF16; // half rate
  EXPECT_DOUBLE_EQ(sim.matMulCycles(mm), 2 * 4 * 256 + 128 + 128);
  for (uint32_t m : {1u, 7u, 128u, 1000u})
    for (uint32_t n : {1u, 100u, 129u, 512u})
      for (uint32_t k : {1u, 3u, 128u, 300u}) {
        MatMulDesc x = matmul(MatMode::I8xI8, m, n, k, 0, 0, 0).mm;
        EXPECT_GE(sim.matMulCycles(x) * edge.matrixRows * edge.matrixCols,
                  double(m) * n * k);
      }
}

TEST(Simulator, EnginesOverlapUnlessSynchronized) {
  NpuConfig edge = edgeNpuConfig();
  Simulator timing(edge);
  Instruction mm = matmul(MatMode::I8xI8, 256, 256, 256, 1 << 20, 1 << 21,
                          1 << 22);
  double loadCycles = 100 + 65536 / 64.0, mmCycles = timing.matMulCycles(mm.mm);
  std::vector<uint8_t> dram(1 << 16);
  {
    Program p = emptyProgram(1);
    p.dramBytes = 1 << 16;
    p.queues[0][0].push_back(load(0, 0, 1 << 16));
    p.queues[0][2].push_back(mm);
    SimResult r;
    ASSERT_EQ(run(edge, p, dram, r), "");
    EXPECT_DOUBLE_EQ(r.cycles, std::max(loadCycles, mmCycles));
    EXPECT_DOUBLE_EQ(r.busyCycles[0][2], mmCycles);
  }
  {
    Program p = emptyProgram(1);
    p.dramBytes = 1 << 16;
    p.queues[0][0].push_back(load(0, 0, 1 << 16));
    p.queues[0][0].push_back(signal(3, 0, Engine::Load));
    p.queues[0][2].push_back(wait(3, 1, Engine::Matrix));
    p.queues[0][2].push_back(mm);
    SimResult r;
    ASSERT_EQ(run(edge, p, dram, r), "");
    EXPECT_DOUBLE_EQ(r.cycles, loadCycles + 1 + 1 + mmCycles);
  }
}

TEST(Simulator, Int8MatMulWithRequantizationIsExact) {
  NpuConfig edge = edgeNpuConfig();
  const uint32_t m = 5, n = 7, k = 300; // k spans three weight tiles
  std::mt19937 rng(1);
  std::uniform_int_distribution<int> byte(-128, 127);
  std::vector<int8_t> a(m * k), b(k * n);
  for (auto &v : a) v = int8_t(byte(rng));
  for (auto &v : b) v = int8_t(byte(rng));
  std::vector<int32_t> bias(n), params(2 * n);
  for (uint32_t j = 0; j < n; ++j) {
    bias[j] = byte(rng) * 100;
    Multiplier mult;
    ASSERT_TRUE(quantizeMultiplier(0.0007 * (j + 1), mult));
    params[2 * j] = mult.m;
    params[2 * j + 1] = mult.shift;
  }
  // DRAM: a | b | bias | params | output.
  uint64_t dA = 0, dB = dA + a.size(), dBias = dB + b.size(),
           dParams = dBias + 4 * n, dOut = dParams + 8 * n;
  std::vector<uint8_t> dram(dOut + m * n);
  std::memcpy(&dram[dA], a.data(), a.size());
  std::memcpy(&dram[dB], b.data(), b.size());
  std::memcpy(&dram[dBias], bias.data(), 4 * n);
  std::memcpy(&dram[dParams], params.data(), 8 * n);
  // SRAM at the same offsets, plus accumulators and the output after them.
  uint64_t sC = 1 << 16, sOut = 1 << 17;
  Program p = emptyProgram(1);
  p.dramBytes = dram.size();
  p.queues[0][0].push_back(load(0, 0, uint32_t(dOut)));
  p.queues[0][0].push_back(signal(0, 0, Engine::Load));
  Instruction mm = matmul(MatMode::I8xI8, m, n, k, dA, dB, sC);
  mm.mm.store = true;
  mm.mm.hasBias = true;
  mm.mm.bias = dBias;
  mm.mm.requant = dParams;
  mm.mm.zeroPoint = 3;
  mm.mm.clampLo = 3; // a fused ReLU
  mm.mm.clampHi = 127;
  mm.mm.outType = ElemType::I8;
  mm.mm.out = sOut;
  mm.mm.outRowStride = n;
  p.queues[0][2].push_back(wait(0, 1, Engine::Matrix));
  p.queues[0][2].push_back(mm);
  p.queues[0][2].push_back(signal(1, 0, Engine::Matrix));
  p.queues[0][1].push_back(wait(1, 1, Engine::Store));
  p.queues[0][1].push_back(storeOut(sOut, dOut, m * n));
  SimResult r;
  ASSERT_EQ(run(edge, p, dram, r), "");
  for (uint32_t i = 0; i < m; ++i)
    for (uint32_t j = 0; j < n; ++j) {
      int32_t acc = bias[j];
      for (uint32_t q = 0; q < k; ++q)
        acc += int32_t(a[i * k + q]) * b[q * n + j];
      int32_t want = requantize(
          acc, Multiplier{params[2 * j], params[2 * j + 1]}, 3, 3, 127);
      ASSERT_EQ(int8_t(dram[dOut + i * n + j]), want) << i << "," << j;
    }
  EXPECT_EQ(r.macs, uint64_t(m) * n * k);
  EXPECT_EQ(r.tags[0].macs, uint64_t(m) * n * k);
  // Timing only: the same cycles, no arithmetic.
  SimResult t;
  std::vector<uint8_t> none;
  ASSERT_EQ(run(edge, p, none, t, /*functional=*/false), "");
  EXPECT_DOUBLE_EQ(t.cycles, r.cycles);
}

TEST(Simulator, IntegerSumsAreExactAcrossBlocksWindowsAndAccumulation) {
  // u8 x i8 with K past the simulator's internal block of 512, A rows as a
  // 3 x 4 window with gaps, accumulating two matmuls into one C.
  NpuConfig edge = edgeNpuConfig();
  const uint32_t n = 9, k = 1500, outer = 3, inner = 4, m = outer * inner;
  const int64_t innerStride = k + 16, outerStride = inner * innerStride + 64;
  std::mt19937 rng(2);
  std::uniform_int_distribution<int> byte(0, 255);
  uint64_t aBytes = outer * outerStride, bAt = aBytes, cAt = 1 << 20;
  std::vector<uint8_t> dram(aBytes + k * n);
  for (auto &v : dram)
    v = uint8_t(byte(rng));
  Program p = emptyProgram(1);
  p.dramBytes = dram.size();
  p.queues[0][0].push_back(load(0, 0, uint32_t(dram.size())));
  p.queues[0][0].push_back(signal(0, 0, Engine::Load));
  Instruction mm = matmul(MatMode::U8xI8, m, n, k, 0, bAt, cAt);
  mm.mm.aOuter = outer;
  mm.mm.aInner = inner;
  mm.mm.aOuterStride = outerStride;
  mm.mm.aInnerStride = innerStride;
  p.queues[0][2].push_back(wait(0, 1, Engine::Matrix));
  p.queues[0][2].push_back(mm);
  mm.mm.accumulate = true;
  p.queues[0][2].push_back(mm);
  p.queues[0][2].push_back(signal(1, 0, Engine::Matrix));
  p.queues[0][1].push_back(wait(1, 1, Engine::Store));
  p.queues[0][1].push_back(storeOut(cAt, 0, 4 * m * n)); // over A: A is done
  SimResult r;
  ASSERT_EQ(run(edge, p, dram, r), "");
  std::vector<uint8_t> original(aBytes + k * n);
  std::mt19937 again(2);
  for (auto &v : original)
    v = uint8_t(byte(again));
  for (uint32_t i = 0; i < m; ++i)
    for (uint32_t j = 0; j < n; ++j) {
      int64_t row = (i / inner) * outerStride + (i % inner) * innerStride;
      int32_t want = 0;
      for (uint32_t q = 0; q < k; ++q)
        want += int32_t(original[row + q]) * int8_t(original[bAt + q * n + j]);
      int32_t got;
      std::memcpy(&got, &dram[4 * (i * n + j)], 4);
      ASSERT_EQ(got, 2 * want) << i << "," << j;
    }
}

TEST(Simulator, Bf16MatMulAccumulatesInF32) {
  NpuConfig edge = edgeNpuConfig();
  const uint32_t m = 3, n = 4, k = 50;
  auto bf16 = [](float f) {
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    return uint16_t(bits >> 16); // exact for the values below
  };
  std::vector<uint16_t> a(m * k), b(k * n);
  for (uint32_t i = 0; i < a.size(); ++i)
    a[i] = bf16(float(int(i % 9) - 4) * 0.5f);
  for (uint32_t i = 0; i < b.size(); ++i)
    b[i] = bf16(float(int(i % 5) - 2) * 0.25f);
  std::vector<uint8_t> dram(2 * (a.size() + b.size()) + 4 * m * n);
  std::memcpy(&dram[0], a.data(), 2 * a.size());
  std::memcpy(&dram[2 * a.size()], b.data(), 2 * b.size());
  uint64_t sC = 4096, dOut = 2 * (a.size() + b.size());
  Program p = emptyProgram(1);
  p.dramBytes = dram.size();
  p.queues[0][0].push_back(load(0, 0, uint32_t(dOut)));
  p.queues[0][0].push_back(signal(0, 0, Engine::Load));
  Instruction mm = matmul(MatMode::BF16xBF16, m, n, k, 0, 2 * a.size(), sC);
  p.queues[0][2].push_back(wait(0, 1, Engine::Matrix));
  p.queues[0][2].push_back(mm);
  p.queues[0][2].push_back(signal(1, 0, Engine::Matrix));
  p.queues[0][1].push_back(wait(1, 1, Engine::Store));
  p.queues[0][1].push_back(storeOut(sC, dOut, 4 * m * n));
  SimResult r;
  ASSERT_EQ(run(edge, p, dram, r), "");
  for (uint32_t i = 0; i < m; ++i)
    for (uint32_t j = 0; j < n; ++j) {
      float want = 0;
      for (uint32_t q = 0; q < k; ++q)
        want += (float(int((i * k + q) % 9) - 4) * 0.5f) *
                (float(int((q * n + j) % 5) - 2) * 0.25f);
      float got;
      std::memcpy(&got, &dram[dOut + 4 * (i * n + j)], 4);
      EXPECT_EQ(got, want);
    }
}

TEST(Simulator, WeightOnlyMatMulDequantizesAsItLoads) {
  // A (bf16) x B (int8 or packed int4) with one power-of-two scale per
  // group of 3 rows of K and column; K = 7 leaves a short last group and
  // N = 5 an odd int4 row. Every value and partial sum is exact in f32, so
  // the result must equal the plain loop's.
  NpuConfig edge = edgeNpuConfig();
  const uint32_t m = 4, n = 5, k = 7, group = 3, groups = 3;
  auto bf16 = [](float f) {
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    return uint16_t(bits >> 16);
  };
  auto aAt = [](uint32_t i, uint32_t q) { return float(int((i * 7 + q) % 9) - 4) * 0.5f; };
  auto qAt = [](uint32_t q, uint32_t j) { return int((q * 5 + j * 3) % 15) - 7; };
  auto sAt = [](uint32_t g, uint32_t j) { return std::ldexp(1.0f, int(g + j % 3) - 3); };
  for (MatMode mode : {MatMode::BF16xI8, MatMode::BF16xI4}) {
    uint64_t rowBytes = matBRowBytes(mode, n);
    std::vector<uint8_t> dram(4096);
    uint64_t dA = 0, dB = 256, dS = 512, dOut = 1024;
    for (uint32_t i = 0; i < m; ++i)
      for (uint32_t q = 0; q < k; ++q) {
        uint16_t v = bf16(aAt(i, q));
        std::memcpy(&dram[dA + 2 * (i * k + q)], &v, 2);
      }
    for (uint32_t q = 0; q < k; ++q)
      for (uint32_t j = 0; j < n; ++j) {
        int v = qAt(q, j);
        if (mode == MatMode::BF16xI8)
          dram[dB + q * rowBytes + j] = uint8_t(int8_t(v));
        else
          dram[dB + q * rowBytes + j / 2] |= uint8_t((v & 0xF) << (4 * (j % 2)));
      }
    for (uint32_t g = 0; g < groups; ++g)
      for (uint32_t j = 0; j < n; ++j) {
        float v = sAt(g, j);
        std::memcpy(&dram[dS + 4 * (g * n + j)], &v, 4);
      }
    Program p = emptyProgram(1);
    p.dramBytes = dram.size();
    p.queues[0][0].push_back(load(0, 0, 1024));
    p.queues[0][0].push_back(signal(0, 0, Engine::Load));
    Instruction mm = matmul(mode, m, n, k, dA, dB, 2048);
    mm.mm.aInnerStride = 2 * k;
    mm.mm.bRowStride = int64_t(rowBytes);
    mm.mm.scales = dS;
    mm.mm.group = group;
    p.queues[0][2].push_back(wait(0, 1, Engine::Matrix));
    p.queues[0][2].push_back(mm);
    p.queues[0][2].push_back(signal(1, 0, Engine::Matrix));
    p.queues[0][1].push_back(wait(1, 1, Engine::Store));
    p.queues[0][1].push_back(storeOut(2048, dOut, 4 * m * n));
    SimResult r;
    ASSERT_EQ(run(edge, p, dram, r), "");
    for (uint32_t i = 0; i < m; ++i)
      for (uint32_t j = 0; j < n; ++j) {
        float want = 0;
        for (uint32_t q = 0; q < k; ++q)
          want += aAt(i, q) * (float(qAt(q, j)) * sAt(q / group, j));
        float got;
        std::memcpy(&got, &dram[dOut + 4 * (i * n + j)], 4);
        EXPECT_EQ(got, want) << "mode " << int(mode) << " at " << i << ", " << j;
      }
  }
  // Cost: the bf16 rate, and tiles of K restart at every group boundary:
  // K = 300 in groups of 96 is 3 whole groups (one 128-row tile each) and
  // 12 rows (another tile), 4 tiles where plain bf16 needs 3.
  Simulator sim(edge);
  MatMulDesc w = matmul(MatMode::BF16xI4, 64, 256, 300, 0, 0, 0).mm;
  w.group = 96;
  EXPECT_DOUBLE_EQ(sim.matMulCycles(w), 4 * 2 * 64 / 0.5 + 128 + 128);
  w.group = 128;
  EXPECT_DOUBLE_EQ(sim.matMulCycles(w), 3 * 2 * 64 / 0.5 + 128 + 128);
  // A group of 0 is refused, not divided by.
  Program bad = emptyProgram(1);
  bad.dramBytes = 4096;
  Instruction zero = matmul(MatMode::BF16xI8, 4, 4, 4, 0, 256, 2048);
  zero.mm.scales = 512;
  bad.queues[0][2].push_back(zero);
  std::vector<uint8_t> dram(4096);
  SimResult r;
  EXPECT_NE(run(edge, bad, dram, r).find("needs a group of at least 1"),
            std::string::npos);
}

TEST(Simulator, RefusesRacesDeadlocksAndBadAddresses) {
  NpuConfig edge = edgeNpuConfig();
  std::vector<uint8_t> dram(1 << 16);
  {
    // The matmul reads what the load is still writing.
    Program p = emptyProgram(1);
    p.dramBytes = dram.size();
    p.queues[0][0].push_back(load(0, 0, 1 << 16));
    p.queues[0][2].push_back(matmul(MatMode::I8xI8, 4, 4, 4, 0, 64, 4096));
    SimResult r;
    std::string error = run(edge, p, dram, r);
    EXPECT_NE(error.find("race: core 0 matrix instruction 0 (node) reads SRAM"),
              std::string::npos)
        << error;
  }
  {
    Program p = emptyProgram(1);
    p.dramBytes = dram.size();
    p.queues[0][2].push_back(wait(5, 1, Engine::Matrix));
    SimResult r;
    EXPECT_EQ(run(edge, p, dram, r),
              "deadlock: core 0 matrix instruction 0 (node) waits for "
              "semaphore 5 to reach 1 (it is 0) and nothing left can signal it");
  }
  {
    Program p = emptyProgram(1);
    p.dramBytes = dram.size();
    p.queues[0][0].push_back(load(0, edgeNpuConfig().sramBytes - 8, 16));
    SimResult r;
    std::string error = run(edge, p, dram, r);
    EXPECT_NE(error.find("core 0 dma-load instruction 0 (node): DMA SRAM side"),
              std::string::npos)
        << error;
    EXPECT_NE(error.find("lies outside SRAM"), std::string::npos);
  }
  {
    Program p = emptyProgram(3); // edge has 2 cores
    SimResult r;
    EXPECT_EQ(run(edge, p, dram, r),
              "the program uses 3 cores; the edge NPU has 2");
  }
}

TEST(Simulator, CrossCoreSignalsLandLater) {
  NpuConfig edge = edgeNpuConfig();
  Program p = emptyProgram(2);
  p.queues[0][3].push_back(signal(2, 1, Engine::Vector));
  p.queues[1][3].push_back(wait(2, 1, Engine::Vector));
  std::vector<uint8_t> dram;
  SimResult r;
  ASSERT_EQ(run(edge, p, dram, r), "");
  EXPECT_DOUBLE_EQ(r.cycles, 1 + 50 + 1);
}

} // namespace

namespace {

uint16_t bf16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  return uint16_t((x + 0x7fff + ((x >> 16) & 1)) >> 16);
}
float fromBf16(uint16_t h) {
  uint32_t x = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

} // namespace

// Strided vector rows (max pooling's shape): y[o][i] = max(a[o][i],
// b[o * 2 + i]) over 3 rows of 300 bf16 elements, each row charged whole
// lane groups: 3 * ceil(300 / 256) + 16 cycles.
TEST(Simulator, StridedVectorRowsCostWholeLaneGroups) {
  NpuConfig config = edgeNpuConfig();
  Program p = emptyProgram(1);
  const uint32_t n = 300, outer = 3;
  const uint64_t aBytes = uint64_t(n) * outer * 2, bRow = 2 * n * 2;
  std::vector<uint8_t> dram(1 << 16, 0);
  std::vector<uint16_t> a(n * outer), b(2 * n * outer);
  for (size_t i = 0; i < a.size(); ++i)
    a[i] = bf16(float(int(i % 97) - 40));
  for (size_t i = 0; i < b.size(); ++i)
    b[i] = bf16(float(int(i % 89) - 30));
  std::memcpy(dram.data(), a.data(), aBytes);
  std::memcpy(dram.data() + 8192, b.data(), b.size() * 2);
  p.queues[0][0].push_back(load(0, 0, aBytes));
  p.queues[0][0].push_back(load(8192, 8192, b.size() * 2));
  p.queues[0][0].push_back(signal(0, 0, Engine::Load));
  Instruction v;
  v.opcode = Opcode::Vector;
  v.engine = Engine::Vector;
  v.vec.op = VecOp::Max;
  v.vec.type = ElemType::BF16;
  v.vec.n = n;
  v.vec.outer = outer;
  v.vec.a = v.vec.y = 0;
  v.vec.aStride = v.vec.yStride = n * 2;
  v.vec.b = 8192;
  v.vec.bStride = bRow;
  p.queues[0][3].push_back(wait(0, 1, Engine::Vector));
  p.queues[0][3].push_back(v);
  p.queues[0][3].push_back(signal(1, 0, Engine::Vector));
  p.queues[0][1].push_back(wait(1, 1, Engine::Store));
  p.queues[0][1].push_back(storeOut(0, 32768, aBytes));
  p.dramBytes = dram.size();
  Simulator sim(config);
  SimResult r;
  ASSERT_EQ(sim.run(p, dram, r), "");
  EXPECT_DOUBLE_EQ(sim.vectorCycles(v.vec), 3 * 2 + 16);
  // The vector engine's busy time: the op plus one wait and one signal.
  EXPECT_NEAR(r.busyCycles[0][3], 3 * 2 + 16 + 2, 1e-9);
  for (uint32_t o = 0; o < outer; ++o)
    for (uint32_t i = 0; i < n; ++i) {
      uint16_t got;
      std::memcpy(&got, dram.data() + 32768 + 2 * (o * n + i), 2);
      float want = std::max(fromBf16(a[o * n + i]), fromBf16(b[o * 2 * n + i]));
      ASSERT_EQ(fromBf16(got), want) << o << "," << i;
    }
}

// The float output stage computes sums * scale + bias, then ReLU, then
// rounds once to bf16.
TEST(Simulator, Bf16OutputStageScalesThenAddsBias) {
  NpuConfig config = edgeNpuConfig();
  Program p = emptyProgram(1);
  std::vector<uint8_t> dram(4096, 0);
  // A = [1 2 3 4] (1x4), B = 4x2 of ones and twos, bias = [1, -100].
  uint16_t a[4] = {bf16(1), bf16(2), bf16(3), bf16(4)};
  uint16_t b[8];
  for (int i = 0; i < 4; ++i) {
    b[2 * i] = bf16(1);
    b[2 * i + 1] = bf16(2);
  }
  float bias[2] = {1.0f, -100.0f};
  std::memcpy(dram.data(), a, 8);
  std::memcpy(dram.data() + 64, b, 16);
  std::memcpy(dram.data() + 128, bias, 8);
  p.queues[0][0].push_back(load(0, 0, 256));
  p.queues[0][0].push_back(signal(0, 0, Engine::Load));
  Instruction mm;
  mm.opcode = Opcode::MatMul;
  mm.engine = Engine::Matrix;
  mm.mm.mode = MatMode::BF16xBF16;
  mm.mm.m = 1;
  mm.mm.n = 2;
  mm.mm.k = 4;
  mm.mm.a = 0;
  mm.mm.b = 64;
  mm.mm.bRowStride = 4;
  mm.mm.c = 512;
  mm.mm.cRowStride = 8;
  mm.mm.store = true;
  mm.mm.hasBias = true;
  mm.mm.bias = 128;
  mm.mm.outType = ElemType::F32;
  mm.mm.out = 1024;
  mm.mm.outRowStride = 8;
  mm.mm.relu = true;
  mm.mm.scale = 0.25f;
  p.queues[0][2].push_back(wait(0, 1, Engine::Matrix));
  p.queues[0][2].push_back(mm);
  p.queues[0][2].push_back(signal(1, 0, Engine::Matrix));
  p.queues[0][1].push_back(wait(1, 1, Engine::Store));
  p.queues[0][1].push_back(storeOut(1024, 2048, 8));
  p.dramBytes = dram.size();
  Simulator sim(config);
  SimResult r;
  ASSERT_EQ(sim.run(p, dram, r), "");
  float out[2];
  std::memcpy(out, dram.data() + 2048, 8);
  EXPECT_EQ(out[0], 10 * 0.25f + 1);       // 3.5
  EXPECT_EQ(out[1], 0.0f);                 // 20 * 0.25 - 100, then ReLU
}

// Softmax over 3 rows of 200 bf16 values, the way the compiler will run it
// on the vector engine: widen to f32, row max, subtract it, exp, row sum,
// reciprocal, scale, narrow. Within bf16 rounding of a double reference;
// each instruction's cost is the closed form of docs/npu.md.
TEST(Simulator, VectorFunctionsComputeSoftmax) {
  NpuConfig config = edgeNpuConfig();
  const uint32_t n = 200, rows = 3;
  std::vector<uint8_t> dram(1 << 16, 0);
  std::vector<uint16_t> x(n * rows);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = bf16(float(std::sin(0.37 * double(i)) * 6.0));
  std::memcpy(dram.data(), x.data(), x.size() * 2);
  const uint64_t in = 0, f = 4096, m = 8192, sum = 8320, out = 12288;
  auto vec = [](VecOp op, ElemType type, uint64_t a, int64_t aStride,
                uint64_t b, int64_t bStride, uint32_t bStep, uint64_t y,
                int64_t yStride) {
    Instruction i;
    i.opcode = Opcode::Vector;
    i.engine = Engine::Vector;
    i.vec.op = op;
    i.vec.type = type;
    i.vec.n = n;
    i.vec.outer = rows;
    i.vec.a = a;
    i.vec.aStride = aStride;
    i.vec.b = b;
    i.vec.bStride = bStride;
    i.vec.bStep = bStep;
    i.vec.y = y;
    i.vec.yStride = yStride;
    return i;
  };
  Program p = emptyProgram(1);
  p.queues[0][0].push_back(load(0, in, n * rows * 2));
  p.queues[0][0].push_back(signal(0, 0, Engine::Load));
  auto &vq = p.queues[0][3];
  vq.push_back(wait(0, 1, Engine::Vector));
  std::vector<Instruction> body = {
      vec(VecOp::ToF32, ElemType::BF16, in, n * 2, 0, 0, 1, f, n * 4),
      vec(VecOp::RowMax, ElemType::F32, f, n * 4, 0, 0, 1, m, 4),
      vec(VecOp::Sub, ElemType::F32, f, n * 4, m, 4, 0, f, n * 4),
      vec(VecOp::Exp, ElemType::F32, f, n * 4, 0, 0, 1, f, n * 4),
      vec(VecOp::RowSum, ElemType::F32, f, n * 4, 0, 0, 1, sum, 4),
      vec(VecOp::Recip, ElemType::F32, sum, 4, 0, 0, 1, sum, 4),
      vec(VecOp::Mul, ElemType::F32, f, n * 4, sum, 4, 0, f, n * 4),
      vec(VecOp::ToBf16, ElemType::F32, f, n * 4, 0, 0, 1, out, n * 2)};
  body[5].vec.n = 1; // one reciprocal per row
  Simulator sim(config);
  double expected = 0;
  for (const Instruction &i : body) {
    vq.push_back(i);
    expected += sim.vectorCycles(i.vec);
  }
  vq.push_back(signal(1, 0, Engine::Vector));
  p.queues[0][1].push_back(wait(1, 1, Engine::Store));
  p.queues[0][1].push_back(storeOut(out, 32768, n * rows * 2));
  p.dramBytes = dram.size();
  SimResult r;
  ASSERT_EQ(sim.run(p, dram, r), "");
  // Closed forms (128 lanes): a conversion ceil(200/128) = 2 cycles a row;
  // exp four passes of 2; a row sum 2 + log2(128) = 9; plus 16 each.
  EXPECT_DOUBLE_EQ(sim.vectorCycles(body[0].vec), 3 * 2 + 16);
  EXPECT_DOUBLE_EQ(sim.vectorCycles(body[3].vec), 3 * 8 + 16);
  EXPECT_DOUBLE_EQ(sim.vectorCycles(body[4].vec), 3 * 9 + 16);
  EXPECT_NEAR(r.busyCycles[0][3], expected + 2, 1e-9); // + wait, signal
  for (uint32_t o = 0; o < rows; ++o) {
    double mx = -1e30, total = 0;
    for (uint32_t i = 0; i < n; ++i)
      mx = std::max(mx, double(fromBf16(x[o * n + i])));
    for (uint32_t i = 0; i < n; ++i)
      total += std::exp(double(fromBf16(x[o * n + i])) - mx);
    for (uint32_t i = 0; i < n; ++i) {
      uint16_t got;
      std::memcpy(&got, dram.data() + 32768 + 2 * (o * n + i), 2);
      double want = std::exp(double(fromBf16(x[o * n + i])) - mx) / total;
      ASSERT_NEAR(fromBf16(got), want, want * 1e-2 + 1e-6) << o << "," << i;
    }
  }
}

namespace {

/// Runs one vector instruction on operands a (at SRAM 0) and b (at 8192),
/// storing y (at 16384) back; returns y's bytes.
std::vector<uint8_t> runVector(const NpuConfig &config, Instruction v,
                               const std::vector<uint8_t> &a,
                               const std::vector<uint8_t> &b, uint32_t yBytes,
                               SimResult &r) {
  Program p = emptyProgram(1);
  std::vector<uint8_t> dram(1 << 16, 0);
  std::memcpy(dram.data(), a.data(), a.size());
  std::memcpy(dram.data() + 8192, b.data(), b.size());
  p.queues[0][0].push_back(load(0, 0, a.size()));
  if (!b.empty())
    p.queues[0][0].push_back(load(8192, 8192, b.size()));
  p.queues[0][0].push_back(signal(0, 0, Engine::Load));
  v.opcode = Opcode::Vector;
  v.engine = Engine::Vector;
  v.vec.a = 0;
  v.vec.b = 8192;
  v.vec.y = 16384;
  p.queues[0][3].push_back(wait(0, 1, Engine::Vector));
  p.queues[0][3].push_back(v);
  p.queues[0][3].push_back(signal(1, 0, Engine::Vector));
  p.queues[0][1].push_back(wait(1, 1, Engine::Store));
  p.queues[0][1].push_back(storeOut(16384, 32768, yBytes));
  p.dramBytes = dram.size();
  Simulator sim(config);
  EXPECT_EQ(sim.run(p, dram, r), "");
  return std::vector<uint8_t>(dram.begin() + 32768,
                              dram.begin() + 32768 + yBytes);
}

} // namespace

// y = round((sa (a - za) + sb (b - zb)) / sy) + zy, clamped, for every pair
// of u8 and i8 operands: equal to the exact rational result except within
// 2^-10 of a tie, and to Requantize.h's definition everywhere; 8-bit rows
// stream at twice the lanes.
TEST(Simulator, QuantizedAddIsExact) {
  NpuConfig config = edgeNpuConfig();
  const double sa = 0.031, sb = 0.0173, sy = 0.045;
  const int32_t za = 7, zb = -3, zy = -10, lo = -100, hi = 120;
  AddRescale rescale;
  ASSERT_TRUE(addRescale(sa, sb, sy, rescale));
  std::vector<uint8_t> a(256 * 16), b(256 * 16);
  for (int i = 0; i < 256; ++i)
    for (int j = 0; j < 16; ++j) {
      a[i * 16 + j] = uint8_t(i);            // u8: 0..255
      b[i * 16 + j] = uint8_t(j * 17 - 128); // i8: -128..127
    }
  Instruction v;
  v.vec.op = VecOp::QAdd;
  v.vec.type = ElemType::U8;
  v.vec.bType = ElemType::I8;
  v.vec.outType = ElemType::I8;
  v.vec.n = 256 * 16;
  v.vec.zeroA = za;
  v.vec.zeroB = zb;
  v.vec.mulA = rescale.lhs;
  v.vec.mulB = rescale.rhs;
  v.vec.multiplier = rescale.out.m;
  v.vec.shift = rescale.out.shift;
  v.vec.zeroY = zy;
  v.vec.clampLo = lo;
  v.vec.clampHi = hi;
  SimResult r;
  std::vector<uint8_t> y = runVector(config, v, a, b, a.size(), r);
  Simulator sim(config);
  EXPECT_DOUBLE_EQ(sim.vectorCycles(v.vec),
                   std::ceil(4096.0 / (2 * config.vectorLanes)) + 16);
  int checked = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    int32_t da = int32_t(a[i]) - za, db = int32_t(int8_t(b[i])) - zb;
    int32_t got = int8_t(y[i]);
    ASSERT_EQ(got, addRequantize(da, db, rescale, zy, lo, hi)) << i;
    double exact = (sa * da + sb * db) / sy;
    if (std::fabs(exact - std::floor(exact) - 0.5) < 1.0 / 1024)
      continue;
    ASSERT_EQ(got, std::clamp<int32_t>(int32_t(std::lround(exact)) + zy, lo, hi))
        << "a " << int(a[i]) << " b " << int(int8_t(b[i]));
    ++checked;
  }
  EXPECT_GT(checked, 4000);
}

// Requantization of i32 sums on the vector engine: the output stage's
// arithmetic, at the lanes' rate for i32 sources.
TEST(Simulator, VectorRequantizationMatchesTheOutputStage) {
  NpuConfig config = edgeNpuConfig();
  const uint32_t n = 1000;
  std::vector<uint8_t> a(n * 4);
  std::vector<int32_t> sums(n);
  for (uint32_t i = 0; i < n; ++i) {
    sums[i] = int32_t((int64_t(i) * 2654435761u) % 2000001) - 1000000;
    std::memcpy(&a[4 * i], &sums[i], 4);
  }
  Multiplier m;
  ASSERT_TRUE(quantizeMultiplier(0.000123, m));
  Instruction v;
  v.vec.op = VecOp::Requant;
  v.vec.type = ElemType::I32;
  v.vec.outType = ElemType::U8;
  v.vec.n = n;
  v.vec.multiplier = m.m;
  v.vec.shift = m.shift;
  v.vec.zeroY = 3;
  v.vec.clampLo = 3; // a fused ReLU
  v.vec.clampHi = 255;
  SimResult r;
  std::vector<uint8_t> y = runVector(config, v, a, {}, n, r);
  Simulator sim(config);
  EXPECT_DOUBLE_EQ(sim.vectorCycles(v.vec),
                   std::ceil(double(n) / config.vectorLanes) + 16);
  for (uint32_t i = 0; i < n; ++i) {
    ASSERT_EQ(y[i], requantize(sums[i], m, 3, 3, 255)) << i;
    double exact = sums[i] * 0.000123;
    if (std::fabs(exact - std::floor(exact) - 0.5) > 1e-3)
      ASSERT_EQ(y[i], std::clamp<int64_t>(std::llround(exact) + 3, 3, 255));
  }
}

TEST(Simulator, VectorQuantizeAndDequantizeFollowTheirDefinition) {
  // quantize: bf16 in, round_half_even(a / scale) + zero point, clamped;
  // dequantize: (q - zero point) * scale in f32, rounded once to bf16. With
  // scale 0.5, every bf16 below quantizes exactly, halves tie to even, and
  // every dequantized value is exact in bf16.
  NpuConfig config = edgeNpuConfig();
  const uint32_t n = 300;
  std::vector<uint8_t> a(2 * n);
  std::vector<float> x(n);
  for (uint32_t i = 0; i < n; ++i) {
    x[i] = (float(i) - 150.0f) * 0.25f; // ties at odd multiples of 0.25
    uint32_t bits;
    std::memcpy(&bits, &x[i], 4);
    uint16_t h = uint16_t(bits >> 16); // exact: few significant bits
    std::memcpy(&a[2 * i], &h, 2);
  }
  Instruction q;
  q.vec.op = VecOp::Quantize;
  q.vec.type = ElemType::BF16;
  q.vec.outType = ElemType::I8;
  q.vec.n = n;
  q.vec.scale = 0.5f;
  q.vec.zeroY = 0;
  q.vec.clampLo = -60;
  q.vec.clampHi = 127;
  SimResult r;
  std::vector<uint8_t> y = runVector(config, q, a, {}, n, r);
  for (uint32_t i = 0; i < n; ++i) {
    double v = std::nearbyint(double(x[i]) / 0.5);
    ASSERT_EQ(int(int8_t(y[i])), int(std::clamp(v, -60.0, 127.0))) << x[i];
  }
  Simulator sim(config);
  EXPECT_DOUBLE_EQ(sim.vectorCycles(q.vec),
                   std::ceil(double(n) / config.vectorLanes) + 16);

  Instruction d;
  d.vec.op = VecOp::Dequantize;
  d.vec.type = ElemType::U8;
  d.vec.outType = ElemType::BF16;
  d.vec.n = 256;
  d.vec.scale = 0.5f;
  d.vec.zeroA = 10;
  std::vector<uint8_t> qs(256);
  for (int i = 0; i < 256; ++i)
    qs[i] = uint8_t(i);
  std::vector<uint8_t> f = runVector(config, d, qs, {}, 2 * 256, r);
  for (int i = 0; i < 256; ++i) {
    uint16_t h;
    std::memcpy(&h, &f[2 * i], 2);
    uint32_t bits = uint32_t(h) << 16;
    float got;
    std::memcpy(&got, &bits, 4);
    ASSERT_EQ(got, float(i - 10) * 0.5f) << i;
  }
  // A scale of 0 is refused, not divided by.
  q.vec.scale = 0.0f;
  Program p = emptyProgram(1);
  p.dramBytes = 1 << 16;
  q.opcode = Opcode::Vector;
  q.engine = Engine::Vector;
  p.queues[0][3].push_back(q);
  std::vector<uint8_t> dram(1 << 16);
  EXPECT_NE(run(config, p, dram, r).find("finite scale above 0"),
            std::string::npos);
}

TEST(Simulator, IntegerVectorOpsRefuseBadParameters) {
  NpuConfig config = edgeNpuConfig();
  Instruction v;
  v.vec.op = VecOp::QAdd;
  v.vec.type = ElemType::U8;
  v.vec.bType = ElemType::BF16;
  v.vec.outType = ElemType::U8;
  v.vec.n = 16;
  v.vec.clampLo = 0;
  v.vec.clampHi = 255;
  SimResult r;
  Program p = emptyProgram(1);
  v.opcode = Opcode::Vector;
  v.engine = Engine::Vector;
  v.vec.b = 64;
  v.vec.y = 128;
  p.queues[0][3].push_back(v);
  p.dramBytes = 64;
  std::vector<uint8_t> dram(64, 0);
  Simulator sim(config);
  EXPECT_NE(sim.run(p, dram, r).find("qadd reads i8 or u8"), std::string::npos)
      << sim.run(p, dram, r);
  p.queues[0][3][0].vec.bType = ElemType::I8;
  p.queues[0][3][0].vec.clampLo = -1;
  EXPECT_NE(sim.run(p, dram, r).find("clamp"), std::string::npos);
  p.queues[0][3][0].vec.clampLo = 0;
  p.queues[0][3][0].vec.mulA = (1 << 20) + 1;
  EXPECT_NE(sim.run(p, dram, r).find("2^20"), std::string::npos);
}

//===- QuantKernelsTest.cpp - the CPU target's integer kernels ------------===//
//
// The fast integer convolution (im2col on our AVX-512 VNNI GEMM, or on
// oneDNN's integer GEMM when weights have a zero point) against the plain
// loops, bit for bit, over strides, padding, dilation, groups, zero points
// and sizes that leave partial tiles (K not a multiple of 4, rows not of 8,
// pixels not of 32); quantized add against its definition in docs/npu.md.
//
//===----------------------------------------------------------------------===//

#include "runtime/src/Internal.h"
#include "targets/cpu/kernels/Kernels.h"
#include "targets/cpu/kernels/QuantRows.h"
#include "targets/npu/Requantize.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

using namespace gaon;
using namespace gaon::cpu;

namespace {

struct Conv {
  int64_t n, c, h, w, m, k, stride, pad, dilation, group;
  gaon_dtype xType;
  int64_t zx, zw;
};

rt::OpDesc convOp(const Conv &c) {
  rt::OpDesc op;
  op.kind = "graph.qconv";
  op.attributes["strides"].ints = {c.stride, c.stride};
  op.attributes["dilations"].ints = {c.dilation, c.dilation};
  op.attributes["pads"].ints = {c.pad, c.pad, c.pad, c.pad};
  op.attributes["group"].ints = {c.group};
  return op;
}

TEST(QuantKernels, FastConvolutionEqualsPlainLoops) {
  std::mt19937 rng(3);
  const Conv cases[] = {
      {2, 8, 9, 7, 16, 3, 1, 1, 1, 1, GAON_U8, 0, 0},
      {1, 8, 9, 9, 12, 3, 2, 1, 1, 1, GAON_U8, 17, 0},
      {1, 6, 8, 8, 6, 3, 1, 2, 2, 3, GAON_I8, -5, 2},
      {1, 16, 5, 5, 32, 1, 1, 0, 1, 1, GAON_I8, 0, 0},
      {1, 4, 7, 7, 4, 3, 1, 1, 1, 4, GAON_U8, 128, -1}, // depthwise
      {1, 6, 9, 8, 6, 3, 2, 1, 1, 6, GAON_I8, 4, 0},    // depthwise, stride 2
      {1, 3, 11, 10, 3, 3, 2, 2, 2, 3, GAON_U8, 0, 0},  // depthwise, dilated
      {1, 5, 11, 13, 13, 3, 1, 1, 1, 1, GAON_I8, -7, 0}, // K 45, M 13
      {1, 3, 6, 6, 9, 1, 2, 0, 1, 1, GAON_U8, 3, 0},     // K 3, strided 1x1
      {1, 12, 4, 4, 24, 3, 1, 1, 1, 3, GAON_U8, 0, 0},   // groups of 8
      {1, 64, 15, 15, 40, 1, 1, 0, 1, 1, GAON_I8, 100, 0}, // 225 pixels
  };
  for (const Conv &c : cases) {
    int64_t span = (c.k - 1) * c.dilation + 1;
    int64_t oh = (c.h + 2 * c.pad - span) / c.stride + 1,
            ow = (c.w + 2 * c.pad - span) / c.stride + 1;
    std::vector<uint8_t> x(c.n * c.c * c.h * c.w);
    std::vector<int8_t> w(c.m * (c.c / c.group) * c.k * c.k);
    std::vector<int32_t> bias(c.m);
    for (auto &v : x)
      v = uint8_t(rng());
    for (auto &v : w)
      v = int8_t(rng());
    for (auto &v : bias)
      v = int32_t(rng() % 20001) - 10000;
    std::vector<double> xs{0.5}, ws(c.m, 0.25);
    std::vector<int64_t> xz{c.zx}, wz(c.m, c.zw);
    View xv{c.xType, {c.n, c.c, c.h, c.w}, x.data(), &xs, &xz, -1};
    View wv{GAON_I8, {c.m, c.c / c.group, c.k, c.k}, w.data(), &ws, &wz, 0};
    wv.isConstant = true;
    View bv{GAON_I32, {c.m}, bias.data()};
    std::vector<int32_t> fast(c.n * c.m * oh * ow, 7), plain(fast.size(), 9);
    std::vector<double> ys(c.m, 0.125);
    std::vector<int64_t> yz(c.m, 0);
    View fv{GAON_I32, {c.n, c.m, oh, ow}, fast.data(), &ys, &yz, 1};
    View pv = fv;
    pv.data = plain.data();
    rt::OpDesc op = convOp(c);
    std::vector<View> in{xv, wv, bv};
    ASSERT_EQ(validateCall(op, in, {fv}), "");
    ASSERT_EQ(findKernel("graph.qconv")(op, in, {pv}, 2), "");
    const PreparedKernel *prepared = findPreparedKernel("graph.qconv");
    ASSERT_NE(prepared, nullptr);
    std::unique_ptr<KernelState> state;
    ASSERT_EQ(prepared->prepare(op, in, {fv}, state), "");
    if (!state) {
      GTEST_SKIP() << "oneDNN's integer GEMM is not exact on this CPU";
    }
    ASSERT_EQ(prepared->run(op, in, {fv}, 2, *state), "");
    EXPECT_EQ(fast, plain) << "case with " << c.c << " channels, group "
                           << c.group << ", stride " << c.stride;
  }
}

TEST(QuantKernels, AddFollowsItsDefinition) {
  // y = clamp(round((sa (a - za) + sb (b - zb)) / sy) + zy): the integer
  // form differs from exact arithmetic only at near-ties.
  std::vector<int8_t> a(256), b(256), y(256);
  for (int i = 0; i < 256; ++i) {
    a[i] = int8_t(i - 128);
    b[i] = int8_t(127 - i);
  }
  std::vector<double> sa{0.05}, sb{0.021}, sy{0.07};
  std::vector<int64_t> za{3}, zb{-7}, zy{1};
  View av{GAON_I8, {256}, a.data(), &sa, &za, -1};
  View bv{GAON_I8, {256}, b.data(), &sb, &zb, -1};
  View yv{GAON_I8, {256}, y.data(), &sy, &zy, -1};
  rt::OpDesc op;
  op.kind = "graph.qadd";
  ASSERT_EQ(validateCall(op, {av, bv}, {yv}), "");
  ASSERT_EQ(findKernel("graph.qadd")(op, {av, bv}, {yv}, 1), "");
  npu::AddRescale r;
  ASSERT_TRUE(npu::addRescale(0.05, 0.021, 0.07, r));
  for (int i = 0; i < 256; ++i) {
    int32_t da = a[i] - 3, db = b[i] + 7;
    EXPECT_EQ(y[i], npu::addRequantize(da, db, r, 1, -128, 127));
    double exact = (0.05 * da + 0.021 * db) / 0.07;
    double want = std::clamp(std::nearbyint(exact) + 1, -128.0, 127.0);
    EXPECT_LE(std::fabs(y[i] - want), 1.0);
    if (std::fabs(exact - std::floor(exact) - 0.5) > 1e-4) {
      EXPECT_EQ(y[i], want) << "a " << int(a[i]) << " b " << int(b[i]);
    }
  }
}

} // namespace

namespace {

TEST(QuantKernels, VectorRowsEqualTheScalarDefinition) {
  // requantizeRow, quantizedAddRow and quantizeRow run 16 lanes at a time
  // on AVX-512; each element must equal Requantize.h's scalar result,
  // including ties (m = 2^30, shift 0 halves: odd sums tie) and the
  // largest shifts, at lengths that leave partial vectors.
  std::mt19937 rng(11);
  std::vector<npu::Multiplier> mults{{1 << 30, 0}, {1 << 30, 3}};
  for (double scale : {0.73, 1e-3, 3.1e-7, 2.5e-10, 1e-12}) {
    npu::Multiplier m;
    ASSERT_TRUE(npu::quantizeMultiplier(scale, m));
    mults.push_back(m);
  }
  for (const npu::Multiplier &m : mults)
    for (int64_t n : {1, 15, 16, 37}) {
      std::vector<int32_t> acc(n);
      for (auto &v : acc)
        v = int32_t(rng()) >> (rng() % 31);
      int32_t add = int32_t(rng() % 2001) - 1000;
      for (bool u : {false, true}) {
        int32_t lo = u ? 3 : -128, hi = u ? 250 : 100, zp = u ? 7 : -3;
        std::vector<uint8_t> got(n);
        requantizeRow(acc.data(), n, add, m, zp, lo, hi, got.data(), u);
        for (int64_t i = 0; i < n; ++i) {
          int32_t want = npu::requantize(
              int32_t(uint32_t(acc[i]) + uint32_t(add)), m, zp, lo, hi);
          ASSERT_EQ(u ? int32_t(got[i]) : int32_t(int8_t(got[i])), want)
              << "m " << m.m << " shift " << m.shift << " acc " << acc[i];
        }
      }
    }
  npu::AddRescale r;
  ASSERT_TRUE(npu::addRescale(0.05, 0.031, 0.07, r));
  std::vector<uint8_t> a(53), b(53), y(53);
  for (auto &v : a)
    v = uint8_t(rng());
  for (auto &v : b)
    v = uint8_t(rng());
  quantizedAddRow(a.data(), true, b.data(), false, 53, 3, -2, r, 5, 0, 255,
                  y.data(), true);
  for (int i = 0; i < 53; ++i)
    ASSERT_EQ(int32_t(y[i]), npu::addRequantize(int32_t(a[i]) - 3,
                                                int32_t(int8_t(b[i])) + 2, r,
                                                5, 0, 255));
  std::vector<float> x(41);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = (float(i) - 20.0f) * 0.25f + (i % 3 == 0 ? 0.125f : 0.0f);
  x[0] = 1e9f;
  std::vector<uint8_t> q(x.size());
  quantizeRow(x.data(), int64_t(x.size()), 0.25, -1, q.data(), false);
  for (size_t i = 0; i < x.size(); ++i) {
    double want = std::clamp(std::nearbyint(double(x[i]) / 0.25) - 1, -128.0,
                             127.0);
    ASSERT_EQ(int32_t(int8_t(q[i])), int32_t(want)) << "x " << x[i];
  }
}

} // namespace

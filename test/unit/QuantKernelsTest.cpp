//===- QuantKernelsTest.cpp - the CPU target's integer kernels ------------===//
//
// The fast integer convolution (im2col on our AVX-512 VNNI GEMM, or on
// oneDNN's integer GEMM when weights have a zero point) against the plain
// loops, bit for bit, over strides, padding, dilation, groups, zero points
// and sizes that leave partial tiles (K not a multiple of 4, rows not of 8,
// pixels not of 32); quantized add against its definition in docs/npu.md.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/kernels/Int8Nhwc.h"
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

cpu::OpDesc convOp(const Conv &c) {
  cpu::OpDesc op;
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
      {1, 4, 7, 7, 4, 3, 1, 1, 1, 4, GAON_U8, 128, -1},  // depthwise
      {1, 6, 9, 8, 6, 3, 2, 1, 1, 6, GAON_I8, 4, 0},     // depthwise, stride 2
      {1, 3, 11, 10, 3, 3, 2, 2, 2, 3, GAON_U8, 0, 0},   // depthwise, dilated
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
    cpu::OpDesc op = convOp(c);
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

/// [n][c][h][w] stored NCHW, rewritten NHWC (or back with `toNhwc` false).
template <typename T>
std::vector<T> relayout(const std::vector<T> &v, int64_t n, int64_t c,
                        int64_t h, int64_t w, bool toNhwc) {
  std::vector<T> out(v.size());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t p = 0; p < h * w; ++p) {
        int64_t nchw = (i * c + ch) * h * w + p,
                nhwc = (i * h * w + p) * c + ch;
        if (toNhwc)
          out[nhwc] = v[nchw];
        else
          out[nchw] = v[nhwc];
      }
  return out;
}

// The channels-last kernels (Int8Nhwc.h) against the row-major plain loops:
// int32 sums from NHWC and NCHW inputs, and requantized bytes from the
// vector and the plain forms, bit for bit.
TEST(QuantKernels, ChannelsLastConvolutionEqualsPlainLoops) {
  std::mt19937 rng(5);
  const Conv cases[] = {
      {2, 8, 9, 7, 16, 3, 1, 1, 1, 1, GAON_U8, 0, 0},
      {1, 8, 9, 9, 12, 3, 2, 1, 1, 1, GAON_U8, 17, 0},
      {1, 16, 5, 5, 40, 1, 1, 0, 1, 1, GAON_I8, -3, 0},    // direct, M 40
      {1, 6, 5, 7, 6, 1, 1, 0, 1, 1, GAON_U8, 9, 0},       // 1x1, C 6: gathered
      {1, 20, 7, 7, 20, 3, 1, 1, 1, 20, GAON_U8, 128, 0},  // depthwise
      {1, 70, 9, 8, 70, 3, 2, 1, 1, 70, GAON_I8, 4, 0},    // depthwise, 70 ch
      {1, 3, 11, 10, 3, 3, 2, 2, 2, 3, GAON_U8, 0, 0},     // depthwise, dilated
      {2, 40, 9, 11, 40, 5, 1, 2, 1, 40, GAON_I8, -9, 0},  // depthwise 5x5
      {1, 33, 12, 9, 33, 7, 2, 3, 1, 33, GAON_U8, 200, 0}, // 7x7, stride 2
      {1, 16, 4, 6, 16, 1, 1, 0, 1, 16, GAON_U8, 1, 0},    // depthwise 1x1
      {1, 17, 3, 2, 17, 3, 1, 2, 1, 17, GAON_I8, 127, 0},  // padding > input
      {1, 5, 11, 13, 13, 3, 1, 1, 1, 1, GAON_I8, -7, 0},   // K 45, M 13
      {1, 12, 4, 4, 24, 3, 1, 1, 1, 3, GAON_U8, 0, 0},     // groups of 8
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
      v = int8_t(int(rng() % 255) - 127);
    for (auto &v : bias)
      v = int32_t(rng() % 20001) - 10000;
    // Row-major reference sums.
    std::vector<double> xs{0.5}, ws(c.m, 0.25), ys(c.m, 0.125);
    std::vector<int64_t> xz{c.zx}, wz(c.m, 0), yz(c.m, 0);
    View xv{c.xType, {c.n, c.c, c.h, c.w}, x.data(), &xs, &xz, -1};
    View wv{GAON_I8, {c.m, c.c / c.group, c.k, c.k}, w.data(), &ws, &wz, 0};
    wv.isConstant = true;
    View bv{GAON_I32, {c.m}, bias.data()};
    std::vector<int32_t> reference(c.n * c.m * oh * ow);
    View rv{GAON_I32, {c.n, c.m, oh, ow}, reference.data(), &ys, &yz, 1};
    ASSERT_EQ(findKernel("graph.qconv")(convOp(c), {xv, wv, bv}, {rv}, 2), "");
    // Requantization variants, each taking its own vector form: every
    // multiplier an integer with shifts up to 12 (double), one shift above
    // 12 (64-bit integers), one ratio above 1 (scalar).
    enum Variant { kShiftsUpTo12, kShiftAbove12, kRatioAbove1 };
    auto configure = [&](NhwcConv &conv, bool wide,
                         Variant variant = kShiftsUpTo12) {
      conv.group = c.group;
      conv.Cg = c.c / c.group;
      conv.Mg = c.m / c.group;
      conv.kh = conv.kw = c.k;
      conv.sh = conv.sw = c.stride;
      conv.dh = conv.dw = c.dilation;
      conv.ph = conv.pw = c.pad;
      conv.depthwise = conv.Cg == 1 && conv.Mg == 1;
      conv.inputZero = int32_t(c.zx);
      conv.inputUnsigned = c.xType == GAON_U8;
      conv.output.wide = wide;
      if (wide)
        return;
      // Per-channel multipliers over a range of shifts, a clamp narrower
      // than the storage range.
      conv.output.zeroPoint = 3;
      conv.output.lo = -100;
      conv.output.hi = 120;
      for (int64_t ch = 0; ch < c.m; ++ch) {
        double ratio = std::ldexp(0.3 + 0.05 * ch, -int(ch % 9));
        if (variant == kShiftAbove12 && ch == 2)
          ratio = std::ldexp(0.7, -20);
        if (variant == kRatioAbove1 && ch == 1)
          ratio = 1.5;
        npu::Multiplier m;
        bool integer = npu::quantizeMultiplier(ratio, m);
        conv.output.mult.push_back(m);
        conv.output.ratio.push_back(ratio);
        conv.output.integer.push_back(integer);
      }
    };
    std::vector<uint8_t> xNhwc = relayout(x, c.n, c.c, c.h, c.w, true);
    std::vector<int32_t> sums(reference.size());
    for (bool plain : {false, true}) {
      NhwcConv conv;
      configure(conv, true);
      prepareNhwcConv(conv, w.data(), bias.data(), plain);
      for (bool channelsLastInput : {true, false}) {
        if (conv.depthwise && !channelsLastInput)
          continue;
        std::fill(sums.begin(), sums.end(), 7);
        runNhwcConv(conv, channelsLastInput ? xNhwc.data() : x.data(),
                    channelsLastInput, c.n, c.h, c.w, sums.data(), oh, ow, 2);
        EXPECT_EQ(relayout(sums, c.n, c.m, oh, ow, false), reference)
            << "sums: " << c.c << " channels, group " << c.group << ", stride "
            << c.stride << (plain ? ", plain" : "")
            << (channelsLastInput ? ", NHWC input" : ", NCHW input");
      }
    }
    for (Variant variant : {kShiftsUpTo12, kShiftAbove12, kRatioAbove1}) {
      std::vector<uint8_t> bytes[2];
      for (bool plain : {false, true}) {
        NhwcConv conv;
        configure(conv, false, variant);
        prepareNhwcConv(conv, w.data(), bias.data(), plain);
        bytes[plain].assign(reference.size(), 0xAA);
        runNhwcConv(conv, xNhwc.data(), true, c.n, c.h, c.w,
                    bytes[plain].data(), oh, ow, 2);
        // The plain form's bytes follow Requantize.h's scalar definition.
        if (plain) {
          std::vector<int32_t> sumsNhwc =
              relayout(reference, c.n, c.m, oh, ow, true);
          for (size_t i = 0; i < sumsNhwc.size(); ++i) {
            int64_t ch = int64_t(i) % c.m;
            int32_t want;
            if (conv.output.integer[ch])
              want = npu::requantize(sumsNhwc[i], conv.output.mult[ch], 3, -100,
                                     120);
            else
              want = int32_t(std::clamp(
                  std::nearbyint(sumsNhwc[i] * conv.output.ratio[ch]) + 3,
                  -100.0, 120.0));
            ASSERT_EQ(int8_t(bytes[1][i]), want) << "element " << i;
          }
        }
      }
      EXPECT_EQ(bytes[0], bytes[1]) << "requantized: " << c.c << " channels"
                                    << ", variant " << variant;
    }
  }
}

// Layouts the channels-last integer kernels cannot take are refused when the
// session is prepared, each with its reason.
TEST(QuantKernels, ChannelsLastLayoutsTheKernelsCannotTakeAreRefused) {
  std::vector<uint8_t> x(1 * 4 * 5 * 5), y(1 * 4 * 5 * 5);
  std::vector<int8_t> w(4 * 4 * 3 * 3);
  std::vector<double> xs{0.5}, ws(4, 0.25), ys{0.125};
  std::vector<int64_t> xz{0}, wz(4, 0), wzOdd{0, 1, 0, 0}, yz{0};
  Conv c{1, 4, 5, 5, 4, 3, 1, 1, 1, 1, GAON_U8, 0, 0};
  auto call = [&](const Conv &conv, bool xLast, bool yLast,
                  std::vector<int64_t> wShape, std::vector<int64_t> *wZero) {
    View xv{GAON_U8, {1, 4, 5, 5}, x.data(), &xs, &xz, -1};
    xv.channelsLast = xLast;
    View wv{GAON_I8, wShape, w.data(), &ws, wZero, 0};
    wv.isConstant = true;
    View yv{GAON_U8, {1, 4, 5, 5}, y.data(), &ys, &yz, -1};
    yv.channelsLast = yLast;
    return validateCall(convOp(conv), {xv, wv}, {yv});
  };
  EXPECT_EQ(call(c, true, true, {4, 4, 3, 3}, &wz), "");
  EXPECT_EQ(call(c, false, true, {4, 4, 3, 3}, &wz), "");
  EXPECT_NE(call(c, true, false, {4, 4, 3, 3}, &wz)
                .find("must have a channels-last result"),
            std::string::npos);
  EXPECT_NE(call(c, true, true, {4, 4, 3, 3}, &wzOdd).find("zero point 0"),
            std::string::npos);
  EXPECT_NE(call(c, true, true, {4, 36}, &wz).find("rank-4 weights"),
            std::string::npos);
  Conv depthwise = c;
  depthwise.group = 4;
  EXPECT_EQ(call(depthwise, true, true, {4, 1, 3, 3}, &wz), "");
  EXPECT_NE(call(depthwise, false, true, {4, 1, 3, 3}, &wz)
                .find("depthwise convolution needs a channels-last input"),
            std::string::npos);

  cpu::OpDesc mean;
  mean.kind = "graph.qmean";
  mean.attributes["axes"].ints = {3};
  std::vector<uint8_t> m(1 * 4 * 5);
  View xv{GAON_U8, {1, 4, 5, 5}, x.data(), &xs, &xz, -1};
  xv.channelsLast = true;
  View mv{GAON_U8, {1, 4, 5}, m.data(), &ys, &yz, -1};
  EXPECT_NE(validateCall(mean, {xv}, {mv}).find("over axes 2 and 3"),
            std::string::npos);
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
  cpu::OpDesc op;
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
    ASSERT_EQ(int32_t(y[i]),
              npu::addRequantize(int32_t(a[i]) - 3, int32_t(int8_t(b[i])) + 2,
                                 r, 5, 0, 255));
  std::vector<float> x(41);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = (float(i) - 20.0f) * 0.25f + (i % 3 == 0 ? 0.125f : 0.0f);
  x[0] = 1e9f;
  std::vector<uint8_t> q(x.size());
  quantizeRow(x.data(), int64_t(x.size()), 0.25, -1, q.data(), false);
  for (size_t i = 0; i < x.size(); ++i) {
    double want =
        std::clamp(std::nearbyint(double(x[i]) / 0.25) - 1, -128.0, 127.0);
    ASSERT_EQ(int32_t(int8_t(q[i])), int32_t(want)) << "x " << x[i];
  }
}

} // namespace

// A qmatmul with a constant s8 rhs runs as Int8Nhwc's GEMM (rows of the lhs
// as pixels); int32 sums and requantized bytes equal the general loops, over
// row counts, K not a multiple of 4, per-tensor and per-column scales.
TEST(QuantKernels, PreparedMatMulEqualsGeneralLoops) {
  if (!nhwcVectorized())
    GTEST_SKIP() << "no AVX-512 VNNI: qmatmul keeps its general loops";
  std::mt19937 rng(11);
  struct Case {
    std::vector<int64_t> aShape;
    int64_t n;
    gaon_dtype aType, yType;
    int64_t za, zy;
    bool perColumn;
  };
  const Case cases[] = {
      {{1, 1280}, 1000, GAON_U8, GAON_I8, 3, -2, true}, // a classifier
      {{3, 37}, 70, GAON_I8, GAON_U8, -9, 100, false},
      {{2, 4, 20}, 33, GAON_U8, GAON_I32, 255, 0, true}, // batch axes
      {{37}, 5, GAON_I8, GAON_I8, 0, 0, false},          // a vector
  };
  for (const Case &c : cases) {
    int64_t K = c.aShape.back(), rows = 1;
    for (int64_t d : c.aShape)
      rows *= d;
    rows /= K;
    std::vector<uint8_t> a(rows * K);
    std::vector<int8_t> b(K * c.n);
    std::vector<int32_t> bias(c.n);
    for (auto &v : a)
      v = uint8_t(rng());
    for (auto &v : b)
      v = int8_t(int(rng() % 255) - 127);
    for (auto &v : bias)
      v = int32_t(rng() % 20001) - 10000;
    std::vector<double> as{0.05}, bs(c.perColumn ? c.n : 1), ys{0.5};
    for (size_t j = 0; j < bs.size(); ++j)
      bs[j] = 0.0004 * (1 + j % 7);
    std::vector<int64_t> az{c.za}, bz(bs.size(), 0), yz{c.zy};
    View av{c.aType, c.aShape, a.data(), &as, &az, -1};
    View bv{GAON_I8, {K, c.n}, b.data(), &bs, &bz, c.perColumn ? 1 : -1};
    bv.isConstant = true;
    View biasView{GAON_I32, {c.n}, bias.data()};
    std::vector<int64_t> yShape = c.aShape;
    yShape.back() = c.n;
    int64_t bytes = c.yType == GAON_I32 ? 4 : 1;
    std::vector<uint8_t> general(rows * c.n * bytes, 0xAA),
        prepared(general.size(), 0x55);
    View yv{c.yType, yShape, general.data(), &ys, &yz, -1};
    View pv = yv;
    pv.data = prepared.data();
    cpu::OpDesc op;
    op.kind = "graph.qmatmul";
    std::vector<View> in{av, bv, biasView};
    ASSERT_EQ(validateCall(op, in, {yv}), "");
    ASSERT_EQ(findKernel("graph.qmatmul")(op, in, {yv}, 2), "");
    const PreparedKernel *kernel = findPreparedKernel("graph.qmatmul");
    ASSERT_NE(kernel, nullptr);
    std::unique_ptr<KernelState> state;
    ASSERT_EQ(kernel->prepare(op, in, {pv}, state), "");
    ASSERT_NE(state, nullptr) << "the GEMM form should take this qmatmul";
    ASSERT_EQ(kernel->run(op, in, {pv}, 2, *state), "");
    EXPECT_EQ(prepared, general) << rows << " rows, K " << K << ", N " << c.n;
  }
}

// Random geometries (kernel 1 to 7, stride 1 to 3, dilation, padding up to
// 3, images down to 1x1, channel counts off the 16-lane blocks, either
// input layout): the channels-last sums equal direct loops written here,
// and the vector and plain forms requantize to the same bytes.
TEST(QuantKernels, ChannelsLastConvolutionRandomGeometries) {
  std::mt19937 rng(13);
  int checked = 0;
  while (checked < 400) {
    bool depthwise = rng() % 2;
    int64_t C = 1 + rng() % 70, k = 1 + rng() % 7, s = 1 + rng() % 3,
            d = 1 + rng() % 2, p = rng() % 4, H = 1 + rng() % 12,
            W = 1 + rng() % 12, M = depthwise ? C : 1 + rng() % 40;
    int64_t span = (k - 1) * d + 1;
    if (H + 2 * p < span || W + 2 * p < span)
      continue;
    int64_t OH = (H + 2 * p - span) / s + 1, OW = (W + 2 * p - span) / s + 1;
    bool isUnsigned = rng() % 2, channelsLast = depthwise || rng() % 2;
    NhwcConv conv;
    conv.group = depthwise ? C : 1;
    conv.Cg = C / conv.group;
    conv.Mg = M / conv.group;
    conv.kh = conv.kw = k;
    conv.sh = conv.sw = s;
    conv.dh = conv.dw = d;
    conv.ph = conv.pw = p;
    conv.depthwise = depthwise;
    conv.inputUnsigned = isUnsigned;
    conv.inputZero =
        isUnsigned ? int32_t(rng() % 256) : int32_t(rng() % 256) - 128;
    std::vector<int8_t> w(M * conv.Cg * k * k);
    std::vector<int32_t> bias(M);
    std::vector<uint8_t> x(C * H * W);
    for (auto &v : w)
      v = int8_t(rng());
    for (auto &v : bias)
      v = int32_t(rng() % 2001) - 1000;
    for (auto &v : x)
      v = uint8_t(rng());
    // Sums: the vector form (the plain one where the CPU has no VNNI).
    NhwcConv wide = conv;
    wide.output.wide = true;
    prepareNhwcConv(wide, w.data(), bias.data());
    std::vector<int32_t> sums(OH * OW * M);
    runNhwcConv(wide, x.data(), channelsLast, 1, H, W, sums.data(), OH, OW, 2);
    for (int64_t m = 0; m < M; ++m)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          uint32_t acc = uint32_t(bias[m]);
          int64_t g = m / conv.Mg;
          for (int64_t ci = 0; ci < conv.Cg; ++ci)
            for (int64_t i = 0; i < k; ++i)
              for (int64_t j = 0; j < k; ++j) {
                int64_t ih = oh * s + i * d - p, iw = ow * s + j * d - p;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W)
                  continue;
                int64_t c = g * conv.Cg + ci;
                uint8_t raw = channelsLast ? x[(ih * W + iw) * C + c]
                                           : x[(c * H + ih) * W + iw];
                int32_t v = isUnsigned ? raw : int8_t(raw);
                acc += uint32_t((v - conv.inputZero) *
                                w[((m * conv.Cg + ci) * k + i) * k + j]);
              }
          ASSERT_EQ(int32_t(acc), sums[(oh * OW + ow) * M + m])
              << (depthwise ? "depthwise, " : "") << C << " channels, kernel "
              << k << ", stride " << s << ", dilation " << d << ", pad " << p
              << ", " << H << "x" << W;
        }
    // Bytes: shifts over 0..15, so both requantization forms occur.
    conv.output.zeroPoint = int32_t(rng() % 41) - 20;
    conv.output.lo = -128;
    conv.output.hi = 127;
    for (int64_t m = 0; m < M; ++m) {
      double ratio = std::ldexp(0.5 + 0.01 * m, -int(rng() % 16));
      npu::Multiplier mult;
      conv.output.integer.push_back(npu::quantizeMultiplier(ratio, mult));
      conv.output.mult.push_back(mult);
      conv.output.ratio.push_back(ratio);
    }
    std::vector<uint8_t> bytes[2];
    for (bool plain : {false, true}) {
      NhwcConv form = conv;
      prepareNhwcConv(form, w.data(), bias.data(), plain);
      bytes[plain].assign(OH * OW * M, 0xAA);
      runNhwcConv(form, x.data(), channelsLast, 1, H, W, bytes[plain].data(),
                  OH, OW, 2);
    }
    ASSERT_EQ(bytes[0], bytes[1]) << C << " channels, kernel " << k;
    ++checked;
  }
}

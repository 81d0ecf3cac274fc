//===- VectorMathTest.cpp - accuracy of the vectorized float32 loops -------===//
//
// Each loop against a double-precision reference over dense sweeps and the
// special values (NaN, infinities, the ends of the ranges).
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/kernels/VectorMath.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

using namespace gaon::cpu::vec;

namespace {

std::vector<float> sweep(float lo, float hi, int n) {
  std::vector<float> x(n);
  for (int i = 0; i < n; ++i)
    x[i] = lo + (hi - lo) * i / (n - 1);
  return x;
}

double relError(double got, double want) {
  return std::fabs(got - want) / std::max(std::fabs(want), 1e-30);
}

TEST(VectorMath, ErfWithinBound) {
  auto x = sweep(-6, 6, 200001);
  x.push_back(1e-30f);
  x.push_back(-1e-20f);
  std::vector<float> y(x.size());
  erfF32(x.data(), y.data(), x.size());
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i)
    worst = std::max(worst, relError(y[i], std::erf(double(x[i]))));
  EXPECT_LT(worst, 4e-7);
}

TEST(VectorMath, ErfSpecialValues) {
  float nan = std::numeric_limits<float>::quiet_NaN();
  float inf = std::numeric_limits<float>::infinity();
  std::vector<float> x = {nan, inf, -inf, 0.0f}, y(4);
  erfF32(x.data(), y.data(), 4);
  EXPECT_TRUE(std::isnan(y[0]));
  EXPECT_EQ(y[1], 1.0f);
  EXPECT_EQ(y[2], -1.0f);
  EXPECT_EQ(y[3], 0.0f);
}

TEST(VectorMath, GeluMatchesDefinition) {
  auto x = sweep(-10, 10, 100001);
  std::vector<float> y(x.size());
  geluF32(x.data(), y.data(), x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    double v = x[i], want = 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
    ASSERT_LE(std::fabs(y[i] - want), 1e-6 * std::max(1.0, std::fabs(want)))
        << "at x = " << v;
  }
}

TEST(VectorMath, ExpWithinBoundAndFlushesBelowNormalRange) {
  auto x = sweep(-87.3f, 88.3f, 400001);
  std::vector<float> y(x.size());
  expF32(x.data(), y.data(), x.size());
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i)
    worst = std::max(worst, relError(y[i], std::exp(double(x[i]))));
  EXPECT_LT(worst, 2e-7);

  float nan = std::numeric_limits<float>::quiet_NaN();
  float inf = std::numeric_limits<float>::infinity();
  std::vector<float> s = {nan, -inf, -100.0f, inf, 100.0f}, t(5);
  expF32(s.data(), t.data(), 5);
  EXPECT_TRUE(std::isnan(t[0]));
  EXPECT_EQ(t[1], 0.0f);
  EXPECT_EQ(t[2], 0.0f);
  EXPECT_EQ(t[3], inf);
  EXPECT_EQ(t[4], inf);
}

TEST(VectorMath, SoftmaxRowsSumToOneAndMatch) {
  // Odd row length: exercises the vector body and the scalar tail.
  const int rows = 7, size = 37;
  std::vector<float> x(rows * size), y(x.size()), logY(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = std::sin(i * 0.37f) * 20;
  x[size + 3] = -std::numeric_limits<float>::infinity(); // a masked element
  softmaxRowsF32(x.data(), y.data(), rows, size, false);
  softmaxRowsF32(x.data(), logY.data(), rows, size, true);
  for (int r = 0; r < rows; ++r) {
    double m = -INFINITY, sum = 0;
    for (int i = 0; i < size; ++i)
      m = std::max(m, double(x[r * size + i]));
    for (int i = 0; i < size; ++i)
      sum += std::exp(x[r * size + i] - m);
    for (int i = 0; i < size; ++i) {
      double want = std::exp(x[r * size + i] - m) / sum;
      EXPECT_NEAR(y[r * size + i], want, 1e-6 * want + 1e-12);
      if (want > 0)
        EXPECT_NEAR(logY[r * size + i], std::log(want), 1e-5);
    }
  }
  EXPECT_EQ(y[size + 3], 0.0f);
}

TEST(VectorMath, NormRowsMatchReference) {
  const int rows = 5, size = 51;
  std::vector<float> x(rows * size), y(x.size()), scale(size), bias(size);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = 100 + std::cos(i * 0.11f) * 3; // a large mean, a small spread
  for (int i = 0; i < size; ++i) {
    scale[i] = 0.5f + i * 0.01f;
    bias[i] = -0.25f + i * 0.02f;
  }
  for (bool subtractMean : {true, false}) {
    normRowsF32(x.data(), y.data(), rows, size, 1e-5, subtractMean,
                scale.data(), subtractMean ? bias.data() : nullptr);
    for (int r = 0; r < rows; ++r) {
      double mean = 0, var = 0;
      for (int i = 0; i < size; ++i)
        mean += subtractMean ? x[r * size + i] : 0.0;
      mean /= size;
      for (int i = 0; i < size; ++i)
        var += (x[r * size + i] - mean) * (x[r * size + i] - mean);
      var /= size;
      for (int i = 0; i < size; ++i) {
        double want = (x[r * size + i] - mean) / std::sqrt(var + 1e-5) * scale[i] +
                      (subtractMean ? bias[i] : 0.0);
        EXPECT_NEAR(y[r * size + i], want, 2e-5 * std::max(1.0, std::fabs(want)));
      }
    }
  }
}

TEST(VectorMath, BinaryBroadcastForms) {
  std::vector<float> a = {1, 2, 3, 4, 5}, b = {10, 20, 30, 40, 50}, y(5);
  binaryF32('+', a.data(), 1, b.data(), 1, y.data(), 5);
  EXPECT_EQ(y, (std::vector<float>{11, 22, 33, 44, 55}));
  binaryF32('-', a.data(), 1, b.data(), 0, y.data(), 5);
  EXPECT_EQ(y, (std::vector<float>{-9, -8, -7, -6, -5}));
  binaryF32('/', a.data(), 0, b.data(), 1, y.data(), 5);
  EXPECT_EQ(y[1], 1.0f / 20);
  binaryF32('*', a.data(), 0, b.data(), 0, y.data(), 5);
  EXPECT_EQ(y, (std::vector<float>(5, 10)));
}

} // namespace

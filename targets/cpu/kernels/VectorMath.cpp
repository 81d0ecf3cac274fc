//===- VectorMath.cpp - vectorized float32 loops for the CPU kernels ------===//
//
// Written as plain loops the compiler vectorizes: fixed-width accumulator
// arrays instead of reassociated reductions (no -ffast-math, so NaN and
// infinity keep IEEE behaviour), polynomials instead of libm calls.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/kernels/VectorMath.h"

#include <cmath>
#include <cstring>

#define GAON_MULTIVERSION                                                      \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#define GAON_INLINE inline __attribute__((always_inline))

// Compare-and-select clamps: unlike fmin/fmax they map onto vector min/max
// (a NaN input passes through, which the callers then propagate).
#define GAON_CLAMP(V, LO, HI) ((V) < (LO) ? (LO) : (V) > (HI) ? (HI) : (V))

namespace gaon::cpu::vec {
namespace {

constexpr int kLanes = 16;

GAON_INLINE float erfOne(float x) {
  // Past 3.925 erf(x) rounds to +-1 in float32.
  float c = GAON_CLAMP(x, -3.925f, 3.925f);
  float t = c * c;
  float p = 2.111057753e-06f;
  p = p * t + 2.844954884e-04f;
  p = p * t + 3.631942955e-03f;
  p = p * t + 5.234392923e-02f;
  p = p * t + 1.869414666e-01f;
  p = p * t + 1.128379160e+00f;
  float q = 3.870298572e-05f;
  q = q * t + 1.135022422e-03f;
  q = q * t + 1.469901529e-02f;
  q = q * t + 1.127255694e-01f;
  q = q * t + 4.990055909e-01f;
  q = q * t + 1.0f;
  float r = c * p / q;
  return GAON_CLAMP(r, -1.0f, 1.0f);
}

GAON_INLINE float expOne(float x) {
  // exp(x) = 2^n exp(r), n = round(x / ln 2), |r| <= ln(2)/2; ln 2 split in
  // two so n * ln2Hi is exact. Degree-7 Taylor series: remainder r^8/8! is
  // under 5e-9 relative on that interval.
  const float log2e = 1.44269504088896341f;
  const float ln2Hi = 0.693359375f, ln2Lo = -2.12194440054690583e-4f;
  const float roundMagic = 12582912.0f; // 1.5 * 2^23: adding it rounds
  float c = GAON_CLAMP(x, -87.33654f, 88.37626f);
  float n = (c * log2e + roundMagic) - roundMagic;
  float r = c - n * ln2Hi - n * ln2Lo;
  float p = 1.0f / 5040;
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  float e = p * scale;
  e = x < -87.33654f ? 0.0f : e;
  e = x > 88.37626f ? INFINITY : e;
  return x != x ? x : e;
}

} // namespace

GAON_MULTIVERSION
void binaryF32(char op, const float *a, int64_t aStep, const float *b,
               int64_t bStep, float *y, int64_t n) {
  // One loop per (op, steps) so each vectorizes without a per-element branch.
#define GAON_BINARY_LOOPS(EXPR)                                                \
  if (aStep && bStep)                                                          \
    for (int64_t i = 0; i < n; ++i) {                                          \
      float x = a[i], z = b[i];                                                \
      y[i] = EXPR;                                                             \
    }                                                                          \
  else if (aStep)                                                              \
    for (int64_t i = 0, z0 = 0; i < n; ++i) {                                  \
      float x = a[i], z = b[z0];                                               \
      y[i] = EXPR;                                                             \
    }                                                                          \
  else if (bStep)                                                              \
    for (int64_t i = 0, x0 = 0; i < n; ++i) {                                  \
      float x = a[x0], z = b[i];                                               \
      y[i] = EXPR;                                                             \
    }                                                                          \
  else                                                                         \
    for (int64_t i = 0; i < n; ++i) {                                          \
      float x = a[0], z = b[0];                                                \
      y[i] = EXPR;                                                             \
    }
  switch (op) {
  case '+': GAON_BINARY_LOOPS(x + z) break;
  case '-': GAON_BINARY_LOOPS(x - z) break;
  case '*': GAON_BINARY_LOOPS(x * z) break;
  default: GAON_BINARY_LOOPS(x / z) break;
  }
#undef GAON_BINARY_LOOPS
}

GAON_MULTIVERSION
void erfF32(const float *x, float *y, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    y[i] = erfOne(x[i]);
}

GAON_MULTIVERSION
void geluF32(const float *x, float *y, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    y[i] = 0.5f * x[i] * (1.0f + erfOne(x[i] * 0.70710678118654752f));
}

GAON_MULTIVERSION
void expF32(const float *x, float *y, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    y[i] = expOne(x[i]);
}

GAON_MULTIVERSION
void softmaxRowsF32(const float *x, float *y, int64_t rows, int64_t size,
                    bool log) {
  for (int64_t r = 0; r < rows; ++r) {
    const float *xr = x + r * size;
    float *yr = y + r * size;
    // NaN is skipped here; it still reaches every output through exp.
    float lanes[kLanes];
    for (int j = 0; j < kLanes; ++j)
      lanes[j] = -INFINITY;
    int64_t i = 0;
    for (; i + kLanes <= size; i += kLanes)
      for (int j = 0; j < kLanes; ++j)
        lanes[j] = xr[i + j] > lanes[j] ? xr[i + j] : lanes[j];
    float m = -INFINITY;
    for (int j = 0; j < kLanes; ++j)
      m = lanes[j] > m ? lanes[j] : m;
    for (; i < size; ++i)
      m = xr[i] > m ? xr[i] : m;
    if (m == -INFINITY) // an all -inf row: ONNX Runtime yields NaN too
      m = 0;
    double sums[kLanes] = {};
    i = 0;
    for (; i + kLanes <= size; i += kLanes)
      for (int j = 0; j < kLanes; ++j) {
        float e = expOne(xr[i + j] - m);
        if (!log)
          yr[i + j] = e;
        sums[j] += e;
      }
    double sum = 0;
    for (int j = 0; j < kLanes; ++j)
      sum += sums[j];
    for (; i < size; ++i) {
      float e = expOne(xr[i] - m);
      if (!log)
        yr[i] = e;
      sum += e;
    }
    if (log) {
      float shift = static_cast<float>(m + std::log(sum));
      for (i = 0; i < size; ++i)
        yr[i] = xr[i] - shift;
    } else {
      float inv = static_cast<float>(1.0 / sum);
      for (i = 0; i < size; ++i)
        yr[i] *= inv;
    }
  }
}

GAON_MULTIVERSION
void normRowsF32(const float *x, float *y, int64_t rows, int64_t size,
                 double eps, bool subtractMean, const float *scale,
                 const float *bias) {
  for (int64_t r = 0; r < rows; ++r) {
    const float *xr = x + r * size;
    float *yr = y + r * size;
    double mean = 0;
    if (subtractMean) {
      double sums[kLanes] = {};
      int64_t i = 0;
      for (; i + kLanes <= size; i += kLanes)
        for (int j = 0; j < kLanes; ++j)
          sums[j] += xr[i + j];
      for (int j = 0; j < kLanes; ++j)
        mean += sums[j];
      for (; i < size; ++i)
        mean += xr[i];
      mean /= size;
    }
    double squares[kLanes] = {}, var = 0;
    int64_t i = 0;
    for (; i + kLanes <= size; i += kLanes)
      for (int j = 0; j < kLanes; ++j) {
        double d = xr[i + j] - mean;
        squares[j] += d * d;
      }
    for (int j = 0; j < kLanes; ++j)
      var += squares[j];
    for (; i < size; ++i)
      var += (xr[i] - mean) * (xr[i] - mean);
    var /= size;
    float inv = static_cast<float>(1.0 / std::sqrt(var + eps));
    float m = static_cast<float>(mean);
    if (bias)
      for (i = 0; i < size; ++i)
        yr[i] = (xr[i] - m) * inv * scale[i] + bias[i];
    else
      for (i = 0; i < size; ++i)
        yr[i] = (xr[i] - m) * inv * scale[i];
  }
}

} // namespace gaon::cpu::vec

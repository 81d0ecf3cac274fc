//===- VectorMath.h - vectorized float32 loops for the CPU kernels -*- C++ -*-===//
//
// The float32 inner loops where inference time goes outside convolution and
// matmul: broadcasting arithmetic, erf/GELU, softmax and the norms. Each is
// compiled for AVX-512, AVX2+FMA and baseline x86-64 and picked at load time
// (GCC function multiversioning), so one binary runs everywhere and uses the
// widest vectors the host has. Callers split work across threads; these
// functions are single-threaded and allocation-free.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_TARGETS_CPU_KERNELS_VECTORMATH_H
#define GAON_TARGETS_CPU_KERNELS_VECTORMATH_H

#include <cstdint>

namespace gaon::cpu::vec {

/// y[i] = a[i * aStep] op b[i * bStep] for i < n; steps are 0 (a broadcast
/// scalar) or 1, op is one of + - * /.
void binaryF32(char op, const float *a, int64_t aStep, const float *b,
               int64_t bStep, float *y, int64_t n);

/// erf by a rational approximation (utils/fits/fit_erf.py): relative error
/// under 4e-7 everywhere.
void erfF32(const float *x, float *y, int64_t n);

/// GELU, x/2 (1 + erf(x / sqrt 2)), with the same erf.
void geluF32(const float *x, float *y, int64_t n);

/// exp with a relative error under 2e-7 for x >= -87.33 (results below
/// float32's normal range flush to zero); NaN propagates.
void expF32(const float *x, float *y, int64_t n);

/// Softmax (or log-softmax) of each contiguous row of `size` elements.
void softmaxRowsF32(const float *x, float *y, int64_t rows, int64_t size,
                    bool log);

/// Layer norm (or RMS norm when `subtractMean` is false) of each contiguous
/// row: statistics in double, y = (x - mean) / sqrt(var + eps) * scale +
/// bias with per-element scale and bias of `size` (bias may be null).
void normRowsF32(const float *x, float *y, int64_t rows, int64_t size,
                 double eps, bool subtractMean, const float *scale,
                 const float *bias);

} // namespace gaon::cpu::vec

#endif // GAON_TARGETS_CPU_KERNELS_VECTORMATH_H

//===- QuantRows.h - requantization over rows, vectorized ------*- C++ -*-===//
//
// The CPU target's hot integer loops: requantizing int32 sums and the
// quantized add, both exactly as targets/npu/Requantize.h defines them. With
// AVX-512 they run 16 lanes at a time (64-bit products on even and odd
// lanes); otherwise they call the scalar definition.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_TARGETS_CPU_KERNELS_QUANTROWS_H
#define GAON_TARGETS_CPU_KERNELS_QUANTROWS_H

#include "targets/npu/Requantize.h"

#include <cstdint>

namespace gaon::cpu {

/// Whether the AVX-512 forms run on this CPU.
bool quantRowsVectorized();

/// out[i] = requantize(acc[i] + add, m, zp, lo, hi) for i < n (the add
/// wraps, as int32 accumulators do); `out` is i8 or u8 by `unsignedOut`.
void requantizeRow(const int32_t *acc, int64_t n, int32_t add,
                   npu::Multiplier m, int32_t zp, int32_t lo, int32_t hi,
                   void *out, bool unsignedOut);

/// y[i] = addRequantize(a[i] - za, b[i] - zb) for i < n; each of a, b, y is
/// i8 or u8 by its flag.
void quantizedAddRow(const void *a, bool aUnsigned, const void *b,
                     bool bUnsigned, int64_t n, int32_t za, int32_t zb,
                     const npu::AddRescale &r, int32_t zy, int32_t lo,
                     int32_t hi, void *y, bool yUnsigned);

/// y[i] = clamp(round_half_even(double(x[i]) / scale) + zp) into i8 or u8
/// (graph.quantize per tensor; the division is in double, as the scalar
/// kernel's).
void quantizeRow(const float *x, int64_t n, double scale, int32_t zp,
                 void *y, bool yUnsigned);

} // namespace gaon::cpu

#endif // GAON_TARGETS_CPU_KERNELS_QUANTROWS_H

//===- QuantRows.cpp - requantization over rows, vectorized ---------------===//
//
// requantize16 is Requantize.h's requantize on 16 int32 lanes: the 64-bit
// product acc * m for even lanes and odd lanes (vpmuldq), the arithmetic
// shift by 31 + shift, round half to even from the remainder, then the zero
// point and the clamp. The unit test compares it with the scalar
// definition over multipliers, shifts and ties.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/kernels/QuantRows.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>

// GCC 12 warns inside its own widening intrinsics (a known false positive).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace gaon::cpu {

bool quantRowsVectorized() {
  static const bool ok = __builtin_cpu_supports("avx512f") &&
                         __builtin_cpu_supports("avx512bw") &&
                         __builtin_cpu_supports("avx512vl");
  return ok;
}

namespace {

#define GAON_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl")))

struct Requant16 {
  __m512i m, zp, lo, hi, mask, half, one;
  __m128i count;
};

GAON_AVX512 Requant16 requant16Of(npu::Multiplier mult, int32_t zp, int32_t lo,
                                  int32_t hi) {
  int n = 31 + mult.shift;
  Requant16 r;
  r.m = _mm512_set1_epi64(mult.m);
  r.zp = _mm512_set1_epi32(zp);
  r.lo = _mm512_set1_epi32(lo);
  r.hi = _mm512_set1_epi32(hi);
  r.mask = _mm512_set1_epi64(int64_t((uint64_t(1) << n) - 1));
  r.half = _mm512_set1_epi64(int64_t(1) << (n - 1));
  r.one = _mm512_set1_epi64(1);
  r.count = _mm_cvtsi32_si128(n);
  return r;
}

/// round_half_even(p / 2^n) on 8 int64 lanes.
GAON_AVX512 __m512i roundShift(__m512i p, const Requant16 &r) {
  __m512i floor = _mm512_sra_epi64(p, r.count);
  __m512i rest = _mm512_and_si512(p, r.mask);
  __mmask8 up = _mm512_cmpgt_epi64_mask(rest, r.half) |
                (_mm512_cmpeq_epi64_mask(rest, r.half) &
                 _mm512_test_epi64_mask(floor, r.one));
  return _mm512_mask_add_epi64(floor, up, floor, r.one);
}

/// The 16 requantized lanes of acc, as int32 within [lo, hi].
GAON_AVX512 __m512i requantize16(__m512i acc, const Requant16 &r) {
  // vpmuldq multiplies the low (sign-extended) 32 bits of each 64-bit lane.
  __m512i even = roundShift(_mm512_mul_epi32(acc, r.m), r);
  __m512i odd =
      roundShift(_mm512_mul_epi32(_mm512_srli_epi64(acc, 32), r.m), r);
  // |q| < 2^31: the low halves hold the results.
  __m512i q = _mm512_mask_blend_epi32(__mmask16(0xAAAA), even,
                                      _mm512_slli_epi64(odd, 32));
  q = _mm512_add_epi32(q, r.zp);
  return _mm512_min_epi32(_mm512_max_epi32(q, r.lo), r.hi);
}

GAON_AVX512 __mmask16 tailMask(int64_t left) {
  return left >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1);
}

GAON_AVX512 void requantizeRow16(const int32_t *acc, int64_t n, int32_t add,
                                 npu::Multiplier mult, int32_t zp, int32_t lo,
                                 int32_t hi, void *out) {
  Requant16 r = requant16Of(mult, zp, lo, hi);
  __m512i addv = _mm512_set1_epi32(add);
  auto *y = static_cast<uint8_t *>(out);
  for (int64_t i = 0; i < n; i += 16) {
    __mmask16 k = tailMask(n - i);
    __m512i a = _mm512_add_epi32(_mm512_maskz_loadu_epi32(k, acc + i), addv);
    // Clamped into the output type's range, so truncation is exact.
    _mm_mask_storeu_epi8(y + i, k, _mm512_cvtepi32_epi8(requantize16(a, r)));
  }
}

GAON_AVX512 __m512i widen8(const void *p, bool isUnsigned, __mmask16 k) {
  __m128i bytes = _mm_maskz_loadu_epi8(k, p);
  return isUnsigned ? _mm512_cvtepu8_epi32(bytes) : _mm512_cvtepi8_epi32(bytes);
}

GAON_AVX512 void quantizedAddRow16(const void *a, bool aUnsigned, const void *b,
                                   bool bUnsigned, int64_t n, int32_t za,
                                   int32_t zb, const npu::AddRescale &rescale,
                                   int32_t zy, int32_t lo, int32_t hi,
                                   void *y) {
  Requant16 r = requant16Of(rescale.out, zy, lo, hi);
  __m512i zav = _mm512_set1_epi32(za), zbv = _mm512_set1_epi32(zb);
  __m512i ma = _mm512_set1_epi32(rescale.lhs),
          mb = _mm512_set1_epi32(rescale.rhs);
  auto *ap = static_cast<const uint8_t *>(a),
       *bp = static_cast<const uint8_t *>(b);
  auto *yp = static_cast<uint8_t *>(y);
  for (int64_t i = 0; i < n; i += 16) {
    __mmask16 k = tailMask(n - i);
    __m512i va = _mm512_sub_epi32(widen8(ap + i, aUnsigned, k), zav);
    __m512i vb = _mm512_sub_epi32(widen8(bp + i, bUnsigned, k), zbv);
    __m512i acc = _mm512_add_epi32(_mm512_mullo_epi32(va, ma),
                                   _mm512_mullo_epi32(vb, mb));
    _mm_mask_storeu_epi8(yp + i, k, _mm512_cvtepi32_epi8(requantize16(acc, r)));
  }
}

/// False, with y partly written, when x holds a NaN.
GAON_AVX512 bool quantizeRow8(const float *x, int64_t n, double scale,
                              int32_t zp, void *y, bool yUnsigned) {
  __m512d s = _mm512_set1_pd(scale), z = _mm512_set1_pd(zp);
  __m512d lo = _mm512_set1_pd(yUnsigned ? 0 : -128);
  __m512d hi = _mm512_set1_pd(yUnsigned ? 255 : 127);
  auto *yp = static_cast<uint8_t *>(y);
  for (int64_t i = 0; i < n; i += 8) {
    __mmask8 k = n - i >= 8 ? __mmask8(0xFF) : __mmask8((1u << (n - i)) - 1);
    __m512d v = _mm512_cvtps_pd(_mm256_maskz_loadu_ps(k, x + i));
    if (_mm512_cmp_pd_mask(v, v, _CMP_UNORD_Q))
      return false;
    v = _mm512_roundscale_pd(_mm512_div_pd(v, s),
                             _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    v = _mm512_min_pd(_mm512_max_pd(_mm512_add_pd(v, z), lo), hi);
    _mm_mask_storeu_epi8(yp + i, k,
                         _mm256_cvtepi32_epi8(_mm512_cvtpd_epi32(v)));
  }
  return true;
}

int32_t load8(const void *p, bool isUnsigned, int64_t i) {
  return isUnsigned ? int32_t(static_cast<const uint8_t *>(p)[i])
                    : int32_t(static_cast<const int8_t *>(p)[i]);
}

} // namespace

void requantizeRow(const int32_t *acc, int64_t n, int32_t add,
                   npu::Multiplier m, int32_t zp, int32_t lo, int32_t hi,
                   void *out, bool unsignedOut) {
  if (quantRowsVectorized()) {
    requantizeRow16(acc, n, add, m, zp, lo, hi, out);
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    int32_t v = npu::requantize(int32_t(uint32_t(acc[i]) + uint32_t(add)), m,
                                zp, lo, hi);
    if (unsignedOut)
      static_cast<uint8_t *>(out)[i] = uint8_t(v);
    else
      static_cast<int8_t *>(out)[i] = int8_t(v);
  }
}

void quantizeRow(const float *x, int64_t n, double scale, int32_t zp, void *y,
                 bool yUnsigned) {
  // NaN has no defined 8-bit value: the scalar loop's handling.
  if (quantRowsVectorized() && quantizeRow8(x, n, scale, zp, y, yUnsigned))
    return;
  double lo = yUnsigned ? 0 : -128, hi = yUnsigned ? 255 : 127;
  for (int64_t i = 0; i < n; ++i) {
    double v = std::clamp(std::nearbyint(double(x[i]) / scale) + zp, lo, hi);
    if (yUnsigned)
      static_cast<uint8_t *>(y)[i] = uint8_t(v);
    else
      static_cast<int8_t *>(y)[i] = int8_t(v);
  }
}

void quantizedAddRow(const void *a, bool aUnsigned, const void *b,
                     bool bUnsigned, int64_t n, int32_t za, int32_t zb,
                     const npu::AddRescale &r, int32_t zy, int32_t lo,
                     int32_t hi, void *y, bool yUnsigned) {
  if (quantRowsVectorized()) {
    quantizedAddRow16(a, aUnsigned, b, bUnsigned, n, za, zb, r, zy, lo, hi, y);
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    int32_t v = npu::addRequantize(load8(a, aUnsigned, i) - za,
                                   load8(b, bUnsigned, i) - zb, r, zy, lo, hi);
    if (yUnsigned)
      static_cast<uint8_t *>(y)[i] = uint8_t(v);
    else
      static_cast<int8_t *>(y)[i] = int8_t(v);
  }
}

} // namespace gaon::cpu

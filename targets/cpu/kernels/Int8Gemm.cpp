//===- Int8Gemm.cpp - exact u8 x s8 GEMM on AVX-512 VNNI ------------------===//
//
// The microkernel holds an 8-row x 32-column tile of C in 16 zmm
// accumulators. Per step of four K rows it loads the panel's 2 x 64 bytes of
// B and broadcasts each A row's four weights, then issues 16 vpdpbusd. The
// functions carry their own target attributes, so the rest of the build
// needs no -march; int8GemmAvailable() guards every call.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/kernels/Int8Gemm.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>

namespace gaon::cpu {

bool int8GemmAvailable() {
  static const bool available = __builtin_cpu_supports("avx512f") &&
                                __builtin_cpu_supports("avx512bw") &&
                                __builtin_cpu_supports("avx512vnni");
  return available;
}

void packInt8A(const int8_t *a, int64_t m, int64_t k, int64_t lda,
               Int8PackedA &out) {
  out.m = m;
  out.k = k;
  out.k4 = (k + 3) / 4;
  int64_t blocks = (m + 7) / 8;
  out.data.assign(uint64_t(blocks) * out.k4 * 32, 0);
  out.rowSums.assign(m, 0);
  for (int64_t r = 0; r < m; ++r) {
    int8_t *block = out.data.data() + (r / 8) * out.k4 * 32 + (r % 8) * 4;
    int32_t sum = 0;
    for (int64_t q = 0; q < k; ++q) {
      int8_t v = a[r * lda + q];
      block[(q / 4) * 32 + q % 4] = v;
      sum += v;
    }
    out.rowSums[r] = sum;
  }
}

__attribute__((target("sse2"))) void
packInt8BRows(const uint8_t *const rows[4], int64_t n, int64_t k, int64_t k0,
              uint8_t flip, uint8_t *packed) {
  int64_t k4 = (k + 3) / 4, step = k0 / 4;
  static const uint8_t zeros[kInt8GemmPanel] = {};
  const __m128i bits = _mm_set1_epi8(char(flip));
  for (int64_t p = 0; p * kInt8GemmPanel < n; ++p) {
    uint8_t *dst = packed + (uint64_t(p) * k4 + step) * kInt8GemmPanel * 4;
    int64_t j0 = p * kInt8GemmPanel;
    int64_t width = std::min<int64_t>(kInt8GemmPanel, n - j0);
    // Each row's slice of this panel, zero-padded past n.
    uint8_t tail[4][kInt8GemmPanel];
    const uint8_t *src[4];
    for (int r = 0; r < 4; ++r) {
      if (!rows[r]) {
        src[r] = zeros;
        continue;
      }
      if (width == kInt8GemmPanel) {
        src[r] = rows[r] + j0;
        continue;
      }
      std::memset(tail[r], flip, kInt8GemmPanel); // XORs back to 0
      std::memcpy(tail[r], rows[r] + j0, width);
      src[r] = tail[r];
    }
    for (int64_t h = 0; h < kInt8GemmPanel; h += 16) {
      __m128i r0 = _mm_loadu_si128((const __m128i *)(src[0] + h));
      __m128i r1 = _mm_loadu_si128((const __m128i *)(src[1] + h));
      __m128i r2 = _mm_loadu_si128((const __m128i *)(src[2] + h));
      __m128i r3 = _mm_loadu_si128((const __m128i *)(src[3] + h));
      // Absent rows stay zero; present ones flip.
      if (rows[0]) r0 = _mm_xor_si128(r0, bits);
      if (rows[1]) r1 = _mm_xor_si128(r1, bits);
      if (rows[2]) r2 = _mm_xor_si128(r2, bits);
      if (rows[3]) r3 = _mm_xor_si128(r3, bits);
      __m128i t0 = _mm_unpacklo_epi8(r0, r1), t1 = _mm_unpackhi_epi8(r0, r1);
      __m128i t2 = _mm_unpacklo_epi8(r2, r3), t3 = _mm_unpackhi_epi8(r2, r3);
      uint8_t *o = dst + h * 4;
      _mm_storeu_si128((__m128i *)(o + 0), _mm_unpacklo_epi16(t0, t2));
      _mm_storeu_si128((__m128i *)(o + 16), _mm_unpackhi_epi16(t0, t2));
      _mm_storeu_si128((__m128i *)(o + 32), _mm_unpacklo_epi16(t1, t3));
      _mm_storeu_si128((__m128i *)(o + 48), _mm_unpackhi_epi16(t1, t3));
    }
  }
}

namespace {

/// tile[8][32] = an 8-row block of packed A times one packed B panel.
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void
microkernel(const int8_t *a, const uint8_t *b, int64_t k4, int32_t *tile) {
  __m512i acc[8][2];
  for (int r = 0; r < 8; ++r)
    acc[r][0] = acc[r][1] = _mm512_setzero_si512();
  for (int64_t q = 0; q < k4; ++q) {
    __m512i b0 = _mm512_loadu_si512(b + q * 128);
    __m512i b1 = _mm512_loadu_si512(b + q * 128 + 64);
    const int8_t *aq = a + q * 32;
#pragma GCC unroll 8
    for (int r = 0; r < 8; ++r) {
      int32_t word;
      std::memcpy(&word, aq + 4 * r, 4);
      __m512i w = _mm512_set1_epi32(word);
      acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], b0, w);
      acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], b1, w);
    }
  }
  for (int r = 0; r < 8; ++r) {
    _mm512_storeu_si512(tile + r * kInt8GemmPanel, acc[r][0]);
    _mm512_storeu_si512(tile + r * kInt8GemmPanel + 16, acc[r][1]);
  }
}

} // namespace

void int8Gemm(const Int8PackedA &a, const uint8_t *packedB, int64_t n,
              const Int8GemmEpilogue &epilogue, int threads) {
  int64_t panels = (n + kInt8GemmPanel - 1) / kInt8GemmPanel;
  int64_t blocks = (a.m + 7) / 8;
  uint64_t panelBytes = uint64_t(a.k4) * kInt8GemmPanel * 4;
  // Row blocks inner: one B panel stays in cache for every block of A.
#pragma omp parallel for collapse(2) schedule(static) num_threads(std::max(1, threads))
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t blk = 0; blk < blocks; ++blk) {
      alignas(64) int32_t tile[8 * kInt8GemmPanel];
      microkernel(a.data.data() + blk * a.k4 * 32, packedB + p * panelBytes,
                  a.k4, tile);
      epilogue(blk * 8, int(std::min<int64_t>(8, a.m - blk * 8)),
               p * kInt8GemmPanel,
               int(std::min<int64_t>(kInt8GemmPanel, n - p * kInt8GemmPanel)),
               tile);
    }
}

} // namespace gaon::cpu

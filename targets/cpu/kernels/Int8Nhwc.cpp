//===- Int8Nhwc.cpp - 8-bit convolutions on channels-last tensors ---------===//
//
// Sums: vpdpbusd takes u8 activations and s8 weights, so i8 inputs are
// read as u8 by flipping their top bit (x + 128) and every sum is corrected
// by the input offset times the channel's weight sum, folded with the bias
// into one per-channel constant (`add`). Padding holds the zero point's
// byte, which the correction cancels. Requantization per channel runs on 16
// lanes: the even and odd lanes' 64-bit products (vpmuldq) shift right by
// each lane's own count (vpsravq) and round half to even, as
// Requantize.h's scalar definition, which the plain path calls.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/kernels/Int8Nhwc.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace gaon::cpu {

#define GAON_VNNI                                                              \
  __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

bool nhwcVectorized() {
  static const bool ok = __builtin_cpu_supports("avx512f") &&
                         __builtin_cpu_supports("avx512bw") &&
                         __builtin_cpu_supports("avx512vl") &&
                         __builtin_cpu_supports("avx512vnni");
  return ok;
}

namespace {

/// One block of 16 output channels' requantization constants, per lane.
struct alignas(64) LaneBlock {
  int32_t m[16];
  int32_t add[16];
  // Per lane: the shift n = 31 + shift and 2^(n-1) - 1, for rounding.
  int64_t countEven[8], countOdd[8], belowHalfEven[8], belowHalfOdd[8];
  double scale[16]; // m * 2^-n, for Impl::requantInDouble
};

constexpr int kRows = 6;    // pixels per GEMM microkernel
constexpr int kVectors = 4; // 16-channel blocks per GEMM microkernel

} // namespace

struct NhwcConv::Impl {
  bool vector = false;          // AVX-512 VNNI sums
  bool vectorRequant = false;   // and every channel's multiplier is an integer
  bool requantInDouble = false; // and the double form is exact (see there)
  int64_t K = 0, Kp = 0, k4 = 0;
  int64_t blocks = 0;         // 16-channel blocks per group (per tensor
                              // for depthwise)
  int32_t offsetU8 = 0;       // the zero point as a u8 byte value
  uint8_t flip = 0, fill = 0; // XOR turning stored bytes into u8; padding
  // GEMM weights per group: [blocks][k4][16][4]; plain: [M][K] as int32.
  std::vector<std::vector<int8_t>> packed;
  std::vector<int32_t> plain;
  // Depthwise weights, vector: [blocks][kh][chunks][16][4], the taps of
  // chunk q being 4q..4q+3 of a kernel row (chunks = ceil(kw / 4), missing
  // taps 0); plain: [kh * kw][M] as int32.
  int64_t chunks = 0;
  std::vector<int8_t> dwPacked;
  std::vector<int32_t> taps;
  std::vector<LaneBlock> lanes; // [group][blocks]
};

namespace {

int32_t requantizeScalar(const NhwcOutput &o, uint32_t acc, int64_t channel) {
  if (o.integer[channel])
    return npu::requantize(int32_t(acc), o.mult[channel], o.zeroPoint, o.lo,
                           o.hi);
  double v =
      std::nearbyint(double(int32_t(acc)) * o.ratio[channel]) + o.zeroPoint;
  return (int32_t)std::clamp(v, double(o.lo), double(o.hi));
}

/// Stores `count` finished sums (bias and correction included) of channels
/// [channel, channel + count) at element `at` of y.
void storeScalar(const NhwcOutput &o, const uint32_t *acc, int count,
                 int64_t channel, void *y, int64_t at) {
  for (int i = 0; i < count; ++i) {
    if (o.wide) {
      static_cast<int32_t *>(y)[at + i] = int32_t(acc[i]);
      continue;
    }
    int32_t q = requantizeScalar(o, acc[i], channel + i);
    static_cast<uint8_t *>(y)[at + i] = uint8_t(q);
  }
}

//===----------------------------------------------------------------------===//
// Vector forms
//===----------------------------------------------------------------------===//

/// p / 2^n rounded half to even, per 64-bit lane: adding 2^(n-1) - 1 plus
/// the floor's low bit carries into the floor exactly when the remainder is
/// above half, or half with an odd floor (|p| < 2^62, n <= 62: no overflow).
GAON_VNNI inline __m512i roundShiftLanes(__m512i p, __m512i count,
                                         __m512i belowHalf) {
  __m512i odd =
      _mm512_and_si512(_mm512_srav_epi64(p, count), _mm512_set1_epi64(1));
  return _mm512_srav_epi64(
      _mm512_add_epi64(_mm512_add_epi64(p, belowHalf), odd), count);
}

/// Finishes 16 lanes of sums per channel: adds `add`, then stores int32
/// (wide) or requantizes to bytes. Built once per kernel call, so the
/// choice of form and the clamp constants stay in registers.
struct Finisher {
  enum Form { kWide, kScalar, kDouble, kInt64 } form;
  const NhwcOutput *output;
  __m512d lo, hi; // the clamp less the zero point, for kDouble
  __m512i zeroPoint, lo32, hi32;

  GAON_VNNI explicit Finisher(const NhwcConv &conv) : output(&conv.output) {
    const auto &impl = *conv.impl;
    const NhwcOutput &o = conv.output;
    form = o.wide                 ? kWide
           : !impl.vectorRequant  ? kScalar
           : impl.requantInDouble ? kDouble
                                  : kInt64;
    lo = _mm512_set1_pd(o.lo - o.zeroPoint);
    hi = _mm512_set1_pd(o.hi - o.zeroPoint);
    zeroPoint = _mm512_set1_epi32(o.zeroPoint);
    lo32 = _mm512_set1_epi32(o.lo);
    hi32 = _mm512_set1_epi32(o.hi);
  }

  /// Stores `count` lanes of channels [channel, channel + count) at y + at
  /// (bytes, or int32 when wide).
  GAON_VNNI void operator()(const LaneBlock &b, __m512i acc, int count,
                            int64_t channel, void *y, int64_t at) const {
    acc = _mm512_add_epi32(acc, _mm512_load_si512(b.add));
    __mmask16 k =
        count >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << count) - 1);
    auto *bytes = static_cast<uint8_t *>(y) + at;
    switch (form) {
    case kWide:
      _mm512_mask_storeu_epi32(static_cast<int32_t *>(y) + at, k, acc);
      return;
    case kScalar: {
      alignas(64) uint32_t sums[16];
      _mm512_store_si512(sums, acc);
      storeScalar(*output, sums, count, channel, y, at);
      return;
    }
    case kDouble: {
      // acc * m * 2^-n in double is exact whenever |value| < 2^9: it needs
      // 9 + n <= 52 bits, and every shift is at most 12 (n <= 43). Larger
      // values round monotonically to beyond the clamp, which lies within
      // 511 of the zero point, so clamping first and then rounding half to
      // even gives Requantize.h's result in fewer operations than 64-bit
      // integers.
      __m512d low =
          _mm512_mul_pd(_mm512_cvtepi32_pd(_mm512_castsi512_si256(acc)),
                        _mm512_load_pd(b.scale));
      __m512d high =
          _mm512_mul_pd(_mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(acc, 1)),
                        _mm512_load_pd(b.scale + 8));
      low = _mm512_min_pd(_mm512_max_pd(low, lo), hi);
      high = _mm512_min_pd(_mm512_max_pd(high, lo), hi);
      constexpr int kEven = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
      __m512i q = _mm512_inserti64x4(
          _mm512_castsi256_si512(_mm512_cvt_roundpd_epi32(low, kEven)),
          _mm512_cvt_roundpd_epi32(high, kEven), 1);
      q = _mm512_add_epi32(q, zeroPoint);
      _mm_mask_storeu_epi8(bytes, k, _mm512_cvtepi32_epi8(q));
      return;
    }
    case kInt64: {
      __m512i m = _mm512_load_si512(b.m);
      __m512i even = roundShiftLanes(_mm512_mul_epi32(acc, m),
                                     _mm512_load_si512(b.countEven),
                                     _mm512_load_si512(b.belowHalfEven));
      __m512i odd = roundShiftLanes(_mm512_mul_epi32(_mm512_srli_epi64(acc, 32),
                                                     _mm512_srli_epi64(m, 32)),
                                    _mm512_load_si512(b.countOdd),
                                    _mm512_load_si512(b.belowHalfOdd));
      __m512i q = _mm512_mask_blend_epi32(__mmask16(0xAAAA), even,
                                          _mm512_slli_epi64(odd, 32));
      q = _mm512_add_epi32(q, zeroPoint);
      q = _mm512_min_epi32(_mm512_max_epi32(q, lo32), hi32);
      _mm_mask_storeu_epi8(bytes, k, _mm512_cvtepi32_epi8(q));
      return;
    }
    }
  }
};

/// R pixels (rows of `a`, lda apart) times NV 16-channel blocks of group g,
/// starting at block j0; pixel r's results go to element
/// (pixel + r) * M + g * Mg + channel of y.
template <int R, int NV, bool Flip>
GAON_VNNI void gemmTile(const NhwcConv &conv, const uint8_t *a, int64_t lda,
                        int64_t g, int64_t j0, int64_t pixel, void *y) {
  const auto &impl = *conv.impl;
  __m512i acc[R][NV];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NV; ++v)
      acc[r][v] = _mm512_setzero_si512();
  const int8_t *w = impl.packed[g].data() + j0 * impl.k4 * 64;
  int64_t blockStride = impl.k4 * 64;
  __m512i flip = _mm512_set1_epi8(char(0x80));
  for (int64_t q = 0; q < impl.k4; ++q) {
    __m512i wv[NV];
    for (int v = 0; v < NV; ++v)
      wv[v] = _mm512_loadu_si512(w + v * blockStride + q * 64);
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      int32_t word;
      std::memcpy(&word, a + r * lda + 4 * q, 4);
      __m512i x = _mm512_set1_epi32(word);
      if (Flip)
        x = _mm512_xor_si512(x, flip);
      for (int v = 0; v < NV; ++v)
        acc[r][v] = _mm512_dpbusd_epi32(acc[r][v], x, wv[v]);
    }
  }
  int64_t M = conv.group * conv.Mg;
  Finisher finish(conv);
  for (int v = 0; v < NV; ++v) {
    int64_t c = (j0 + v) * 16;
    int count = int(std::min<int64_t>(16, conv.Mg - c));
    const LaneBlock &lb = impl.lanes[g * impl.blocks + j0 + v];
    for (int r = 0; r < R; ++r)
      finish(lb, acc[r][v], count, g * conv.Mg + c, y,
             (pixel + r) * M + g * conv.Mg + c);
  }
}

using TileFn = void (*)(const NhwcConv &, const uint8_t *, int64_t, int64_t,
                        int64_t, int64_t, void *);

template <int R, bool Flip> TileFn tileFor(int nv) {
  switch (nv) {
  case 1:
    return gemmTile<R, 1, Flip>;
  case 2:
    return gemmTile<R, 2, Flip>;
  case 3:
    return gemmTile<R, 3, Flip>;
  default:
    return gemmTile<R, 4, Flip>;
  }
}

template <bool Flip> TileFn tileFor(int rows, int nv) {
  switch (rows) {
  case 1:
    return tileFor<1, Flip>(nv);
  case 2:
    return tileFor<2, Flip>(nv);
  case 3:
    return tileFor<3, Flip>(nv);
  case 4:
    return tileFor<4, Flip>(nv);
  case 5:
    return tileFor<5, Flip>(nv);
  default:
    return tileFor<6, Flip>(nv);
  }
}

/// Rewrites one input row (`padded`: stored bytes, the padding's columns
/// included) into its window row: for 16-channel block b, chunk q of four
/// horizontal taps and output column ow, 64 bytes at ((b * chunks + q) * OW
/// + ow) * 64 whose lane c holds the four taps' u8 bytes of channel c, the
/// operand vpdpbusd multiplies by the taps' weights. Each window row serves
/// every output row that reads its input row (three for a 3x3 stride-1
/// kernel), so the shuffles are paid once per input row: the four 16-byte
/// tap loads go to the four 128-bit lanes, vpermd moves each lane's k-th
/// dword (channels 4k..4k+3) to lane k, and vpshufb makes them
/// channel-major within the lane.
template <bool Flip>
GAON_VNNI void buildWindowRow(const NhwcConv &conv, const uint8_t *padded,
                              int64_t OW, uint8_t *windows) {
  const auto &impl = *conv.impl;
  int64_t C = conv.group, chunks = impl.chunks;
  const __m512i lanes =
      _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  // Within each 128-bit lane, dword t holds channels 4k..4k+3 of tap t.
  alignas(64) static const uint8_t channelMajor[64] = {
      0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,
      0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,
      0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,
      0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15};
  const __m512i bytes = _mm512_load_si512(channelMajor);
  const __m512i flip = _mm512_set1_epi8(char(0x80));
  int64_t tapStep = conv.dw * C;
  for (int64_t b = 0; b < impl.blocks; ++b)
    for (int64_t q = 0; q < chunks; ++q) {
      int taps = int(std::min<int64_t>(4, conv.kw - 4 * q));
      uint8_t *out = windows + (b * chunks + q) * OW * 64;
      const uint8_t *in = padded + 4 * q * tapStep + 16 * b;
      for (int64_t ow = 0; ow < OW; ++ow, in += conv.sw * C) {
        __m512i v = _mm512_zextsi128_si512(
            _mm_loadu_si128(reinterpret_cast<const __m128i *>(in)));
        if (taps > 1)
          v = _mm512_inserti32x4(
              v,
              _mm_loadu_si128(reinterpret_cast<const __m128i *>(in + tapStep)),
              1);
        if (taps > 2)
          v = _mm512_inserti32x4(
              v,
              _mm_loadu_si128(
                  reinterpret_cast<const __m128i *>(in + 2 * tapStep)),
              2);
        if (taps > 3)
          v = _mm512_inserti32x4(
              v,
              _mm_loadu_si128(
                  reinterpret_cast<const __m128i *>(in + 3 * tapStep)),
              3);
        v = _mm512_shuffle_epi8(_mm512_permutexvar_epi32(lanes, v), bytes);
        if (Flip)
          v = _mm512_xor_si512(v, flip);
        _mm512_storeu_si512(out + ow * 64, v);
      }
    }
}

/// One output row of a depthwise convolution from the window rows of its
/// kh input rows: Rows = kh * chunks vpdpbusd per 16 channels and pixel
/// (a compile-time count keeps the weights in registers), 0 for any.
template <int Rows>
GAON_VNNI void depthwiseRowVector(const NhwcConv &conv,
                                  const uint8_t *const *windows, int64_t OW,
                                  void *y, int64_t rowAt) {
  const auto &impl = *conv.impl;
  int64_t C = conv.group, chunks = impl.chunks;
  const int rows = Rows ? Rows : int(conv.kh * chunks);
  constexpr int kHeld = Rows ? Rows : 1;
  Finisher finish(conv);
  // Each row r = (i, q) of the sum reads window row i's chunk q.
  const uint8_t *held[kHeld];
  std::vector<const uint8_t *> any(Rows ? 0 : rows);
  const uint8_t **src = Rows ? held : any.data();
  for (int64_t b = 0; b < impl.blocks; ++b) {
    const int8_t *wb = impl.dwPacked.data() + b * rows * 64;
    int count = int(std::min<int64_t>(16, C - 16 * b));
    const LaneBlock &lb = impl.lanes[b];
    __m512i w[kHeld];
    for (int r = 0; r < rows; ++r) {
      src[r] = windows[r / chunks] + (b * chunks + r % chunks) * OW * 64;
      if (Rows)
        w[r] = _mm512_loadu_si512(wb + r * 64);
    }
    for (int64_t ow = 0; ow < OW; ++ow) {
      __m512i acc = _mm512_setzero_si512();
      for (int r = 0; r < rows; ++r)
        acc =
            _mm512_dpbusd_epi32(acc, _mm512_loadu_si512(src[r] + ow * 64),
                                Rows ? w[r] : _mm512_loadu_si512(wb + r * 64));
      finish(lb, acc, count, 16 * b, y, rowAt + ow * C + 16 * b);
    }
  }
}

//===----------------------------------------------------------------------===//
// Plain forms
//===----------------------------------------------------------------------===//

void gemmRowsPlain(const NhwcConv &conv, const uint8_t *a, int64_t lda,
                   int64_t rows, int64_t g, int64_t pixel, void *y) {
  const auto &impl = *conv.impl;
  int64_t M = conv.group * conv.Mg;
  std::vector<uint32_t> acc(conv.Mg);
  for (int64_t r = 0; r < rows; ++r) {
    const uint8_t *row = a + r * lda;
    for (int64_t c = 0; c < conv.Mg; ++c) {
      const int32_t *w = impl.plain.data() + (g * conv.Mg + c) * impl.K;
      uint32_t sum = uint32_t(conv.add[g * conv.Mg + c]);
      for (int64_t k = 0; k < impl.K; ++k)
        sum += uint32_t(int32_t(row[k] ^ impl.flip) * w[k]);
      acc[c] = sum;
    }
    storeScalar(conv.output, acc.data(), int(conv.Mg), g * conv.Mg, y,
                (pixel + r) * M + g * conv.Mg);
  }
}

/// The vector form's sums in plain loops: every tap in u8, padding as the
/// zero point's byte, the offset corrected through `add`.
void depthwiseRowPlain(const NhwcConv &conv, const uint8_t *x, int64_t H,
                       int64_t W, int64_t oh, int64_t OW, void *y,
                       int64_t rowAt) {
  const auto &impl = *conv.impl;
  int64_t C = conv.group;
  std::vector<uint32_t> acc(C);
  for (int64_t ow = 0; ow < OW; ++ow) {
    for (int64_t c = 0; c < C; ++c)
      acc[c] = uint32_t(conv.add[c]);
    for (int64_t i = 0; i < conv.kh; ++i) {
      int64_t ih = oh * conv.sh + i * conv.dh - conv.ph;
      for (int64_t j = 0; j < conv.kw; ++j) {
        int64_t iw = ow * conv.sw + j * conv.dw - conv.pw;
        const int32_t *wt = impl.taps.data() + (i * conv.kw + j) * C;
        bool inside = ih >= 0 && ih < H && iw >= 0 && iw < W;
        const uint8_t *px = inside ? x + (ih * W + iw) * C : x;
        for (int64_t c = 0; c < C; ++c) {
          int32_t v = inside ? int32_t(px[c] ^ impl.flip) : impl.offsetU8;
          acc[c] += uint32_t(v * wt[c]);
        }
      }
    }
    storeScalar(conv.output, acc.data(), int(C), 0, y, rowAt + ow * C);
  }
}

/// Depthwise on VNNI: each thread takes a run of output rows and keeps the
/// window rows of the last kh input rows it built, so consecutive output
/// rows reuse them.
void runDepthwiseVector(const NhwcConv &conv, const uint8_t *x, int64_t N,
                        int64_t H, int64_t W, void *y, int64_t OH, int64_t OW,
                        int threads) {
  const auto &impl = *conv.impl;
  int64_t C = conv.group, kh = conv.kh;
  // Padded input row: columns -pw .. (OW - 1) * sw + (kw - 1) * dw - pw, and
  // slack for the last block's 16-byte loads.
  int64_t span = (OW - 1) * conv.sw + (conv.kw - 1) * conv.dw + 1;
  int64_t windowBytes = impl.blocks * impl.chunks * OW * 64;
  int64_t rows = N * OH;
  auto build = impl.flip ? buildWindowRow<true> : buildWindowRow<false>;
  auto row = kh * impl.chunks == 3   ? depthwiseRowVector<3>
             : kh * impl.chunks == 6 ? depthwiseRowVector<6>
                                     : depthwiseRowVector<0>;
#pragma omp parallel num_threads(threads)
  {
    int parts = omp_get_num_threads(), part = omp_get_thread_num();
    int64_t first = rows * part / parts, last = rows * (part + 1) / parts;
    std::vector<uint8_t> padded(span * C + 64);
    std::vector<uint8_t> windows(kh * windowBytes + 64);
    uint8_t *base = reinterpret_cast<uint8_t *>(
        (reinterpret_cast<uintptr_t>(windows.data()) + 63) & ~uintptr_t(63));
    // Which input row each slot holds: image * H + row, -1 for padding
    // rows, -2 for none.
    std::vector<int64_t> held(kh, -2);
    std::vector<const uint8_t *> use(kh);
    for (int64_t r = first; r < last; ++r) {
      int64_t n = r / OH, oh = r % OH;
      auto key = [&](int64_t i) {
        int64_t ih = oh * conv.sh + i * conv.dh - conv.ph;
        return ih < 0 || ih >= H ? int64_t(-1) : n * H + ih;
      };
      for (int64_t i = 0; i < kh; ++i) {
        int64_t want = key(i);
        int64_t slot = std::find(held.begin(), held.end(), want) - held.begin();
        if (slot == kh) {
          // Evict a slot this output row does not read.
          for (slot = 0; slot < kh; ++slot) {
            bool needed = false;
            for (int64_t k = 0; k < kh; ++k)
              needed |= held[slot] == key(k);
            if (!needed)
              break;
          }
          if (want < 0) {
            std::memset(padded.data(), impl.fill, padded.size());
          } else {
            const uint8_t *in = x + want * W * C;
            int64_t lo = std::clamp<int64_t>(conv.pw, 0, span),
                    hi = std::clamp<int64_t>(conv.pw + W, lo, span);
            std::memset(padded.data(), impl.fill, lo * C);
            std::memcpy(padded.data() + lo * C, in + (lo - conv.pw) * C,
                        (hi - lo) * C);
            std::memset(padded.data() + hi * C, impl.fill,
                        padded.size() - hi * C);
          }
          build(conv, padded.data(), OW, base + slot * windowBytes);
          held[slot] = want;
        }
        use[i] = base + slot * windowBytes;
      }
      row(conv, use.data(), OW, y, (n * OH + oh) * OW * C);
    }
  }
}

} // namespace

void prepareNhwcConv(NhwcConv &conv, const int8_t *weights, const int32_t *bias,
                     bool forcePlain) {
  auto impl = std::make_shared<NhwcConv::Impl>();
  int64_t M = conv.group * conv.Mg, taps = conv.kh * conv.kw;
  NhwcOutput &o = conv.output;
  impl->vector = nhwcVectorized() && !forcePlain;
  impl->vectorRequant = impl->vector;
  for (int64_t c = 0; c < M; ++c)
    impl->vectorRequant &= o.wide || o.integer[c] != 0;
  conv.add.assign(M, 0);
  impl->offsetU8 = conv.inputUnsigned ? conv.inputZero : conv.inputZero + 128;
  impl->flip = conv.inputUnsigned ? 0 : 0x80;
  impl->fill = uint8_t(conv.inputZero);
  if (conv.depthwise) {
    // Every tap is summed in u8, padding included, so one correction per
    // channel removes the offset.
    impl->blocks = (M + 15) / 16;
    impl->chunks = (conv.kw + 3) / 4;
    if (impl->vector)
      impl->dwPacked.assign(impl->blocks * conv.kh * impl->chunks * 64, 0);
    else
      impl->taps.assign(taps * M, 0);
    for (int64_t c = 0; c < M; ++c) {
      int32_t sum = 0;
      for (int64_t t = 0; t < taps; ++t) {
        int8_t w = weights[c * taps + t];
        sum += w;
        int64_t i = t / conv.kw, j = t % conv.kw;
        if (impl->vector)
          impl->dwPacked[(((c / 16) * conv.kh + i) * impl->chunks + j / 4) *
                             64 +
                         (c % 16) * 4 + j % 4] = w;
        else
          impl->taps[t * M + c] = w;
      }
      conv.add[c] = int32_t(uint32_t(bias ? bias[c] : 0) -
                            uint32_t(impl->offsetU8) * uint32_t(sum));
    }
  } else {
    // Row k of the window: tap (i, j) major, input channel minor, as a
    // channels-last pixel stores them.
    impl->K = taps * conv.Cg;
    impl->Kp = (impl->K + 3) / 4 * 4;
    impl->k4 = impl->Kp / 4;
    impl->blocks = (conv.Mg + 15) / 16;
    // Only the form that runs keeps its copy of the weights.
    if (impl->vector)
      impl->packed.resize(conv.group);
    else
      impl->plain.assign(M * impl->K, 0);
    for (int64_t g = 0; g < conv.group; ++g) {
      if (impl->vector)
        impl->packed[g].assign(impl->blocks * impl->k4 * 64, 0);
      for (int64_t c = 0; c < conv.Mg; ++c) {
        int64_t channel = g * conv.Mg + c;
        int32_t sum = 0;
        for (int64_t k = 0; k < impl->K; ++k) {
          int64_t t = k / conv.Cg, ci = k % conv.Cg;
          int8_t w = weights[(channel * conv.Cg + ci) * taps + t];
          sum += w;
          if (impl->vector)
            impl->packed[g][((c / 16) * impl->k4 + k / 4) * 64 + (c % 16) * 4 +
                            k % 4] = w;
          else
            impl->plain[channel * impl->K + k] = w;
        }
        conv.add[channel] = int32_t(uint32_t(bias ? bias[channel] : 0) -
                                    uint32_t(impl->offsetU8) * uint32_t(sum));
      }
    }
  }
  impl->requantInDouble = impl->vectorRequant && !o.wide &&
                          o.hi - o.zeroPoint < 512 && o.zeroPoint - o.lo < 512;
  for (int64_t c = 0; c < M && impl->requantInDouble; ++c)
    impl->requantInDouble = o.mult[c].shift <= 12;
  int64_t groups = conv.depthwise ? 1 : conv.group;
  int64_t perGroup = conv.depthwise ? M : conv.Mg;
  impl->lanes.assign(groups * impl->blocks, LaneBlock{});
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t b = 0; b < impl->blocks; ++b) {
      LaneBlock &lb = impl->lanes[g * impl->blocks + b];
      for (int l = 0; l < 16; ++l) {
        int64_t c = b * 16 + l;
        bool real = c < perGroup;
        int64_t channel = g * perGroup + c;
        npu::Multiplier m = real && !o.wide && o.integer[channel]
                                ? o.mult[channel]
                                : npu::Multiplier{};
        lb.m[l] = m.m;
        lb.add[l] = real ? conv.add[channel] : 0;
        int64_t n = 31 + m.shift;
        int64_t *count = l % 2 ? lb.countOdd : lb.countEven;
        int64_t *belowHalf = l % 2 ? lb.belowHalfOdd : lb.belowHalfEven;
        count[l / 2] = n;
        belowHalf[l / 2] = (int64_t(1) << (n - 1)) - 1;
        lb.scale[l] = std::ldexp(double(m.m), -int(n));
      }
    }
  conv.impl = std::move(impl);
}

void runNhwcConv(const NhwcConv &conv, const void *xData, bool xChannelsLast,
                 int64_t N, int64_t H, int64_t W, void *y, int64_t OH,
                 int64_t OW, int threads) {
  const auto &impl = *conv.impl;
  auto *x = static_cast<const uint8_t *>(xData);
  int64_t C = conv.group * conv.Cg, M = conv.group * conv.Mg, P = OH * OW;
  threads = std::max(1, threads);
  if (conv.depthwise && !impl.vector) {
#pragma omp parallel for collapse(2) schedule(static) num_threads(threads)
    for (int64_t n = 0; n < N; ++n)
      for (int64_t oh = 0; oh < OH; ++oh)
        depthwiseRowPlain(conv, x + n * H * W * C, H, W, oh, OW, y,
                          (n * P + oh * OW) * M);
    return;
  }
  if (conv.depthwise) {
    runDepthwiseVector(conv, x, N, H, W, y, OH, OW, threads);
    return;
  }
  // An NCHW input (a model's input image, typically) is transposed once, so
  // every window is gathered from channels-last pixels.
  std::vector<uint8_t> transposed;
  if (!xChannelsLast) {
    transposed.resize(N * H * W * C);
#pragma omp parallel for collapse(2) schedule(static) num_threads(threads)
    for (int64_t n = 0; n < N; ++n)
      for (int64_t h = 0; h < H; ++h) {
        uint8_t *dst = transposed.data() + (n * H + h) * W * C;
        for (int64_t c = 0; c < C; ++c) {
          const uint8_t *src = x + ((n * C + c) * H + h) * W;
          for (int64_t w = 0; w < W; ++w)
            dst[w * C + c] = src[w];
        }
      }
    x = transposed.data();
  }
  // A 1x1, stride-1, unpadded convolution reads its rows in place; others
  // gather each pixel's window into a row.
  bool direct = conv.kh == 1 && conv.kw == 1 && conv.sh == 1 && conv.sw == 1 &&
                conv.ph == 0 && conv.pw == 0 && OH == H && OW == W &&
                conv.Cg % 4 == 0;
  // With one group and no dilation, a kernel row's taps are one run of
  // bytes.
  bool runs = conv.group == 1 && conv.dw == 1;
  bool narrow = runs && conv.kw * C <= 16; // a first layer's 3 channels
  int64_t imageBytes = H * W * C;
  int64_t chunk = (P * N * conv.group + 2 * threads - 1) / (2 * threads);
  chunk = std::clamp<int64_t>((chunk + kRows - 1) / kRows * kRows, kRows,
                              8 * kRows);
  int64_t chunks = (P + chunk - 1) / chunk;
  // Channel spans per task: with rows read in place, vector tasks split
  // channels too (no gathering is repeated), which balances small images.
  int64_t span = direct && impl.vector ? kVectors : impl.blocks;
  int64_t spans = (impl.blocks + span - 1) / span;
  int64_t tasks = N * conv.group * chunks * spans;
#pragma omp parallel num_threads(threads)
  {
    // 16 bytes of slack for the narrow runs' whole-vector copies.
    std::vector<uint8_t> rows(direct ? 0 : chunk * impl.Kp + 16);
#pragma omp for schedule(static)
    for (int64_t task = 0; task < tasks; ++task) {
      int64_t s = task % spans, pc = (task / spans) % chunks,
              g = (task / spans / chunks) % conv.group,
              n = task / spans / chunks / conv.group;
      int64_t p0 = pc * chunk, count = std::min(chunk, P - p0);
      const uint8_t *a;
      int64_t lda;
      if (direct) {
        a = x + (n * P + p0) * C + g * conv.Cg;
        lda = C;
      } else {
        const uint8_t *image = x + n * H * W * C + g * conv.Cg;
        for (int64_t p = p0; p < p0 + count; ++p) {
          uint8_t *row = rows.data() + (p - p0) * impl.Kp;
          int64_t oh = p / OW, ow = p % OW;
          for (int64_t i = 0; i < conv.kh; ++i) {
            int64_t ih = oh * conv.sh + i * conv.dh - conv.ph;
            uint8_t *dst = row + i * conv.kw * conv.Cg;
            if (ih < 0 || ih >= H) {
              std::memset(dst, impl.fill, conv.kw * conv.Cg);
              continue;
            }
            int64_t iw0 = ow * conv.sw - conv.pw;
            if (narrow && iw0 >= 0 && iw0 + conv.kw <= W &&
                (ih * W + iw0) * C + 16 <= imageBytes) {
              // A run of at most 16 bytes inside the image: one 16-byte
              // copy, whose excess the next run (or the row's padding
              // below, or the next row) overwrites.
              std::memcpy(dst, image + (ih * W + iw0) * C, 16);
              continue;
            }
            if (runs) {
              // Taps [j0, j1) lie inside the row.
              int64_t j0 = std::clamp<int64_t>(-iw0, 0, conv.kw),
                      j1 = std::clamp<int64_t>(W - iw0, j0, conv.kw);
              std::memset(dst, impl.fill, j0 * C);
              std::memcpy(dst + j0 * C, image + (ih * W + iw0 + j0) * C,
                          (j1 - j0) * C);
              std::memset(dst + j1 * C, impl.fill, (conv.kw - j1) * C);
              continue;
            }
            for (int64_t j = 0; j < conv.kw; ++j) {
              int64_t iw = iw0 + j * conv.dw;
              if (iw < 0 || iw >= W)
                std::memset(dst + j * conv.Cg, impl.fill, conv.Cg);
              else
                std::memcpy(dst + j * conv.Cg, image + (ih * W + iw) * C,
                            conv.Cg);
            }
          }
          std::memset(row + impl.K, impl.fill, impl.Kp - impl.K);
        }
        a = rows.data();
        lda = impl.Kp;
      }
      int64_t pixel = n * P + p0;
      if (!impl.vector) { // one span: every channel
        gemmRowsPlain(conv, a, lda, count, g, pixel, y);
        continue;
      }
      for (int64_t j0 = s * span; j0 < std::min(impl.blocks, (s + 1) * span);
           j0 += kVectors) {
        int nv = int(std::min<int64_t>(kVectors, impl.blocks - j0));
        for (int64_t r0 = 0; r0 < count; r0 += kRows) {
          int r = int(std::min<int64_t>(kRows, count - r0));
          TileFn fn = impl.flip ? tileFor<true>(r, nv) : tileFor<false>(r, nv);
          fn(conv, a + r0 * lda, lda, g, j0, pixel + r0, y);
        }
      }
    }
  }
}

void nhwcChannelSums(const void *xData, bool xUnsigned, int32_t zx, int64_t N,
                     int64_t C, int64_t pixels, int32_t *sums) {
  const auto *x = static_cast<const uint8_t *>(xData);
  std::vector<uint32_t> acc(C);
  for (int64_t n = 0; n < N; ++n) {
    std::fill(acc.begin(), acc.end(), 0u);
    for (int64_t p = 0; p < pixels; ++p) {
      const uint8_t *px = x + (n * pixels + p) * C;
      if (xUnsigned)
        for (int64_t c = 0; c < C; ++c)
          acc[c] += uint32_t(int32_t(px[c]) - zx);
      else
        for (int64_t c = 0; c < C; ++c)
          acc[c] += uint32_t(int32_t(int8_t(px[c])) - zx);
    }
    for (int64_t c = 0; c < C; ++c)
      sums[n * C + c] = int32_t(acc[c]);
  }
}

} // namespace gaon::cpu

//===- Int8Gemm.h - exact u8 x s8 GEMM on AVX-512 VNNI ----------*- C++ -*-===//
//
// C[M x N] = A[M x K] * B[K x N] in int32 (wrapping, as the NPU's
// accumulators do), with A signed 8-bit weights packed once per session and
// B unsigned 8-bit activations packed per call. vpdpbusd multiplies four u8
// by four s8 and adds them into each int32 lane, so B is packed with four
// consecutive K rows interleaved per column ("VNNI layout"), in panels of
// kInt8GemmPanel columns so that each microkernel call streams one
// contiguous panel.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_TARGETS_CPU_KERNELS_INT8GEMM_H
#define GAON_TARGETS_CPU_KERNELS_INT8GEMM_H

#include <cstdint>
#include <functional>
#include <vector>

namespace gaon::cpu {

/// Columns per B panel.
constexpr int64_t kInt8GemmPanel = 32;

/// Whether this CPU has AVX-512 VNNI (the GEMM below needs it).
bool int8GemmAvailable();

/// A (s8, M x K row-major, row stride lda) packed in blocks of 8 rows:
/// [M8][K4][8][4], zero-padded; with each row's sum of A, which the caller
/// needs to undo B's offsets.
struct Int8PackedA {
  int64_t m = 0, k = 0, k4 = 0;
  std::vector<int8_t> data;
  std::vector<int32_t> rowSums;
};
void packInt8A(const int8_t *a, int64_t m, int64_t k, int64_t lda,
               Int8PackedA &out);

/// Bytes of B packed for `k` rows and `n` columns.
inline uint64_t int8PackedBBytes(int64_t k, int64_t n) {
  int64_t panels = (n + kInt8GemmPanel - 1) / kInt8GemmPanel;
  return uint64_t(panels) * ((k + 3) / 4) * kInt8GemmPanel * 4;
}

/// Packs rows [k0, k0 + 4) of B (u8, given as up to four row pointers of n
/// bytes each; null rows and rows past K are zeros), XOR-ing each byte with
/// `flip` (0x80 turns s8 into u8 + 128), into `packed` laid out
/// [panel][K4][kInt8GemmPanel][4].
void packInt8BRows(const uint8_t *const rows[4], int64_t n, int64_t k,
                   int64_t k0, uint8_t flip, uint8_t *packed);

/// Receives each finished tile of C: rows [row0, row0 + rows), columns
/// [col0, col0 + cols), at `tile` with rows kInt8GemmPanel apart. Called
/// from several threads at once, for disjoint tiles.
using Int8GemmEpilogue = std::function<void(int64_t row0, int rows,
                                            int64_t col0, int cols,
                                            const int32_t *tile)>;

/// C[m][j] = sum_k A[m][k] * B[k][j] for m < M, j < N, int32 wrapping,
/// handed to `epilogue` tile by tile (8 x kInt8GemmPanel). Threads split
/// panels and row blocks.
void int8Gemm(const Int8PackedA &a, const uint8_t *packedB, int64_t n,
              const Int8GemmEpilogue &epilogue, int threads);

} // namespace gaon::cpu

#endif // GAON_TARGETS_CPU_KERNELS_INT8GEMM_H

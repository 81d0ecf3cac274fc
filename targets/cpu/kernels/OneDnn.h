//===- OneDnn.h - float convolution and matrix products on oneDNN -*- C++ -*-===//

#ifndef GAON_TARGETS_CPU_KERNELS_ONEDNN_H
#define GAON_TARGETS_CPU_KERNELS_ONEDNN_H

#include "targets/cpu/kernels/Kernels.h"

namespace gaon::cpu {

/// graph.conv on f32, operands already validated.
std::string oneDnnConv(const OpDesc &op, const std::vector<View> &in,
                       const std::vector<View> &out, int threads);

/// graph.conv on f32 with weights known when the session is prepared: the
/// primitive picks blocked layouts for the machine's vector width, the
/// weights are reordered once, activations per run.
std::string oneDnnConvPrepare(const OpDesc &op, const std::vector<View> &in,
                              const std::vector<View> &out,
                              std::unique_ptr<KernelState> &state);
std::string oneDnnConvRun(const OpDesc &op, const std::vector<View> &in,
                          const std::vector<View> &out, int threads,
                          KernelState &state);

/// graph.max_pool on f32, i8 or u8 (ceil mode becomes extra end padding, which never
/// wins a max).
std::string oneDnnMaxPool(const OpDesc &op, const std::vector<View> &in,
                          const std::vector<View> &out, int threads);

/// C[m x n] = A[m x k] * B[k x n], row-major with leading dimensions.
std::string oneDnnSgemm(int64_t m, int64_t n, int64_t k, const float *a,
                        int64_t lda, const float *b, int64_t ldb, float *c,
                        int64_t ldc, int threads);

/// C[m x n] = A[m x k] * B[n x k]^T, row-major with leading dimensions.
std::string oneDnnSgemmTransposedB(int64_t m, int64_t n, int64_t k,
                                   const float *a, int64_t lda, const float *b,
                                   int64_t ldb, float *c, int64_t ldc,
                                   int threads);

/// Whether oneDNN's integer GEMM and convolutions are exact on this CPU:
/// with VNNI (AVX-512 or AVX) 8-bit products accumulate straight into
/// int32; without it oneDNN may saturate pairs of products in int16.
bool oneDnnIntegerGemmIsExact();

/// C[m x n] (int32) = (A - ao)[m x k] * (B - bo)[k x n], row-major and
/// dense; A is u8 or s8 (`aUnsigned`) with offset `ao` in its range, B is
/// s8 with offset `bo`.
std::string oneDnnIntegerGemmOffsets(int64_t m, int64_t n, int64_t k,
                                     const void *a, bool aUnsigned, int32_t ao,
                                     const int8_t *b, int32_t bo, int32_t *c,
                                     int threads);

} // namespace gaon::cpu

#endif // GAON_TARGETS_CPU_KERNELS_ONEDNN_H

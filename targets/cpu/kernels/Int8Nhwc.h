//===- Int8Nhwc.h - 8-bit convolutions on channels-last tensors -*- C++ -*-===//
//
// graph.qconv with a channels-last (NHWC) result. Channels-last suits 8-bit
// convolutions on a CPU: a pixel's channels are contiguous, so
//  - a 1x1 convolution is a GEMM whose activation rows need no packing:
//    vpdpbusd broadcasts four consecutive channels of a pixel and multiplies
//    them by 16 output channels' packed weights;
//  - other convolutions gather each pixel's window (whole channel runs) into
//    the same row form;
//  - a depthwise convolution vectorizes over channels, 16 per register,
//    with no border special cases beyond skipping taps outside the input;
//  - every finished pixel is requantized per channel in registers.
// Results equal graph.qconv's definition (int32 sums, wrapping, then
// Requantize.h) bit for bit on every path; without AVX-512 VNNI plain loops
// compute the same values.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_TARGETS_CPU_KERNELS_INT8NHWC_H
#define GAON_TARGETS_CPU_KERNELS_INT8NHWC_H

#include "targets/npu/Requantize.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace gaon::cpu {

/// How each output channel's int32 sum becomes the stored result.
struct NhwcOutput {
  bool wide = false; // int32 sums stored as they are, else 8-bit bytes
  int32_t zeroPoint = 0, lo = 0, hi = 0;
  // Per output channel: the multiplier when `integer`, else the real ratio
  // (1 or more, which the NPU cannot apply; rounded in double).
  std::vector<npu::Multiplier> mult;
  std::vector<double> ratio;
  std::vector<char> integer;
};

/// A convolution prepared once per session.
struct NhwcConv {
  // Geometry (rank-4 convolutions only).
  int64_t group = 1, Cg = 0, Mg = 0, kh = 1, kw = 1, sh = 1, sw = 1, dh = 1,
          dw = 1, ph = 0, pw = 0;
  bool depthwise = false;
  int32_t inputZero = 0;     // the input's zero point
  bool inputUnsigned = true; // u8 input, else i8
  NhwcOutput output;
  /// Per output channel: the bias plus the input offset's correction.
  std::vector<int32_t> add;
  /// Private: packed weights and per-lane requantization constants.
  struct Impl;
  std::shared_ptr<Impl> impl;
};

/// Whether the vectorized (AVX-512 VNNI) forms run on this CPU.
bool nhwcVectorized();

/// Prepares `conv` (geometry and output already set) from its weights
/// (s8, [M][Cg][kh][kw], zero point 0) and optional int32 bias. With
/// `forcePlain`, the plain loops run even on a vector-capable CPU (tests).
void prepareNhwcConv(NhwcConv &conv, const int8_t *weights,
                     const int32_t *bias, bool forcePlain = false);

/// Runs the convolution: x is [N][C][H][W] stored NHWC (`xChannelsLast`) or
/// NCHW (not for depthwise), y is [N][M][OH][OW] stored NHWC.
void runNhwcConv(const NhwcConv &conv, const void *x, bool xChannelsLast,
                 int64_t N, int64_t H, int64_t W, void *y, int64_t OH,
                 int64_t OW, int threads);

/// graph.qmean's int32 sums over the spatial axes of an NHWC tensor:
/// sums[n][c] = sum over pixels of (x - zx), wrapping.
void nhwcChannelSums(const void *x, bool xUnsigned, int32_t zx, int64_t N,
                     int64_t C, int64_t pixels, int32_t *sums);

} // namespace gaon::cpu

#endif // GAON_TARGETS_CPU_KERNELS_INT8NHWC_H

//===- KernelSupport.h - what the CPU kernel families share ---*- C++ -*-===//
//
// Internal to targets/cpu/kernels: the thread split, strided walks over
// shapes, the dtype dispatch macros and the half-precision wrapper the
// kernel families (ElementwiseKernels, TensorKernels, NnKernels,
// QuantKernels) build on, and the table each family adds its kernels to.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_TARGETS_CPU_KERNELS_KERNELSUPPORT_H
#define GAON_TARGETS_CPU_KERNELS_KERNELSUPPORT_H

#include "targets/cpu/kernels/Kernels.h"
#include "targets/common/HalfFloat.h"

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

namespace gaon::cpu {

using Views = std::vector<View>;
using KernelTable = std::map<std::string, Kernel>;

/// Splits [0, n) over up to `threads` threads of the OpenMP pool (the one
/// oneDNN uses, so the two never oversubscribe the cores); small work runs
/// inline.
void parallelFor(int64_t n, int threads, int64_t grain,
                 const std::function<void(int64_t, int64_t)> &fn);

/// Row-major strides of `shape`, in elements.
std::vector<int64_t> strides(const std::vector<int64_t> &shape);

/// The strided walk over `outShape`: for each element (row-major), the
/// source index base + sum(index[d] * st[d]). Broadcast, transpose and
/// slice are such walks.
std::vector<int64_t> stridedMap(const std::vector<int64_t> &outShape,
                                const std::vector<int64_t> &st, int64_t base);

/// Strides (in elements) with which an operand of `shape` is read when it
/// broadcasts to `out` (zero along broadcast axes).
std::vector<int64_t> broadcastStrides(const std::vector<int64_t> &shape,
                                      const std::vector<int64_t> &out);

/// For each output element (row-major), the index of the element of an
/// operand of `shape` that numpy broadcasting reads.
std::vector<int64_t> broadcastMap(const std::vector<int64_t> &shape,
                                  const std::vector<int64_t> &out);

/// Iterates the input as (outer, axis, inner) around one axis.
struct AxisSplit {
  int64_t outer = 1, size = 1, inner = 1;
  AxisSplit(const std::vector<int64_t> &shape, int64_t axis) {
    for (int64_t d = 0; d < (int64_t)shape.size(); ++d)
      (d < axis ? outer : d == axis ? size : inner) *= shape[d];
  }
};

std::string unsupportedType(const OpDesc &op, gaon_dtype t);

/// a + b, a - b or a * b (`o`), wrapping for integers as the hardware
/// does (no signed-overflow UB), logical for bool.
template <typename T> T wrapArith(T a, T b, char o) {
  if constexpr (std::is_same_v<T, bool>) {
    return o == '*' ? (a && b) : (o == '+' ? (a || b) : (a != b));
  } else if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    U x = a, y = b;
    return static_cast<T>(o == '+' ? x + y : o == '-' ? x - y : x * y);
  } else {
    return o == '+' ? a + b : o == '-' ? a - b : a * b;
  }
}

// Runs the trailing body with T bound to the C++ type of `dtype` for the numeric types.
#define GAON_DISPATCH(dtype, T, fallback, ...)                                \
  switch (dtype) {                                                             \
  case GAON_F32: { using T = float; __VA_ARGS__; } break;                             \
  case GAON_F64: { using T = double; __VA_ARGS__; } break;                            \
  case GAON_I8: { using T = int8_t; __VA_ARGS__; } break;                             \
  case GAON_I16: { using T = int16_t; __VA_ARGS__; } break;                           \
  case GAON_I32: { using T = int32_t; __VA_ARGS__; } break;                           \
  case GAON_I64: { using T = int64_t; __VA_ARGS__; } break;                           \
  case GAON_U8: { using T = uint8_t; __VA_ARGS__; } break;                            \
  case GAON_U16: { using T = uint16_t; __VA_ARGS__; } break;                          \
  case GAON_U32: { using T = uint32_t; __VA_ARGS__; } break;                          \
  case GAON_U64: { using T = uint64_t; __VA_ARGS__; } break;                          \
  case GAON_BOOL: { using T = bool; __VA_ARGS__; } break;                             \
  default: fallback;                                                           \
  }

#define GAON_DISPATCH_FLOAT(dtype, T, fallback, ...)                          \
  switch (dtype) {                                                             \
  case GAON_F32: { using T = float; __VA_ARGS__; } break;                             \
  case GAON_F64: { using T = double; __VA_ARGS__; } break;                            \
  default: fallback;                                                           \
  }

//===----------------------------------------------------------------------===//
// Elementwise

/// float16 and bfloat16 operands of kernels that compute in float32: widened
/// to f32 copies, results narrowed back with round-to-nearest-even (ONNX
/// Runtime's CPU provider does the same for most float16 ops). Kernels
/// without half operands run directly.
template <Kernel K>
std::string halfAsFloat(const OpDesc &op, const Views &in, const Views &out,
                        int threads) {
  auto isHalf = [](const View &v) {
    return v.data && (v.dtype == GAON_F16 || v.dtype == GAON_BF16);
  };
  if (std::none_of(in.begin(), in.end(), isHalf) &&
      std::none_of(out.begin(), out.end(), isHalf))
    return K(op, in, out, threads);
  std::vector<std::vector<float>> buffers;
  auto widen = [&](const View &v) {
    View w = v;
    buffers.emplace_back(v.count());
    const uint16_t *h = v.as<uint16_t>();
    for (int64_t i = 0, n = v.count(); i < n; ++i)
      buffers.back()[i] = v.dtype == GAON_F16 ? halfToFloat(h[i]) : bf16ToFloat(h[i]);
    w.dtype = GAON_F32;
    w.data = buffers.back().data();
    return w;
  };
  Views wideIn = in, wideOut = out;
  for (View &v : wideIn)
    if (isHalf(v))
      v = widen(v);
  for (View &v : wideOut)
    if (isHalf(v))
      v = widen(v);
  std::string error = K(op, wideIn, wideOut, threads);
  if (!error.empty())
    return error;
  for (size_t i = 0; i < out.size(); ++i) {
    if (!isHalf(out[i]))
      continue;
    const float *f = wideOut[i].as<float>();
    uint16_t *h = out[i].as<uint16_t>();
    for (int64_t j = 0, n = out[i].count(); j < n; ++j)
      h[j] = out[i].dtype == GAON_F16 ? floatToHalf(f[j]) : floatToBf16(f[j]);
  }
  return "";
}

/// Each family's kernels, added to the table findKernel reads.
void addElementwiseKernels(KernelTable &t);
void addTensorKernels(KernelTable &t);
void addNnKernels(KernelTable &t);
void addTransformerKernels(KernelTable &t);

} // namespace gaon::cpu

#endif // GAON_TARGETS_CPU_KERNELS_KERNELSUPPORT_H

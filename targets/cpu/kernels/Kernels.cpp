//===- Kernels.cpp - the CPU target's kernels -----------------------------===//
//
// Reference-quality kernels: exact integer semantics, straightforward float
// loops, threads where the work is large. Performance work (AVX2, oneDNN)
// replaces individual kernels without changing this interface.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/kernels/Kernels.h"
#include "targets/cpu/kernels/QuantRows.h"

#include "runtime/src/Internal.h"
#include "targets/cpu/kernels/OneDnn.h"
#include "targets/cpu/kernels/QuantKernels.h"
#include "targets/cpu/kernels/VectorMath.h"
#include "targets/common/HalfFloat.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <map>

namespace gaon::cpu {
namespace {

using rt::OpDesc;
using Views = std::vector<View>;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// Splits [0, n) over up to `threads` threads of the OpenMP pool (the one
/// oneDNN uses, so the two never oversubscribe the cores); small work runs
/// inline.
void parallelFor(int64_t n, int threads, int64_t grain,
                 const std::function<void(int64_t, int64_t)> &fn) {
  int64_t workers = std::min<int64_t>(
      std::max(1, threads), std::max<int64_t>(1, n / std::max<int64_t>(grain, 1)));
  if (workers <= 1) {
    fn(0, n);
    return;
  }
  int64_t chunk = (n + workers - 1) / workers;
#pragma omp parallel for num_threads(workers) schedule(static, 1)
  for (int64_t w = 0; w < workers; ++w) {
    int64_t b = w * chunk, e = std::min(n, b + chunk);
    if (b < e)
      fn(b, e);
  }
}

std::vector<int64_t> strides(const std::vector<int64_t> &shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (int64_t d = (int64_t)shape.size() - 2; d >= 0; --d)
    s[d] = s[d + 1] * shape[d + 1];
  return s;
}

/// The strided walk over `outShape`: for each element (row-major), the
/// source index base + sum(index[d] * st[d]). Broadcast, transpose and
/// slice are such walks.
std::vector<int64_t> stridedMap(const std::vector<int64_t> &outShape,
                                const std::vector<int64_t> &st, int64_t base) {
  int64_t rank = outShape.size(), count = 1;
  for (int64_t d : outShape)
    count *= d;
  std::vector<int64_t> map(count), index(rank, 0);
  int64_t cur = base;
  for (int64_t i = 0; i < count; ++i) {
    map[i] = cur;
    for (int64_t d = rank - 1; d >= 0; --d) {
      cur += st[d];
      if (++index[d] < outShape[d])
        break;
      cur -= st[d] * index[d];
      index[d] = 0;
    }
  }
  return map;
}

/// For each output element (row-major), the index of the element of an
/// operand of `shape` that numpy broadcasting reads.
std::vector<int64_t> broadcastMap(const std::vector<int64_t> &shape,
                                  const std::vector<int64_t> &out) {
  int64_t rank = out.size(), offset = rank - shape.size();
  std::vector<int64_t> st(rank, 0);
  int64_t stride = 1;
  for (int64_t d = rank - 1; d >= offset; --d) {
    st[d] = shape[d - offset] == 1 ? 0 : stride;
    stride *= shape[d - offset];
  }
  return stridedMap(out, st, 0);
}

/// Iterates the input as (outer, axis, inner) around one axis.
struct AxisSplit {
  int64_t outer = 1, size = 1, inner = 1;
  AxisSplit(const std::vector<int64_t> &shape, int64_t axis) {
    for (int64_t d = 0; d < (int64_t)shape.size(); ++d)
      (d < axis ? outer : d == axis ? size : inner) *= shape[d];
  }
};

std::string unsupportedType(const OpDesc &op, gaon_dtype t) {
  return op.kind + " has no CPU kernel for " + gaon_dtype_name(t);
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
//===----------------------------------------------------------------------===//

template <typename T> T wrapNeg(T v) {
  if constexpr (std::is_same_v<T, bool>)
    return v;
  else if constexpr (std::is_integral_v<T>)
    return static_cast<T>(-static_cast<std::make_unsigned_t<T>>(v));
  else
    return -v;
}

template <typename F>
std::string unaryFloat(const OpDesc &op, const Views &in, const Views &out,
                       F f) {
  GAON_DISPATCH_FLOAT(in[0].dtype, T, return unsupportedType(op, in[0].dtype),
    {
      const T *x = in[0].as<T>();
      T *y = out[0].as<T>();
      for (int64_t i = 0, n = in[0].count(); i < n; ++i)
        y[i] = static_cast<T>(f(x[i]));
    })
  return "";
}

#define GAON_UNARY_FLOAT(NAME, EXPR)                                           \
  std::string NAME(const OpDesc &op, const Views &in, const Views &out,        \
                   int) {                                                      \
    /* In the element type: float math for f32, double for f64. */            \
    return unaryFloat(op, in, out, [&](auto x) { return (EXPR); });            \
  }

GAON_UNARY_FLOAT(kExp, std::exp(x))
GAON_UNARY_FLOAT(kLog, std::log(x))
GAON_UNARY_FLOAT(kTanh, std::tanh(x))
GAON_UNARY_FLOAT(kSigmoid, 1.0 / (1.0 + std::exp(-x)))
GAON_UNARY_FLOAT(kErfReference, std::erf(x))

/// Elementwise f32 through one of the vectorized loops, split over threads.
void vectorUnaryF32(const View &x, const View &y, int threads,
                    void (*loop)(const float *, float *, int64_t)) {
  const float *xp = x.as<float>();
  float *yp = y.as<float>();
  parallelFor(x.count(), threads, 16384, [&](int64_t b, int64_t e) {
    loop(xp + b, yp + b, e - b);
  });
}

std::string kErf(const OpDesc &op, const Views &in, const Views &out,
                 int threads) {
  if (in[0].dtype != GAON_F32)
    return kErfReference(op, in, out, threads);
  vectorUnaryF32(in[0], out[0], threads, vec::erfF32);
  return "";
}
GAON_UNARY_FLOAT(kSqrt, std::sqrt(x))
GAON_UNARY_FLOAT(kRsqrt, 1.0 / std::sqrt(x))
GAON_UNARY_FLOAT(kReciprocal, 1.0 / x)
GAON_UNARY_FLOAT(kSilu, x / (1.0 + std::exp(-x)))
GAON_UNARY_FLOAT(kHardSwish, x * std::max(0.0, std::min(1.0, x / 6 + 0.5)))
GAON_UNARY_FLOAT(kSin, std::sin(x))
GAON_UNARY_FLOAT(kCos, std::cos(x))
GAON_UNARY_FLOAT(kTan, std::tan(x))
GAON_UNARY_FLOAT(kAsin, std::asin(x))
GAON_UNARY_FLOAT(kAcos, std::acos(x))
GAON_UNARY_FLOAT(kAtan, std::atan(x))
GAON_UNARY_FLOAT(kSinh, std::sinh(x))
GAON_UNARY_FLOAT(kCosh, std::cosh(x))
GAON_UNARY_FLOAT(kAsinh, std::asinh(x))
GAON_UNARY_FLOAT(kAcosh, std::acosh(x))
GAON_UNARY_FLOAT(kAtanh, std::atanh(x))
GAON_UNARY_FLOAT(kSoftplus, std::log1p(std::exp(-std::fabs(x))) + std::max<double>(x, 0.0))
GAON_UNARY_FLOAT(kSoftsign, x / (1.0 + std::fabs(x)))
GAON_UNARY_FLOAT(kFloor, std::floor(x))
GAON_UNARY_FLOAT(kCeil, std::ceil(x))
GAON_UNARY_FLOAT(kRound, std::nearbyint(x))
GAON_UNARY_FLOAT(kGeluReference, op.getInt("tanh_approximation", 0)
                            ? 0.5 * x * (1 + std::tanh(0.7978845608028654 *
                                                       (x + 0.044715 * x * x * x)))
                            : 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))))
GAON_UNARY_FLOAT(kElu, x >= 0 ? x : op.getFloat("alpha", 1) * (std::exp(x) - 1))
GAON_UNARY_FLOAT(kCelu, std::max<double>(0.0, x) +
                            std::min(0.0, op.getFloat("alpha", 1) *
                                              (std::exp(x / op.getFloat("alpha", 1)) - 1)))
GAON_UNARY_FLOAT(kSelu, op.getFloat("gamma", 1.0507) *
                            (x > 0 ? x : op.getFloat("alpha", 1.6733) * (std::exp(x) - 1)))
GAON_UNARY_FLOAT(kLeakyRelu, x >= 0 ? x : op.getFloat("alpha", 0.01) * x)
GAON_UNARY_FLOAT(kThresholdedRelu, x > op.getFloat("alpha", 1) ? x : 0.0)
GAON_UNARY_FLOAT(kHardSigmoid,
                 std::max(0.0, std::min(1.0, op.getFloat("alpha", 0.2) * x +
                                                 op.getFloat("beta", 0.5))))
std::string kGelu(const OpDesc &op, const Views &in, const Views &out,
                  int threads) {
  if (in[0].dtype != GAON_F32 || op.getInt("tanh_approximation", 0))
    return kGeluReference(op, in, out, threads);
  vectorUnaryF32(in[0], out[0], threads, vec::geluF32);
  return "";
}

template <typename F>
std::string unaryNumeric(const OpDesc &op, const Views &in, const Views &out,
                         F f) {
  GAON_DISPATCH(in[0].dtype, T, return unsupportedType(op, in[0].dtype),
    {
      const T *x = in[0].as<T>();
      T *y = out[0].as<T>();
      for (int64_t i = 0, n = in[0].count(); i < n; ++i)
        y[i] = f(x[i]);
    })
  return "";
}

std::string kRelu(const OpDesc &op, const Views &in, const Views &out, int) {
  return unaryNumeric(op, in, out, [](auto x) {
    using T = decltype(x);
    return x > T(0) ? x : T(0);
  });
}
std::string kAbs(const OpDesc &op, const Views &in, const Views &out, int) {
  return unaryNumeric(op, in, out, [](auto x) {
    using T = decltype(x);
    if constexpr (std::is_unsigned_v<T>)
      return x;
    else
      return x < T(0) ? wrapNeg(x) : x;
  });
}
std::string kNeg(const OpDesc &op, const Views &in, const Views &out, int) {
  return unaryNumeric(op, in, out, [](auto x) { return wrapNeg(x); });
}
std::string kSign(const OpDesc &op, const Views &in, const Views &out, int) {
  return unaryNumeric(op, in, out, [](auto x) {
    using T = decltype(x);
    return x > T(0) ? T(1) : (x < T(0) ? wrapNeg(T(1)) : T(0));
  });
}
std::string kNot(const OpDesc &op, const Views &in, const Views &out, int) {
  return unaryNumeric(op, in, out, [](auto x) { return decltype(x)(!x); });
}

std::string kClip(const OpDesc &op, const Views &in, const Views &out, int) {
  bool hasMin = op.has("min"), hasMax = op.has("max");
  double lo = op.getFloat("min", 0), hi = op.getFloat("max", 0);
  return unaryNumeric(op, in, out, [&](auto x) {
    using T = decltype(x);
    if (hasMin && x < static_cast<T>(lo))
      x = static_cast<T>(lo);
    if (hasMax && x > static_cast<T>(hi))
      x = static_cast<T>(hi);
    return x;
  });
}

std::string kShrink(const OpDesc &op, const Views &in, const Views &out, int) {
  double bias = op.getFloat("bias", 0), lambd = op.getFloat("lambd", 0.5);
  return unaryNumeric(op, in, out, [&](auto x) {
    using T = decltype(x);
    double v = static_cast<double>(x);
    return static_cast<T>(v < -lambd ? v + bias : (v > lambd ? v - bias : 0));
  });
}

std::string isPredicate(const OpDesc &op, const Views &in, const Views &out,
                        bool nan) {
  bool pos = op.getInt("detect_positive", 1), neg = op.getInt("detect_negative", 1);
  GAON_DISPATCH_FLOAT(in[0].dtype, T, return unsupportedType(op, in[0].dtype),
    {
      const T *x = in[0].as<T>();
      bool *y = out[0].as<bool>();
      for (int64_t i = 0, n = in[0].count(); i < n; ++i)
        y[i] = nan ? std::isnan(x[i])
                   : (std::isinf(x[i]) && ((x[i] > 0 && pos) || (x[i] < 0 && neg)));
    })
  return "";
}
std::string kIsNan(const OpDesc &op, const Views &in, const Views &out, int) {
  return isPredicate(op, in, out, true);
}
std::string kIsInf(const OpDesc &op, const Views &in, const Views &out, int) {
  return isPredicate(op, in, out, false);
}

/// How an operand of a broadcasting op is read, from cheapest to dearest:
/// element for element, one scalar, a trailing block repeated (a bias), or
/// through an index map.
struct OperandAccess {
  enum Kind { Same, Scalar, Suffix, Map } kind;
  int64_t period = 1;
  std::vector<int64_t> map;

  /// Without `withMap`, a Map operand's index map is not built (the caller
  /// only wants the kind).
  OperandAccess(const std::vector<int64_t> &shape,
                const std::vector<int64_t> &out, bool withMap = true) {
    int64_t count = 1, outCount = 1;
    for (int64_t d : shape)
      count *= d;
    for (int64_t d : out)
      outCount *= d;
    if (count == outCount) {
      kind = Same;
      return;
    }
    if (count == 1) {
      kind = Scalar;
      return;
    }
    // Leading size-1 axes dropped, is the shape the tail of the result's?
    size_t first = 0;
    while (first < shape.size() && shape[first] == 1)
      ++first;
    size_t tail = shape.size() - first;
    bool suffix = tail <= out.size();
    for (size_t i = 0; suffix && i < tail; ++i)
      suffix = shape[first + i] == out[out.size() - tail + i];
    if (suffix) {
      kind = Suffix;
      period = count;
      return;
    }
    kind = Map;
    if (withMap)
      map = broadcastMap(shape, out);
  }
  int64_t operator()(int64_t i) const {
    switch (kind) {
    case Same: return i;
    case Scalar: return 0;
    case Suffix: return i % period;
    default: return map[i];
    }
  }
};

/// Broadcasting binary op; `f(a, b)` returns the result element.
template <typename Out, typename F>
std::string binaryInto(const OpDesc &op, const Views &in, const Views &out,
                       F f) {
  OperandAccess ma(in[0].shape, out[0].shape), mb(in[1].shape, out[0].shape);
  int64_t n = out[0].count();
  GAON_DISPATCH(in[0].dtype, T, return unsupportedType(op, in[0].dtype), {
    const T *a = in[0].as<T>();
    const T *b = in[1].as<T>();
    auto *y = out[0].as<std::conditional_t<std::is_void_v<Out>, T, Out>>();
    if (ma.kind == OperandAccess::Same && mb.kind == OperandAccess::Same) {
      for (int64_t i = 0; i < n; ++i)
        y[i] = f(a[i], b[i]);
    } else if (ma.kind == OperandAccess::Same &&
               mb.kind == OperandAccess::Scalar) {
      T bv = b[0];
      for (int64_t i = 0; i < n; ++i)
        y[i] = f(a[i], bv);
    } else {
      for (int64_t i = 0; i < n; ++i)
        y[i] = f(a[ma(i)], b[mb(i)]);
    }
  })
  return "";
}

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

/// f32 + - * / whose operands are each the result's shape, a scalar or a
/// trailing block (a bias): rows of that block, each one vectorized loop.
/// Returns false for the other shapes, which take the general path.
bool binaryFastF32(char op, const Views &in, const Views &out, int threads) {
  if (in[0].dtype != GAON_F32 || in[1].dtype != GAON_F32)
    return false;
  OperandAccess ka(in[0].shape, out[0].shape, false),
      kb(in[1].shape, out[0].shape, false);
  if (ka.kind == OperandAccess::Map || kb.kind == OperandAccess::Map)
    return false;
  int64_t n = out[0].count(), row = n;
  if (ka.kind == OperandAccess::Suffix)
    row = ka.period;
  if (kb.kind == OperandAccess::Suffix) {
    if (ka.kind == OperandAccess::Suffix && ka.period != kb.period)
      return false;
    row = kb.period;
  }
  if (n == 0)
    return true;
  const float *a = in[0].as<float>(), *b = in[1].as<float>();
  float *y = out[0].as<float>();
  int64_t aStep = ka.kind == OperandAccess::Scalar ? 0 : 1;
  int64_t bStep = kb.kind == OperandAccess::Scalar ? 0 : 1;
  if (row == n) { // no block operand: one flat range
    parallelFor(n, threads, 16384, [&](int64_t s, int64_t e) {
      vec::binaryF32(op, a + s * aStep, aStep, b + s * bStep, bStep, y + s,
                     e - s);
    });
    return true;
  }
  // A Same operand advances by a row per row; block and scalar ones stay.
  int64_t aRow = ka.kind == OperandAccess::Same ? row : 0;
  int64_t bRow = kb.kind == OperandAccess::Same ? row : 0;
  parallelFor(n / row, threads, std::max<int64_t>(1, 16384 / row),
              [&](int64_t rb, int64_t re) {
    for (int64_t r = rb; r < re; ++r)
      vec::binaryF32(op, a + r * aRow, aStep, b + r * bRow, bStep, y + r * row,
                     row);
  });
  return true;
}

std::string kAdd(const OpDesc &op, const Views &in, const Views &out,
                 int threads) {
  if (binaryFastF32('+', in, out, threads))
    return "";
  return binaryInto<void>(op, in, out, [](auto a, auto b) { return wrapArith(a, b, '+'); });
}
std::string kSub(const OpDesc &op, const Views &in, const Views &out,
                 int threads) {
  if (binaryFastF32('-', in, out, threads))
    return "";
  return binaryInto<void>(op, in, out, [](auto a, auto b) { return wrapArith(a, b, '-'); });
}
std::string kMul(const OpDesc &op, const Views &in, const Views &out,
                 int threads) {
  if (binaryFastF32('*', in, out, threads))
    return "";
  return binaryInto<void>(op, in, out, [](auto a, auto b) { return wrapArith(a, b, '*'); });
}
std::string kDiv(const OpDesc &op, const Views &in, const Views &out,
                 int threads) {
  if (binaryFastF32('/', in, out, threads))
    return "";
  return binaryInto<void>(op, in, out, [](auto a, auto b) {
    using T = decltype(a);
    if constexpr (std::is_integral_v<T>) {
      if (b == T(0))
        return T(0); // Undefined in ONNX; defined here so it cannot trap.
      if constexpr (std::is_signed_v<T>)
        if (a == std::numeric_limits<T>::min() && b == T(-1))
          return a;
    }
    return static_cast<T>(a / b);
  });
}
std::string kMax(const OpDesc &op, const Views &in, const Views &out, int) {
  return binaryInto<void>(op, in, out, [](auto a, auto b) {
    using T = decltype(a);
    if constexpr (std::is_floating_point_v<T>)
      if (std::isnan(a) || std::isnan(b))
        return std::numeric_limits<T>::quiet_NaN();
    return a > b ? a : b;
  });
}
std::string kMin(const OpDesc &op, const Views &in, const Views &out, int) {
  return binaryInto<void>(op, in, out, [](auto a, auto b) {
    using T = decltype(a);
    if constexpr (std::is_floating_point_v<T>)
      if (std::isnan(a) || std::isnan(b))
        return std::numeric_limits<T>::quiet_NaN();
    return a < b ? a : b;
  });
}
std::string kMod(const OpDesc &op, const Views &in, const Views &out, int) {
  bool fmod = op.getInt("fmod", 0);
  return binaryInto<void>(op, in, out, [fmod](auto a, auto b) {
    using T = decltype(a);
    if constexpr (std::is_floating_point_v<T>) {
      return static_cast<T>(std::fmod(a, b));
    } else if constexpr (std::is_same_v<T, bool>) {
      return a;
    } else {
      if (b == T(0))
        return T(0);
      if constexpr (std::is_signed_v<T>)
        if (b == T(-1))
          return T(0);
      T r = a % b;
      if constexpr (std::is_signed_v<T>)
        if (!fmod && r != 0 && ((r < 0) != (b < 0)))
          r += b;
      return r;
    }
  });
}
std::string kPrelu(const OpDesc &op, const Views &in, const Views &out, int) {
  return binaryInto<void>(op, in, out, [](auto a, auto b) {
    using T = decltype(a);
    return a < T(0) ? wrapArith(a, b, '*') : a;
  });
}

std::string kPow(const OpDesc &op, const Views &in, const Views &out, int) {
  // The exponent may have another type: read both as double.
  auto ma = broadcastMap(in[0].shape, out[0].shape);
  auto mb = broadcastMap(in[1].shape, out[0].shape);
  std::vector<double> exps(in[1].count());
  GAON_DISPATCH(in[1].dtype, E, return unsupportedType(op, in[1].dtype),
    { for (size_t i = 0; i < exps.size(); ++i) exps[i] = static_cast<double>(in[1].as<E>()[i]); })
  GAON_DISPATCH(in[0].dtype, T, return unsupportedType(op, in[0].dtype),
    {
      const T *a = in[0].as<T>();
      T *y = out[0].as<T>();
      for (size_t i = 0; i < ma.size(); ++i)
        y[i] = static_cast<T>(std::pow(static_cast<double>(a[ma[i]]), exps[mb[i]]));
    })
  return "";
}

#define GAON_COMPARE(NAME, EXPR)                                               \
  std::string NAME(const OpDesc &op, const Views &in, const Views &out,        \
                   int) {                                                      \
    return binaryInto<bool>(op, in, out,                                       \
                            [](auto a, auto b) -> bool { return (EXPR); });    \
  }
GAON_COMPARE(kEqual, a == b)
GAON_COMPARE(kLess, a < b)
GAON_COMPARE(kLessEqual, a <= b)
GAON_COMPARE(kGreater, a > b)
GAON_COMPARE(kGreaterEqual, a >= b)
GAON_COMPARE(kAnd, a && b)
GAON_COMPARE(kOr, a || b)
GAON_COMPARE(kXor, bool(a) != bool(b))

std::string kBitShift(const OpDesc &op, const Views &in, const Views &out, int) {
  bool left = op.getInt("left", 1);
  return binaryInto<void>(op, in, out, [left](auto a, auto b) {
    using T = decltype(a);
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      if ((uint64_t)b >= sizeof(T) * 8)
        return T(0);
      return static_cast<T>(left ? a << b : a >> b);
    } else {
      return a;
    }
  });
}

std::string kSelect(const OpDesc &op, const Views &in, const Views &out, int) {
  auto mc = broadcastMap(in[0].shape, out[0].shape);
  auto mt = broadcastMap(in[1].shape, out[0].shape);
  auto mf = broadcastMap(in[2].shape, out[0].shape);
  size_t size = gaon_dtype_size(out[0].dtype);
  const bool *c = in[0].as<bool>();
  auto *t = in[1].as<uint8_t>(), *f = in[2].as<uint8_t>();
  auto *y = out[0].as<uint8_t>();
  for (size_t i = 0; i < mc.size(); ++i)
    std::memcpy(y + i * size, c[mc[i]] ? t + mt[i] * size : f + mf[i] * size,
                size);
  return "";
}

template <typename From, typename To> To convertValue(From v) {
  if constexpr (std::is_same_v<To, bool>) {
    return v != From(0);
  } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    if (std::isnan(v))
      return To(0);
    double d = std::trunc(static_cast<double>(v));
    if (d <= static_cast<double>(std::numeric_limits<To>::min()))
      return std::numeric_limits<To>::min();
    if (d >= static_cast<double>(std::numeric_limits<To>::max()))
      return std::numeric_limits<To>::max();
    return static_cast<To>(d);
  } else {
    return static_cast<To>(v);
  }
}

std::string kCast(const OpDesc &op, const Views &in, const Views &out, int) {
  int64_t n = in[0].count();
  // 16-bit floats go through float32 (exact: every f16/bf16 is a float).
  bool halfIn = in[0].dtype == GAON_F16 || in[0].dtype == GAON_BF16;
  bool halfOut = out[0].dtype == GAON_F16 || out[0].dtype == GAON_BF16;
  if (halfIn || halfOut) {
    std::vector<float> tmp(n);
    if (halfIn)
      for (int64_t i = 0; i < n; ++i)
        tmp[i] = in[0].dtype == GAON_F16 ? halfToFloat(in[0].as<uint16_t>()[i])
                                         : bf16ToFloat(in[0].as<uint16_t>()[i]);
    else
      GAON_DISPATCH(in[0].dtype, From, return unsupportedType(op, in[0].dtype), {
        for (int64_t i = 0; i < n; ++i)
          tmp[i] = convertValue<From, float>(in[0].as<From>()[i]);
      })
    if (halfOut) {
      for (int64_t i = 0; i < n; ++i)
        out[0].as<uint16_t>()[i] = out[0].dtype == GAON_F16
                                       ? floatToHalf(tmp[i])
                                       : floatToBf16(tmp[i]);
      return "";
    }
    GAON_DISPATCH(out[0].dtype, To, return unsupportedType(op, out[0].dtype), {
      for (int64_t i = 0; i < n; ++i)
        out[0].as<To>()[i] = convertValue<float, To>(tmp[i]);
    })
    return "";
  }
  GAON_DISPATCH(in[0].dtype, From, return unsupportedType(op, in[0].dtype),
    {
      GAON_DISPATCH(out[0].dtype, To, return unsupportedType(op, out[0].dtype),
        {
          const From *x = in[0].as<From>();
          To *y = out[0].as<To>();
          for (int64_t i = 0; i < n; ++i)
            y[i] = convertValue<From, To>(x[i]);
        })
    })
  return "";
}

//===----------------------------------------------------------------------===//
// Data movement (dtype-agnostic, by element size)
//===----------------------------------------------------------------------===//

std::string kCopy(const OpDesc &, const Views &in, const Views &out, int) {
  if (out[0].data != in[0].data)
    std::memmove(out[0].data, in[0].data,
                 in[0].count() * gaon_dtype_size(in[0].dtype));
  return "";
}

/// out[i] = in[map[i]], element by element of any size.
void gatherBytes(const View &in, const View &out,
                 const std::vector<int64_t> &map) {
  size_t size = gaon_dtype_size(in.dtype);
  auto *x = in.as<uint8_t>();
  auto *y = out.as<uint8_t>();
  for (size_t i = 0; i < map.size(); ++i)
    std::memcpy(y + i * size, x + map[i] * size, size);
}

/// Walks the output in order and copies from the strided input position,
/// without materializing an index map.
template <typename E>
void stridedCopy(const E *x, E *y, const std::vector<int64_t> &shape,
                 const std::vector<int64_t> &st) {
  int64_t rank = shape.size(), count = 1;
  for (int64_t d : shape)
    count *= d;
  if (count == 0)
    return;
  int64_t innerSize = rank ? shape[rank - 1] : 1;
  int64_t innerStride = rank ? st[rank - 1] : 0;
  std::vector<int64_t> index(std::max<int64_t>(rank - 1, 0), 0);
  int64_t base = 0;
  for (int64_t i = 0; i < count; i += innerSize) {
    for (int64_t j = 0; j < innerSize; ++j)
      y[i + j] = x[base + j * innerStride];
    for (int64_t d = rank - 2; d >= 0; --d) {
      base += st[d];
      if (++index[d] < shape[d])
        break;
      base -= st[d] * index[d];
      index[d] = 0;
    }
  }
}

std::string kTranspose(const OpDesc &op, const Views &in, const Views &out,
                       int) {
  auto perm = op.getInts("perm");
  auto is = strides(in[0].shape);
  std::vector<int64_t> st;
  for (int64_t p : perm)
    st.push_back(is[p]);
  switch (gaon_dtype_size(in[0].dtype)) {
  case 4:
    stridedCopy(in[0].as<uint32_t>(), out[0].as<uint32_t>(), out[0].shape, st);
    return "";
  case 8:
    stridedCopy(in[0].as<uint64_t>(), out[0].as<uint64_t>(), out[0].shape, st);
    return "";
  case 2:
    stridedCopy(in[0].as<uint16_t>(), out[0].as<uint16_t>(), out[0].shape, st);
    return "";
  default:
    stridedCopy(in[0].as<uint8_t>(), out[0].as<uint8_t>(), out[0].shape, st);
    return "";
  }
}

std::string kSlice(const OpDesc &op, const Views &in, const Views &out, int) {
  auto starts = op.getInts("starts"), steps = op.getInts("steps");
  auto is = strides(in[0].shape);
  int64_t base = 0;
  std::vector<int64_t> st(is.size());
  for (size_t d = 0; d < is.size(); ++d) {
    base += starts[d] * is[d];
    st[d] = steps[d] * is[d];
  }
  gatherBytes(in[0], out[0], stridedMap(out[0].shape, st, base));
  return "";
}

std::string kExpand(const OpDesc &, const Views &in, const Views &out, int) {
  gatherBytes(in[0], out[0], broadcastMap(in[0].shape, out[0].shape));
  return "";
}

std::string kTile(const OpDesc &, const Views &in, const Views &out, int) {
  auto is = strides(in[0].shape);
  int64_t rank = in[0].shape.size(), count = out[0].count();
  std::vector<int64_t> map(count), index(rank, 0);
  for (int64_t i = 0; i < count; ++i) {
    int64_t src = 0;
    for (int64_t d = 0; d < rank; ++d)
      src += (index[d] % in[0].shape[d]) * is[d];
    map[i] = src;
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < out[0].shape[d])
        break;
      index[d] = 0;
    }
  }
  gatherBytes(in[0], out[0], map);
  return "";
}

/// Concat copies each part's block into the whole, split the reverse: for
/// every outer index, the parts' (axis x inner) blocks follow each other.
void joinOrSplit(const View &whole, const Views &parts, int64_t axis,
                 bool join) {
  size_t size = gaon_dtype_size(whole.dtype);
  AxisSplit s(whole.shape, axis);
  auto *cursor = whole.as<uint8_t>();
  for (int64_t o = 0; o < s.outer; ++o)
    for (const View &part : parts) {
      int64_t block = part.shape[axis] * s.inner * size;
      uint8_t *p = part.as<uint8_t>() + o * block;
      std::memcpy(join ? cursor : p, join ? p : cursor, block);
      cursor += block;
    }
}

std::string kConcat(const OpDesc &op, const Views &in, const Views &out, int) {
  joinOrSplit(out[0], in, op.getInt("axis", 0), /*join=*/true);
  return "";
}

std::string kSplit(const OpDesc &op, const Views &in, const Views &out, int) {
  joinOrSplit(in[0], out, op.getInt("axis", 0), /*join=*/false);
  return "";
}

std::string kGather(const OpDesc &op, const Views &in, const Views &out, int) {
  int64_t axis = op.getInt("axis", 0);
  int64_t dim = in[0].shape[axis], outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= in[0].shape[d];
  for (size_t d = axis + 1; d < in[0].shape.size(); ++d)
    inner *= in[0].shape[d];
  std::vector<int64_t> picks(in[1].count());
  for (size_t i = 0; i < picks.size(); ++i) {
    int64_t v = in[1].dtype == GAON_I32 ? in[1].as<int32_t>()[i]
                                        : in[1].as<int64_t>()[i];
    if (v < -dim || v >= dim)
      return "gather index " + std::to_string(v) + " is out of range for an "
             "axis of size " + std::to_string(dim);
    picks[i] = v < 0 ? v + dim : v;
  }
  std::vector<int64_t> map;
  map.reserve(out[0].count());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t p : picks)
      for (int64_t j = 0; j < inner; ++j)
        map.push_back((o * dim + p) * inner + j);
  gatherBytes(in[0], out[0], map);
  return "";
}

std::string kPad(const OpDesc &op, const Views &in, const Views &out, int) {
  auto pads = op.getInts("pads");
  std::string mode = op.getString("mode", "constant");
  double value = op.getFloat("value", 0);
  int64_t rank = in[0].shape.size(), count = out[0].count();
  auto is = strides(in[0].shape);
  size_t size = gaon_dtype_size(in[0].dtype);
  // Fill with the padding value first, in the element type.
  GAON_DISPATCH(out[0].dtype, T, return unsupportedType(op, out[0].dtype),
    { std::fill(out[0].as<T>(), out[0].as<T>() + count, static_cast<T>(value)); })
  std::vector<int64_t> index(rank, 0);
  auto *x = in[0].as<uint8_t>();
  auto *y = out[0].as<uint8_t>();
  for (int64_t i = 0; i < count; ++i) {
    int64_t src = 0;
    bool inside = true;
    for (int64_t d = 0; d < rank && inside; ++d) {
      int64_t n = in[0].shape[d], c = index[d] - pads[d];
      if (c < 0 || c >= n) {
        if (mode == "constant" || n == 0) {
          inside = false;
          break;
        }
        if (mode == "edge")
          c = c < 0 ? 0 : n - 1;
        else if (mode == "reflect")
          c = c < 0 ? -c : 2 * (n - 1) - c;
        else // wrap
          c = ((c % n) + n) % n;
      }
      src += c * is[d];
    }
    if (inside)
      std::memcpy(y + i * size, x + src * size, size);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < out[0].shape[d])
        break;
      index[d] = 0;
    }
  }
  return "";
}

//===----------------------------------------------------------------------===//
// Linear algebra, convolution, pooling (float)
//===----------------------------------------------------------------------===//

/// C[m x n] (+)= A[m x k] * B[k x n], row-major, with leading dimensions.
template <typename T>
void gemm(int64_t m, int64_t n, int64_t k, const T *a, int64_t lda, const T *b,
          int64_t ldb, T *c, int64_t ldc, int threads) {
  parallelFor(m, threads, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, n * k)),
              [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      T *ci = c + i * ldc;
      std::fill(ci, ci + n, T(0));
      for (int64_t p = 0; p < k; ++p) {
        T av = a[i * lda + p];
        const T *bp = b + p * ldb;
        for (int64_t j = 0; j < n; ++j)
          ci[j] += av * bp[j];
      }
    }
  });
}

/// Dense row-major C = A * B: float on oneDNN, other types exactly here.
template <typename T>
std::string anyGemm(int64_t m, int64_t n, int64_t k, const T *a, const T *b,
                    T *c, int threads) {
  if constexpr (std::is_same_v<T, float>) {
    return oneDnnSgemm(m, n, k, a, k, b, n, c, n, threads);
  } else {
    gemm<T>(m, n, k, a, k, b, n, c, n, threads);
    return "";
  }
}

std::string kMatMul(const OpDesc &op, const Views &in, const Views &out,
                    int threads) {
  auto as = in[0].shape, bs = in[1].shape;
  bool aVec = as.size() == 1, bVec = bs.size() == 1;
  if (aVec)
    as.insert(as.begin(), 1);
  if (bVec)
    bs.push_back(1);
  int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
  std::vector<int64_t> ab(as.begin(), as.end() - 2), bb(bs.begin(), bs.end() - 2);
  size_t rank = std::max(ab.size(), bb.size());
  std::vector<int64_t> batch(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t x = i < rank - ab.size() ? 1 : ab[i - (rank - ab.size())];
    int64_t y = i < rank - bb.size() ? 1 : bb[i - (rank - bb.size())];
    batch[i] = std::max(x, y);
  }
  auto ma = broadcastMap(ab, batch), mb = broadcastMap(bb, batch);
  GAON_DISPATCH(in[0].dtype, T, return unsupportedType(op, in[0].dtype),
    {
      if constexpr (std::is_same_v<T, bool>)
        return unsupportedType(op, in[0].dtype);
      else
        for (size_t bi = 0; bi < ma.size(); ++bi) {
          std::string error = anyGemm<T>(
              m, n, k, in[0].as<T>() + ma[bi] * m * k, in[1].as<T>() + mb[bi] * k * n,
              out[0].as<T>() + bi * m * n, threads);
          if (!error.empty())
            return error;
        }
    })
  return "";
}

std::string convReference(const OpDesc &op, const Views &in, const Views &out,
                          int threads);

std::string kConv(const OpDesc &op, const Views &in, const Views &out,
                  int threads) {
  if (in[0].dtype == GAON_F32 && in[0].shape.size() <= 5)
    return oneDnnConv(op, in, out, threads);
  std::string error = convReference(op, in, out, threads);
  if (!error.empty())
    return error;
  // A fused activation (see CpuBinary.cpp) applies after the convolution.
  std::string activation = op.getString("fused_activation", "");
  if (activation.empty())
    return "";
  auto bounds = op.getFloats("fused_activation");
  float lo = activation == "clip" ? bounds[0] : 0.0f;
  float hi = activation == "clip" ? bounds[1] : INFINITY;
  float *y = out[0].as<float>();
  for (int64_t i = 0, n = out[0].count(); i < n; ++i)
    y[i] = std::min(std::max(y[i], lo), hi);
  return "";
}

/// Convolution by im2col and GEMM, per batch and group, any spatial rank.
std::string convReference(const OpDesc &op, const Views &in, const Views &out,
                          int threads) {
  if (in[0].dtype != GAON_F32)
    return unsupportedType(op, in[0].dtype);
  const View &x = in[0], &w = in[1], &y = out[0];
  auto strides_ = op.getInts("strides"), dil = op.getInts("dilations"),
       pads = op.getInts("pads");
  int64_t group = op.getInt("group", 1);
  int64_t N = x.shape[0], C = x.shape[1], M = w.shape[0];
  int64_t spatial = x.shape.size() - 2, cg = C / group, mg = M / group;
  int64_t kernelSize = 1, outSize = 1, inSize = 1;
  for (int64_t d = 0; d < spatial; ++d) {
    kernelSize *= w.shape[d + 2];
    outSize *= y.shape[d + 2];
    inSize *= x.shape[d + 2];
  }
  int64_t rows = cg * kernelSize;
  std::vector<float> cols(rows * outSize);
  const float *bias = in.size() > 2 && in[2].data ? in[2].as<float>() : nullptr;
  for (int64_t nb = 0; nb < N; ++nb)
    for (int64_t g = 0; g < group; ++g) {
      const float *xg = x.as<float>() + (nb * C + g * cg) * inSize;
      // im2col: row (c, kernel position), column (output position).
      parallelFor(rows, threads, 16, [&](int64_t rb, int64_t re) {
        std::vector<int64_t> kpos(spatial), opos(spatial);
        for (int64_t r = rb; r < re; ++r) {
          int64_t c = r / kernelSize, kr = r % kernelSize;
          for (int64_t d = spatial - 1; d >= 0; --d) {
            kpos[d] = kr % w.shape[d + 2];
            kr /= w.shape[d + 2];
          }
          float *row = cols.data() + r * outSize;
          std::fill(opos.begin(), opos.end(), 0);
          for (int64_t o = 0; o < outSize; ++o) {
            int64_t src = 0;
            bool inside = true;
            for (int64_t d = 0; d < spatial; ++d) {
              int64_t p = opos[d] * strides_[d] + kpos[d] * dil[d] - pads[d];
              if (p < 0 || p >= x.shape[d + 2]) {
                inside = false;
                break;
              }
              src = src * x.shape[d + 2] + p;
            }
            row[o] = inside ? xg[c * inSize + src] : 0.0f;
            for (int64_t d = spatial - 1; d >= 0; --d) {
              if (++opos[d] < y.shape[d + 2])
                break;
              opos[d] = 0;
            }
          }
        }
      });
      float *yg = y.as<float>() + (nb * M + g * mg) * outSize;
      gemm<float>(mg, outSize, rows, w.as<float>() + g * mg * rows, rows,
                  cols.data(), outSize, yg, outSize, threads);
      if (bias)
        for (int64_t m = 0; m < mg; ++m)
          for (int64_t o = 0; o < outSize; ++o)
            yg[m * outSize + o] += bias[g * mg + m];
    }
  return "";
}

std::string pool(const OpDesc &op, const Views &in, const Views &out, bool max,
                 int threads) {
  if (in[0].dtype != GAON_F32)
    return unsupportedType(op, in[0].dtype);
  auto kernel = op.getInts("kernel_shape"), st = op.getInts("strides"),
       dil = op.getInts("dilations"), pads = op.getInts("pads");
  bool includePad = op.getInt("count_include_pad", 0);
  const View &x = in[0], &y = out[0];
  int64_t spatial = x.shape.size() - 2;
  int64_t planes = x.shape[0] * x.shape[1], inSize = 1, outSize = 1, ksize = 1;
  for (int64_t d = 0; d < spatial; ++d) {
    inSize *= x.shape[d + 2];
    outSize *= y.shape[d + 2];
    ksize *= kernel[d];
  }
  parallelFor(planes, threads, 1, [&](int64_t pb, int64_t pe) {
    std::vector<int64_t> opos(spatial), kpos(spatial);
    for (int64_t p = pb; p < pe; ++p) {
      const float *xp = x.as<float>() + p * inSize;
      float *yp = y.as<float>() + p * outSize;
      std::fill(opos.begin(), opos.end(), 0);
      for (int64_t o = 0; o < outSize; ++o) {
        float acc = max ? -std::numeric_limits<float>::infinity() : 0.0f;
        int64_t counted = 0, padded = 0;
        for (int64_t kk = 0; kk < ksize; ++kk) {
          int64_t kr = kk;
          for (int64_t d = spatial - 1; d >= 0; --d) {
            kpos[d] = kr % kernel[d];
            kr /= kernel[d];
          }
          int64_t src = 0;
          bool inside = true, inPadded = true;
          for (int64_t d = 0; d < spatial; ++d) {
            int64_t q = opos[d] * st[d] + kpos[d] * dil[d] - pads[d];
            if (q < 0 || q >= x.shape[d + 2])
              inside = false;
            if (q < -pads[d] || q >= x.shape[d + 2] + pads[d + spatial])
              inPadded = false;
            src = src * x.shape[d + 2] + q;
          }
          padded += inPadded;
          if (!inside)
            continue;
          ++counted;
          float v = xp[src];
          acc = max ? (std::isnan(v) || v > acc ? v : acc) : acc + v;
        }
        yp[o] = max ? acc : acc / float(includePad ? padded : std::max<int64_t>(counted, 1));
        for (int64_t d = spatial - 1; d >= 0; --d) {
          if (++opos[d] < y.shape[d + 2])
            break;
          opos[d] = 0;
        }
      }
    }
  });
  return "";
}
/// 2-D max pooling of 8-bit NCHW planes: per output row and kernel tap,
/// a max over the row's valid span (oneDNN's NCHW int8 pooling is its
/// reference loop, far slower).
template <typename T>
void maxPool2d8(const OpDesc &op, const View &x, const View &y, int threads) {
  auto kernel = op.getInts("kernel_shape"), st = op.getInts("strides"),
       dil = op.getInts("dilations"), pads = op.getInts("pads");
  int64_t H = x.shape[2], W = x.shape[3], OH = y.shape[2], OW = y.shape[3];
  int64_t planes = x.shape[0] * x.shape[1];
  parallelFor(planes, threads, 1, [&](int64_t pb, int64_t pe) {
    for (int64_t p = pb; p < pe; ++p) {
      const T *xp = x.as<T>() + p * H * W;
      T *yp = y.as<T>() + p * OH * OW;
      std::fill(yp, yp + OH * OW, std::numeric_limits<T>::min());
      for (int64_t oh = 0; oh < OH; ++oh) {
        T *dst = yp + oh * OW;
        for (int64_t i = 0; i < kernel[0]; ++i) {
          int64_t ih = oh * st[0] + i * dil[0] - pads[0];
          if (ih < 0 || ih >= H)
            continue;
          const T *src = xp + ih * W;
          for (int64_t j = 0; j < kernel[1]; ++j) {
            int64_t offset = j * dil[1] - pads[1];
            int64_t begin = std::min<int64_t>(
                OW, std::max<int64_t>(0, (-offset + st[1] - 1) / st[1]));
            int64_t end = std::min<int64_t>(
                OW, std::max<int64_t>(begin, (W - offset + st[1] - 1) / st[1]));
            for (int64_t ow = begin; ow < end; ++ow)
              dst[ow] = std::max(dst[ow], src[ow * st[1] + offset]);
          }
        }
      }
    }
  });
}

std::string kMaxPool(const OpDesc &op, const Views &in, const Views &out, int t) {
  if ((in[0].dtype == GAON_I8 || in[0].dtype == GAON_U8) &&
      in[0].shape.size() == 4 && !in[0].channelsLast && !out[0].channelsLast &&
      out.size() == 1) {
    if (in[0].dtype == GAON_I8)
      maxPool2d8<int8_t>(op, in[0], out[0], t);
    else
      maxPool2d8<uint8_t>(op, in[0], out[0], t);
    return "";
  }
  if ((in[0].dtype == GAON_F32 || in[0].dtype == GAON_I8 ||
       in[0].dtype == GAON_U8) &&
      in[0].shape.size() <= 5)
    return oneDnnMaxPool(op, in, out, t); // the only one for channels-last
  return pool(op, in, out, true, t);
}
std::string kAvgPool(const OpDesc &op, const Views &in, const Views &out, int t) {
  return pool(op, in, out, false, t);
}

//===----------------------------------------------------------------------===//
// Reductions, normalization, softmax
//===----------------------------------------------------------------------===//

/// sum, mean and max over the trailing axes of f32 data (global pooling,
/// norms): contiguous blocks, no index arithmetic.
bool reduceTrailingF32(const std::string &kind, const std::vector<int64_t> &axes,
                       const View &x, const View &y) {
  int64_t rank = x.shape.size();
  if (x.dtype != GAON_F32 || axes.empty() ||
      (kind != "sum" && kind != "mean" && kind != "max"))
    return false;
  for (size_t i = 0; i < axes.size(); ++i)
    if (axes[i] != rank - (int64_t)axes.size() + (int64_t)i)
      return false;
  int64_t block = 1;
  for (int64_t a : axes)
    block *= x.shape[a];
  if (block == 0)
    return false;
  int64_t outer = x.count() / block;
  const float *xp = x.as<float>();
  float *yp = y.as<float>();
  for (int64_t o = 0; o < outer; ++o) {
    const float *b = xp + o * block;
    if (kind == "max") {
      float m = b[0];
      for (int64_t i = 1; i < block; ++i)
        m = std::isnan(b[i]) || b[i] > m ? b[i] : m;
      yp[o] = m;
      continue;
    }
    double acc = 0;
    for (int64_t i = 0; i < block; ++i)
      acc += b[i];
    yp[o] = static_cast<float>(kind == "mean" ? acc / block : acc);
  }
  return true;
}

/// sum, mean or max over H and W of a channels-last f32 tensor (global
/// pooling after channels-last convolutions): rows of C channels.
std::string reduceSpatialChannelsLast(const std::string &kind, const View &x,
                                      const View &y) {
  int64_t n = x.shape[0], c = x.shape[1], hw = x.shape[2] * x.shape[3];
  const float *xp = x.as<float>();
  float *yp = y.as<float>();
  std::vector<double> acc(c);
  for (int64_t b = 0; b < n; ++b) {
    const float *xb = xp + b * hw * c;
    if (kind == "max") {
      for (int64_t ch = 0; ch < c; ++ch)
        yp[b * c + ch] = hw ? xb[ch] : -std::numeric_limits<float>::infinity();
      for (int64_t p = 1; p < hw; ++p)
        for (int64_t ch = 0; ch < c; ++ch) {
          float v = xb[p * c + ch], &m = yp[b * c + ch];
          m = std::isnan(v) || v > m ? v : m;
        }
      continue;
    }
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int64_t p = 0; p < hw; ++p)
      for (int64_t ch = 0; ch < c; ++ch)
        acc[ch] += xb[p * c + ch];
    for (int64_t ch = 0; ch < c; ++ch)
      yp[b * c + ch] = static_cast<float>(
          kind == "mean" ? (hw ? acc[ch] / hw
                               : std::numeric_limits<double>::quiet_NaN())
                         : acc[ch]);
  }
  return "";
}

std::string kReduce(const OpDesc &op, const Views &in, const Views &out, int) {
  std::string kind = op.getString("kind", "sum");
  auto axes = op.getInts("axes");
  const View &x = in[0];
  if (x.channelsLast) // validated: f32, axes (2, 3), sum, mean or max
    return reduceSpatialChannelsLast(kind, x, out[0]);
  if (reduceTrailingF32(kind, axes, x, out[0]))
    return "";
  int64_t rank = x.shape.size(), count = x.count(), outCount = out[0].count();
  auto is = strides(x.shape);
  // Output index of every input element (reduced axes collapse).
  std::vector<int64_t> keptShape(x.shape);
  for (int64_t a : axes)
    keptShape[a] = 1;
  auto ks = strides(keptShape);
  std::vector<double> acc(outCount, 0.0);
  std::vector<int64_t> counts(outCount, 0);
  bool isMax = kind == "max", isMin = kind == "min", isProd = kind == "prod";
  if (isProd)
    std::fill(acc.begin(), acc.end(), 1.0);
  if (isMax)
    std::fill(acc.begin(), acc.end(), -std::numeric_limits<double>::infinity());
  if (isMin)
    std::fill(acc.begin(), acc.end(), std::numeric_limits<double>::infinity());
  // log_sum_exp subtracts each output's max first for stability.
  std::vector<double> shift(outCount, -std::numeric_limits<double>::infinity());
  std::vector<double> values(count);
  GAON_DISPATCH(x.dtype, T, return unsupportedType(op, x.dtype),
    { for (int64_t i = 0; i < count; ++i) values[i] = static_cast<double>(x.as<T>()[i]); })
  std::vector<int64_t> target(count);
  for (int64_t i = 0; i < count; ++i) {
    int64_t rest = i, o = 0;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t c = rest / is[d];
      rest %= is[d];
      o += (keptShape[d] == 1 ? 0 : c) * ks[d];
    }
    target[i] = o;
    if (kind == "log_sum_exp")
      shift[o] = std::max(shift[o], values[i]);
  }
  for (int64_t i = 0; i < count; ++i) {
    double v = values[i];
    double &a = acc[target[i]];
    ++counts[target[i]];
    if (kind == "sum" || kind == "mean" || kind == "log_sum")
      a += v;
    else if (isMax)
      a = std::isnan(v) || v > a ? v : a;
    else if (isMin)
      a = std::isnan(v) || v < a ? v : a;
    else if (isProd)
      a *= v;
    else if (kind == "l1")
      a += std::fabs(v);
    else if (kind == "l2" || kind == "sum_square")
      a += v * v;
    else if (kind == "log_sum_exp")
      a += std::exp(v - shift[target[i]]);
  }
  for (int64_t o = 0; o < outCount; ++o) {
    double &a = acc[o];
    if (kind == "mean")
      a = counts[o] ? a / counts[o] : std::numeric_limits<double>::quiet_NaN();
    else if (kind == "l2")
      a = std::sqrt(a);
    else if (kind == "log_sum")
      a = std::log(a);
    else if (kind == "log_sum_exp")
      a = counts[o] ? std::log(a) + shift[o]
                    : -std::numeric_limits<double>::infinity();
  }
  GAON_DISPATCH(out[0].dtype, T, return unsupportedType(op, out[0].dtype),
    { for (int64_t o = 0; o < outCount; ++o) out[0].as<T>()[o] = static_cast<T>(acc[o]); })
  return "";
}

std::string argReduce(const OpDesc &op, const Views &in, const Views &out,
                      bool max) {
  int64_t axis = op.getInt("axis", 0);
  bool last = op.getInt("select_last_index", 0);
  AxisSplit s(in[0].shape, axis);
  GAON_DISPATCH(in[0].dtype, T, return unsupportedType(op, in[0].dtype),
    {
      const T *x = in[0].as<T>();
      int64_t *y = out[0].as<int64_t>();
      for (int64_t o = 0; o < s.outer; ++o)
        for (int64_t i = 0; i < s.inner; ++i) {
          int64_t best = 0;
          for (int64_t k = 1; k < s.size; ++k) {
            T v = x[(o * s.size + k) * s.inner + i];
            T b = x[(o * s.size + best) * s.inner + i];
            if (max ? (v > b || (last && v == b)) : (v < b || (last && v == b)))
              best = k;
          }
          y[o * s.inner + i] = best;
        }
    })
  return "";
}
std::string kArgMax(const OpDesc &op, const Views &in, const Views &out, int) {
  return argReduce(op, in, out, true);
}
std::string kArgMin(const OpDesc &op, const Views &in, const Views &out, int) {
  return argReduce(op, in, out, false);
}

enum class SoftKind { Softmax, LogSoftmax, Hardmax };
std::string softmax(const OpDesc &op, const Views &in, const Views &out,
                    SoftKind kind) {
  AxisSplit s(in[0].shape, op.getInt("axis", 0));
  GAON_DISPATCH_FLOAT(in[0].dtype, T, return unsupportedType(op, in[0].dtype),
    {
      const T *x = in[0].as<T>();
      T *y = out[0].as<T>();
      for (int64_t o = 0; o < s.outer; ++o)
        for (int64_t i = 0; i < s.inner; ++i) {
          auto at = [&](int64_t k) { return (o * s.size + k) * s.inner + i; };
          double m = -std::numeric_limits<double>::infinity();
          int64_t arg = 0;
          for (int64_t k = 0; k < s.size; ++k)
            if (x[at(k)] > m) {
              m = x[at(k)];
              arg = k;
            }
          if (kind == SoftKind::Hardmax) {
            for (int64_t k = 0; k < s.size; ++k)
              y[at(k)] = k == arg ? T(1) : T(0);
            continue;
          }
          // One exponential per element: kept in the output, then scaled.
          double sum = 0;
          for (int64_t k = 0; k < s.size; ++k) {
            T e = std::exp(static_cast<T>(x[at(k)] - m));
            y[at(k)] = e;
            sum += e;
          }
          if (kind == SoftKind::Softmax) {
            T inv = static_cast<T>(1.0 / sum);
            for (int64_t k = 0; k < s.size; ++k)
              y[at(k)] *= inv;
          } else {
            T shift = static_cast<T>(m + std::log(sum));
            for (int64_t k = 0; k < s.size; ++k)
              y[at(k)] = static_cast<T>(x[at(k)] - shift);
          }
        }
    })
  return "";
}
/// Softmax over the innermost axis of f32 data: vectorized rows.
bool softmaxFastF32(const OpDesc &op, const Views &in, const Views &out,
                    int threads, bool log) {
  AxisSplit s(in[0].shape, op.getInt("axis", 0));
  if (in[0].dtype != GAON_F32 || s.inner != 1 || s.size == 0)
    return false;
  const float *x = in[0].as<float>();
  float *y = out[0].as<float>();
  parallelFor(s.outer, threads, std::max<int64_t>(1, 4096 / s.size),
              [&](int64_t b, int64_t e) {
    vec::softmaxRowsF32(x + b * s.size, y + b * s.size, e - b, s.size, log);
  });
  return true;
}
std::string kSoftmax(const OpDesc &op, const Views &in, const Views &out,
                     int threads) {
  if (softmaxFastF32(op, in, out, threads, false))
    return "";
  return softmax(op, in, out, SoftKind::Softmax);
}
std::string kLogSoftmax(const OpDesc &op, const Views &in, const Views &out,
                        int threads) {
  if (softmaxFastF32(op, in, out, threads, true))
    return "";
  return softmax(op, in, out, SoftKind::LogSoftmax);
}
std::string kHardmax(const OpDesc &op, const Views &in, const Views &out, int) {
  return softmax(op, in, out, SoftKind::Hardmax);
}

std::string kCumSum(const OpDesc &op, const Views &in, const Views &out, int) {
  AxisSplit s(in[0].shape, op.getInt("axis", 0));
  bool exclusive = op.getInt("exclusive", 0), reverse = op.getInt("reverse", 0);
  GAON_DISPATCH(in[0].dtype, T, return unsupportedType(op, in[0].dtype),
    {
      const T *x = in[0].as<T>();
      T *y = out[0].as<T>();
      for (int64_t o = 0; o < s.outer; ++o)
        for (int64_t i = 0; i < s.inner; ++i) {
          T acc = T(0);
          for (int64_t j = 0; j < s.size; ++j) {
            int64_t k = reverse ? s.size - 1 - j : j;
            int64_t at = (o * s.size + k) * s.inner + i;
            T v = x[at];
            if (exclusive) {
              y[at] = acc;
              acc = wrapArith(acc, v, '+');
            } else {
              acc = wrapArith(acc, v, '+');
              y[at] = acc;
            }
          }
        }
    })
  return "";
}

std::string kBatchNorm(const OpDesc &op, const Views &in, const Views &out, int) {
  GAON_DISPATCH_FLOAT(in[0].dtype, T, return unsupportedType(op, in[0].dtype),
    {
      AxisSplit s(in[0].shape, 1);
      double eps = op.getFloat("epsilon", 1e-5);
      const T *x = in[0].as<T>(), *scale = in[1].as<T>(), *bias = in[2].as<T>(),
              *mean = in[3].as<T>(), *var = in[4].as<T>();
      T *y = out[0].as<T>();
      for (int64_t o = 0; o < s.outer; ++o)
        for (int64_t c = 0; c < s.size; ++c) {
          double a = scale[c] / std::sqrt(double(var[c]) + eps);
          double b = bias[c] - mean[c] * a;
          for (int64_t i = 0; i < s.inner; ++i) {
            int64_t at = (o * s.size + c) * s.inner + i;
            y[at] = static_cast<T>(x[at] * a + b);
          }
        }
    })
  return "";
}

/// Normalizes each row of `rows x size` (with an optional per-element
/// affine part broadcast over the normalized shape).
template <typename T>
void normalizeRows(const T *x, T *y, int64_t rows, int64_t size, double eps,
                   bool subtractMean, const std::function<double(int64_t, int64_t)> &scale,
                   const std::function<double(int64_t, int64_t)> &bias) {
  for (int64_t r = 0; r < rows; ++r) {
    const T *xr = x + r * size;
    double mean = 0, var = 0;
    if (subtractMean) {
      for (int64_t i = 0; i < size; ++i)
        mean += xr[i];
      mean /= size;
    }
    for (int64_t i = 0; i < size; ++i)
      var += (xr[i] - mean) * (xr[i] - mean);
    var /= size;
    double inv = 1.0 / std::sqrt(var + eps);
    for (int64_t i = 0; i < size; ++i)
      y[r * size + i] =
          static_cast<T>((xr[i] - mean) * inv * scale(r, i) + bias(r, i));
  }
}

std::string layerNorm(const OpDesc &op, const Views &in, const Views &out,
                      bool rms, int threads) {
  int64_t axis = op.getInt("axis", 0);
  bool hasBias = !rms && in.size() > 2 && in[2].data;
  std::vector<int64_t> normShape(in[0].shape.begin() + axis, in[0].shape.end());
  int64_t size = 1;
  for (int64_t d : normShape)
    size *= d;
  auto perElement = [&](const View &v) {
    return v.dtype == GAON_F32 && v.count() == size;
  };
  // f32 with per-element scale and bias: the vectorized rows.
  if (in[0].dtype == GAON_F32 && size > 0 && perElement(in[1]) &&
      (!hasBias || perElement(in[2]))) {
    const float *x = in[0].as<float>(), *scale = in[1].as<float>();
    const float *bias = hasBias ? in[2].as<float>() : nullptr;
    float *y = out[0].as<float>();
    double eps = op.getFloat("epsilon", 1e-5);
    parallelFor(in[0].count() / size, threads, std::max<int64_t>(1, 4096 / size),
                [&](int64_t b, int64_t e) {
      vec::normRowsF32(x + b * size, y + b * size, e - b, size, eps, !rms,
                       scale, bias);
    });
    return "";
  }
  GAON_DISPATCH_FLOAT(in[0].dtype, T, return unsupportedType(op, in[0].dtype),
    {
      int64_t rows = 1;
      for (int64_t d = 0; d < axis; ++d)
        rows *= in[0].shape[d];
      auto sm = broadcastMap(in[1].shape, normShape);
      std::vector<int64_t> bm;
      if (hasBias)
        bm = broadcastMap(in[2].shape, normShape);
      const T *scale = in[1].as<T>();
      const T *bias = hasBias ? in[2].as<T>() : nullptr;
      normalizeRows<T>(in[0].as<T>(), out[0].as<T>(), rows, size,
                       op.getFloat("epsilon", 1e-5), !rms,
                       [&](int64_t, int64_t i) { return double(scale[sm[i]]); },
                       [&](int64_t, int64_t i) { return bias ? double(bias[bm[i]]) : 0.0; });
    })
  return "";
}
std::string kLayerNorm(const OpDesc &op, const Views &in, const Views &out,
                       int threads) {
  return layerNorm(op, in, out, false, threads);
}
std::string kRmsNorm(const OpDesc &op, const Views &in, const Views &out,
                     int threads) {
  return layerNorm(op, in, out, true, threads);
}

std::string kInstanceNorm(const OpDesc &op, const Views &in, const Views &out, int) {
  GAON_DISPATCH_FLOAT(in[0].dtype, T, return unsupportedType(op, in[0].dtype),
    {
      int64_t N = in[0].shape[0], C = in[0].shape[1];
      int64_t size = in[0].count() / std::max<int64_t>(1, N * C);
      const T *scale = in[1].as<T>(), *bias = in[2].as<T>();
      normalizeRows<T>(in[0].as<T>(), out[0].as<T>(), N * C, size,
                       op.getFloat("epsilon", 1e-5), true,
                       [&](int64_t r, int64_t) { return double(scale[r % C]); },
                       [&](int64_t r, int64_t) { return double(bias[r % C]); });
    })
  return "";
}

//===----------------------------------------------------------------------===//
// Indexing: gather_elements, gather_nd, scatter_*, one_hot, top_k, trilu
//===----------------------------------------------------------------------===//

int64_t indexAt(const View &v, int64_t i) {
  return v.dtype == GAON_I32 ? v.as<int32_t>()[i] : v.as<int64_t>()[i];
}

/// For each element of an index tensor shaped like `shape`, the linear
/// offset in `data` it addresses when its coordinate on `axis` is replaced
/// by the index value. Fails on an out-of-range index.
std::string elementOffsets(const View &data, const View &indices, int64_t axis,
                           std::vector<int64_t> &offsets) {
  auto ds = strides(data.shape);
  int64_t rank = indices.shape.size(), count = indices.count();
  int64_t dim = data.shape[axis];
  offsets.resize(count);
  std::vector<int64_t> index(rank, 0);
  for (int64_t i = 0; i < count; ++i) {
    int64_t v = indexAt(indices, i);
    if (v < -dim || v >= dim)
      return "index " + std::to_string(v) + " is out of range for an axis "
             "of size " + std::to_string(dim);
    if (v < 0)
      v += dim;
    int64_t off = 0;
    for (int64_t d = 0; d < rank; ++d)
      off += (d == axis ? v : index[d]) * ds[d];
    offsets[i] = off;
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < indices.shape[d])
        break;
      index[d] = 0;
    }
  }
  return "";
}

std::string kGatherElements(const OpDesc &op, const Views &in, const Views &out,
                            int) {
  std::vector<int64_t> offsets;
  std::string error = elementOffsets(in[0], in[1], op.getInt("axis", 0), offsets);
  if (!error.empty())
    return error;
  gatherBytes(in[0], out[0], offsets);
  return "";
}

/// Applies `reduction` of `update` into `target`.
template <typename T> void combine(T &target, T update, const std::string &r) {
  if (r == "add")
    target = wrapArith(target, update, '+');
  else if (r == "mul")
    target = wrapArith(target, update, '*');
  else if (r == "max")
    target = std::max(target, update);
  else if (r == "min")
    target = std::min(target, update);
  else
    target = update;
}

std::string kScatterElements(const OpDesc &op, const Views &in,
                             const Views &out, int) {
  std::vector<int64_t> offsets;
  std::string error = elementOffsets(in[0], in[1], op.getInt("axis", 0), offsets);
  if (!error.empty())
    return error;
  std::string reduction = op.getString("reduction", "none");
  std::memcpy(out[0].data, in[0].data, in[0].count() * gaon_dtype_size(in[0].dtype));
  GAON_DISPATCH(in[0].dtype, T, return unsupportedType(op, in[0].dtype), {
    for (size_t i = 0; i < offsets.size(); ++i)
      combine(out[0].as<T>()[offsets[i]], in[2].as<T>()[i], reduction);
  })
  return "";
}

/// Offsets of the slices an ONNX GatherND/ScatterND index tuple addresses.
std::string ndOffsets(const View &data, const View &indices, int64_t batchDims,
                      std::vector<int64_t> &offsets, int64_t &sliceSize) {
  auto ds = strides(data.shape);
  int64_t m = indices.shape.back();
  int64_t tuples = indices.count() / std::max<int64_t>(m, 1);
  sliceSize = 1;
  for (size_t d = batchDims + m; d < data.shape.size(); ++d)
    sliceSize *= data.shape[d];
  int64_t batch = 1;
  for (int64_t d = 0; d < batchDims; ++d)
    batch *= data.shape[d];
  int64_t perBatch = tuples / std::max<int64_t>(batch, 1);
  offsets.resize(tuples);
  for (int64_t t = 0; t < tuples; ++t) {
    int64_t b = t / std::max<int64_t>(perBatch, 1);
    int64_t off = b * (batchDims ? ds[batchDims - 1] : 0);
    for (int64_t k = 0; k < m; ++k) {
      int64_t dim = data.shape[batchDims + k];
      int64_t v = indexAt(indices, t * m + k);
      if (v < -dim || v >= dim)
        return "index " + std::to_string(v) + " is out of range for an axis "
               "of size " + std::to_string(dim);
      off += (v < 0 ? v + dim : v) * ds[batchDims + k];
    }
    offsets[t] = off;
  }
  return "";
}

std::string kGatherNd(const OpDesc &op, const Views &in, const Views &out, int) {
  std::vector<int64_t> offsets;
  int64_t slice;
  std::string error = ndOffsets(in[0], in[1], op.getInt("batch_dims", 0),
                                offsets, slice);
  if (!error.empty())
    return error;
  size_t bytes = slice * gaon_dtype_size(in[0].dtype);
  for (size_t t = 0; t < offsets.size(); ++t)
    std::memcpy(out[0].as<uint8_t>() + t * bytes,
                in[0].as<uint8_t>() + offsets[t] * gaon_dtype_size(in[0].dtype),
                bytes);
  return "";
}

std::string kScatterNd(const OpDesc &op, const Views &in, const Views &out,
                       int) {
  std::vector<int64_t> offsets;
  int64_t slice;
  std::string error = ndOffsets(in[0], in[1], 0, offsets, slice);
  if (!error.empty())
    return error;
  std::string reduction = op.getString("reduction", "none");
  std::memcpy(out[0].data, in[0].data, in[0].count() * gaon_dtype_size(in[0].dtype));
  GAON_DISPATCH(in[0].dtype, T, return unsupportedType(op, in[0].dtype), {
    for (size_t t = 0; t < offsets.size(); ++t)
      for (int64_t j = 0; j < slice; ++j)
        combine(out[0].as<T>()[offsets[t] + j], in[2].as<T>()[t * slice + j],
                reduction);
  })
  return "";
}

std::string kOneHot(const OpDesc &op, const Views &in, const Views &out, int) {
  int64_t axis = op.getInt("axis", 0);
  double off = op.getFloat("off_value", 0), on = op.getFloat("on_value", 1);
  int64_t depth = out[0].shape[axis];
  AxisSplit s(out[0].shape, axis);
  std::vector<int64_t> idx(in[0].count());
  GAON_DISPATCH(in[0].dtype, T, return unsupportedType(op, in[0].dtype), {
    for (size_t i = 0; i < idx.size(); ++i)
      idx[i] = static_cast<int64_t>(in[0].as<T>()[i]);
  })
  GAON_DISPATCH(out[0].dtype, T, return unsupportedType(op, out[0].dtype), {
    T *y = out[0].as<T>();
    for (int64_t o = 0; o < s.outer; ++o)
      for (int64_t k = 0; k < depth; ++k)
        for (int64_t i = 0; i < s.inner; ++i) {
          int64_t v = idx[o * s.inner + i];
          if (v < 0)
            v += depth;
          y[(o * depth + k) * s.inner + i] =
              static_cast<T>(v == k ? on : off);
        }
  })
  return "";
}

std::string kTopK(const OpDesc &op, const Views &in, const Views &out, int) {
  int64_t axis = op.getInt("axis", 0), k = op.getInt("k", 0);
  bool largest = op.getInt("largest", 1);
  AxisSplit s(in[0].shape, axis);
  GAON_DISPATCH(in[0].dtype, T, return unsupportedType(op, in[0].dtype), {
    const T *x = in[0].as<T>();
    T *values = out[0].as<T>();
    int64_t *indices = out[1].as<int64_t>();
    std::vector<int64_t> order(s.size);
    for (int64_t o = 0; o < s.outer; ++o)
      for (int64_t i = 0; i < s.inner; ++i) {
        auto at = [&](int64_t j) { return x[(o * s.size + j) * s.inner + i]; };
        for (int64_t j = 0; j < s.size; ++j)
          order[j] = j;
        // Sorted by value; ties keep the lower index.
        std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
          return largest ? at(a) > at(b) : at(a) < at(b);
        });
        for (int64_t j = 0; j < k; ++j) {
          values[(o * k + j) * s.inner + i] = at(order[j]);
          indices[(o * k + j) * s.inner + i] = order[j];
        }
      }
  })
  return "";
}

std::string kTrilu(const OpDesc &op, const Views &in, const Views &out, int) {
  bool upper = op.getInt("upper", 1);
  int64_t k = op.getInt("k", 0), rank = in[0].shape.size();
  int64_t rows = in[0].shape[rank - 2], cols = in[0].shape[rank - 1];
  int64_t mats = in[0].count() / std::max<int64_t>(1, rows * cols);
  size_t size = gaon_dtype_size(in[0].dtype);
  std::memset(out[0].data, 0, in[0].count() * size);
  for (int64_t m = 0; m < mats; ++m)
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        if (upper ? c - r >= k : c - r <= k) {
          int64_t at = (m * rows + r) * cols + c;
          std::memcpy(out[0].as<uint8_t>() + at * size,
                      in[0].as<uint8_t>() + at * size, size);
        }
  return "";
}

//===----------------------------------------------------------------------===//
// Transposed convolution, LRN, resize
//===----------------------------------------------------------------------===//

std::string kConvTranspose(const OpDesc &op, const Views &in, const Views &out,
                           int) {
  GAON_DISPATCH_FLOAT(in[0].dtype, T, return unsupportedType(op, in[0].dtype), {
    const View &x = in[0], &w = in[1], &y = out[0];
    auto st = op.getInts("strides"), dil = op.getInts("dilations"),
         pads = op.getInts("pads");
    int64_t group = op.getInt("group", 1);
    int64_t N = x.shape[0], C = x.shape[1], M = y.shape[1];
    int64_t spatial = x.shape.size() - 2, cg = C / group, mg = M / group;
    int64_t inSize = 1, outSize = 1, ksize = 1;
    for (int64_t d = 0; d < spatial; ++d) {
      inSize *= x.shape[d + 2];
      outSize *= y.shape[d + 2];
      ksize *= w.shape[d + 2];
    }
    T *yp = y.as<T>();
    const T *bias = in.size() > 2 && in[2].data ? in[2].as<T>() : nullptr;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t m = 0; m < M; ++m)
        for (int64_t o = 0; o < outSize; ++o)
          yp[(n * M + m) * outSize + o] = bias ? bias[m] : T(0);
    std::vector<int64_t> ipos(spatial), kpos(spatial);
    for (int64_t n = 0; n < N; ++n)
      for (int64_t c = 0; c < C; ++c) {
        int64_t g = c / cg;
        for (int64_t i = 0; i < inSize; ++i) {
          int64_t r = i;
          for (int64_t d = spatial - 1; d >= 0; --d) {
            ipos[d] = r % x.shape[d + 2];
            r /= x.shape[d + 2];
          }
          T xv = x.as<T>()[(n * C + c) * inSize + i];
          for (int64_t kk = 0; kk < ksize; ++kk) {
            int64_t kr = kk;
            for (int64_t d = spatial - 1; d >= 0; --d) {
              kpos[d] = kr % w.shape[d + 2];
              kr /= w.shape[d + 2];
            }
            int64_t dst = 0;
            bool inside = true;
            for (int64_t d = 0; d < spatial; ++d) {
              int64_t p = ipos[d] * st[d] + kpos[d] * dil[d] - pads[d];
              if (p < 0 || p >= y.shape[d + 2]) {
                inside = false;
                break;
              }
              dst = dst * y.shape[d + 2] + p;
            }
            if (!inside)
              continue;
            for (int64_t mm = 0; mm < mg; ++mm) {
              T wv = w.as<T>()[(c * mg + mm) * ksize + kk];
              yp[(n * M + g * mg + mm) * outSize + dst] += xv * wv;
            }
          }
        }
      }
  })
  return "";
}

std::string kLrn(const OpDesc &op, const Views &in, const Views &out, int) {
  GAON_DISPATCH_FLOAT(in[0].dtype, T, return unsupportedType(op, in[0].dtype), {
    int64_t size = op.getInt("size", 1);
    double alpha = op.getFloat("alpha", 1e-4), beta = op.getFloat("beta", 0.75),
           bias = op.getFloat("bias", 1);
    AxisSplit s(in[0].shape, 1);
    const T *x = in[0].as<T>();
    T *y = out[0].as<T>();
    int64_t lo = (size - 1) / 2, hi = size - 1 - lo;
    for (int64_t o = 0; o < s.outer; ++o)
      for (int64_t c = 0; c < s.size; ++c)
        for (int64_t i = 0; i < s.inner; ++i) {
          double sum = 0;
          for (int64_t j = std::max<int64_t>(0, c - lo);
               j <= std::min<int64_t>(s.size - 1, c + hi); ++j) {
            double v = x[(o * s.size + j) * s.inner + i];
            sum += v * v;
          }
          int64_t at = (o * s.size + c) * s.inner + i;
          y[at] = static_cast<T>(x[at] / std::pow(bias + alpha / size * sum, beta));
        }
  })
  return "";
}

/// The input coordinate of output index `o` on an axis, as ONNX's
/// coordinate_transformation_mode defines it.
double sourceCoordinate(const std::string &mode, double o, double scale,
                        int64_t in, int64_t out) {
  if (mode == "asymmetric")
    return o / scale;
  if (mode == "align_corners")
    return out == 1 ? 0.0 : o * (in - 1) / double(out - 1);
  if (mode == "pytorch_half_pixel")
    return out > 1 ? (o + 0.5) / scale - 0.5 : 0.0;
  if (mode == "tf_half_pixel_for_nn")
    return (o + 0.5) / scale;
  if (mode == "half_pixel_symmetric") {
    double adjustment = out / (scale * in);
    double center = in / 2.0;
    double offset = center * (1 - adjustment);
    return offset + (o + 0.5) / scale - 0.5;
  }
  return (o + 0.5) / scale - 0.5; // half_pixel
}

int64_t nearestIndex(const std::string &mode, double x) {
  if (mode == "floor")
    return (int64_t)std::floor(x);
  if (mode == "ceil")
    return (int64_t)std::ceil(x);
  double f = std::floor(x);
  if (x - f == 0.5)
    return mode == "round_prefer_ceil" ? (int64_t)f + 1 : (int64_t)f;
  return (int64_t)std::round(x);
}

/// Per output index on one axis: the input indices it reads and weights.
struct AxisTaps {
  std::vector<std::vector<std::pair<int64_t, double>>> taps;
};

AxisTaps axisTaps(const OpDesc &op, int64_t in, int64_t out, double scale) {
  std::string mode = op.getString("mode", "nearest");
  std::string coord = op.getString("coordinate_mode", "half_pixel");
  std::string nearest = op.getString("nearest_mode", "round_prefer_floor");
  double a = op.getFloat("cubic_coeff_a", -0.75);
  bool exclude = op.getInt("exclude_outside", 0);
  AxisTaps t;
  t.taps.resize(out);
  for (int64_t o = 0; o < out; ++o) {
    double x = sourceCoordinate(coord, o, scale, in, out);
    auto &taps = t.taps[o];
    if (in == out && scale == 1.0 && mode != "cubic") {
      taps.push_back({o, 1.0});
      continue;
    }
    if (mode == "nearest") {
      taps.push_back({std::clamp<int64_t>(nearestIndex(nearest, x), 0, in - 1), 1.0});
    } else if (mode == "linear") {
      x = std::clamp(x, 0.0, double(in - 1));
      int64_t i0 = (int64_t)std::floor(x), i1 = std::min(i0 + 1, in - 1);
      double f = x - i0;
      taps.push_back({i0, 1 - f});
      taps.push_back({i1, f});
    } else { // cubic
      int64_t i0 = (int64_t)std::floor(x);
      double f = x - i0, total = 0;
      auto w = [a](double d) {
        d = std::fabs(d);
        if (d <= 1)
          return ((a + 2) * d - (a + 3)) * d * d + 1;
        if (d < 2)
          return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
        return 0.0;
      };
      for (int64_t j = -1; j <= 2; ++j) {
        int64_t idx = i0 + j;
        double weight = w(j - f);
        if (idx < 0 || idx >= in) {
          if (exclude)
            continue;
          idx = std::clamp<int64_t>(idx, 0, in - 1);
        }
        taps.push_back({idx, weight});
        total += weight;
      }
      if (exclude && total != 0)
        for (auto &tap : taps)
          tap.second /= total;
    }
  }
  return t;
}

std::string kResize(const OpDesc &op, const Views &in, const Views &out, int) {
  GAON_DISPATCH_FLOAT(in[0].dtype, T, return unsupportedType(op, in[0].dtype), {
    auto scales = op.getFloats("scales");
    int64_t rank = in[0].shape.size();
    // Separable: resample one axis at a time into a scratch buffer.
    std::vector<double> cur(in[0].count());
    for (size_t i = 0; i < cur.size(); ++i)
      cur[i] = in[0].as<T>()[i];
    std::vector<int64_t> shape = in[0].shape;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t inDim = shape[d], outDim = out[0].shape[d];
      if (inDim == outDim && scales[d] == 1.0)
        continue;
      AxisTaps taps = axisTaps(op, inDim, outDim, scales[d]);
      AxisSplit s(shape, d);
      std::vector<double> next(s.outer * outDim * s.inner);
      for (int64_t o = 0; o < s.outer; ++o)
        for (int64_t j = 0; j < outDim; ++j)
          for (int64_t i = 0; i < s.inner; ++i) {
            double acc = 0;
            for (auto [idx, w] : taps.taps[j])
              acc += w * cur[(o * inDim + idx) * s.inner + i];
            next[(o * outDim + j) * s.inner + i] = acc;
          }
      cur.swap(next);
      shape[d] = outDim;
    }
    for (size_t i = 0; i < cur.size(); ++i)
      out[0].as<T>()[i] = static_cast<T>(cur[i]);
  })
  return "";
}

//===----------------------------------------------------------------------===//
// Quantization (exact: round half to even, saturate)
//===----------------------------------------------------------------------===//

/// Scale and zero point of element i of a quantized view.
std::pair<double, int64_t> quantParams(const View &q, int64_t i) {
  if (q.quantAxis < 0)
    return {(*q.scales)[0], (*q.zeroPoints)[0]};
  AxisSplit s(q.shape, q.quantAxis);
  int64_t c = (i / s.inner) % s.size;
  return {(*q.scales)[c], (*q.zeroPoints)[c]};
}

std::string kQuantize(const OpDesc &op, const Views &in, const Views &out,
                      int threads) {
  const View &q = out[0];
  if (!q.scales)
    return "quantize result has no quantization parameters";
  if (in[0].dtype == GAON_F32 && q.quantAxis < 0 &&
      (q.dtype == GAON_I8 || q.dtype == GAON_U8)) {
    auto [scale, zp] = quantParams(q, 0);
    // Spans of 16K elements: large inputs (images) split across threads.
    int64_t n = in[0].count(), span = 1 << 14;
#pragma omp parallel for schedule(static) num_threads(std::max(1, threads)) if (n > span)
    for (int64_t at = 0; at < n; at += span)
      quantizeRow(in[0].as<float>() + at, std::min(span, n - at), scale,
                  int32_t(zp), static_cast<uint8_t *>(q.data) + at,
                  q.dtype == GAON_U8);
    return "";
  }
  std::vector<double> x(in[0].count());
  GAON_DISPATCH_FLOAT(in[0].dtype, T, return unsupportedType(op, in[0].dtype), {
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = in[0].as<T>()[i];
  })
  GAON_DISPATCH(q.dtype, T, return unsupportedType(op, q.dtype), {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      for (size_t i = 0; i < x.size(); ++i) {
        auto [scale, zp] = quantParams(q, i);
        double v = std::nearbyint(x[i] / scale) + zp; // ties to even
        v = std::clamp(v, double(std::numeric_limits<T>::min()),
                       double(std::numeric_limits<T>::max()));
        q.as<T>()[i] = static_cast<T>(v);
      }
    } else {
      return unsupportedType(op, q.dtype);
    }
  })
  return "";
}

std::string kDequantize(const OpDesc &op, const Views &in, const Views &out,
                        int) {
  const View &q = in[0];
  if (!q.scales)
    return "dequantize input has no quantization parameters";
  std::vector<double> x(q.count());
  GAON_DISPATCH(q.dtype, T, return unsupportedType(op, q.dtype), {
    for (size_t i = 0; i < x.size(); ++i) {
      auto [scale, zp] = quantParams(q, i);
      x[i] = (double(q.as<T>()[i]) - zp) * scale;
    }
  })
  GAON_DISPATCH_FLOAT(out[0].dtype, T, return unsupportedType(op, out[0].dtype), {
    for (size_t i = 0; i < x.size(); ++i)
      out[0].as<T>()[i] = static_cast<T>(static_cast<float>(x[i]));
  })
  return "";
}

std::string kStorageCast(const OpDesc &op, const Views &in, const Views &out,
                         int t) {
  return kCopy(op, in, out, t);
}

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

const std::map<std::string, Kernel> &table() {
  static const std::map<std::string, Kernel> kernels = [] {
    std::map<std::string, Kernel> t = {
      {"graph.exp", halfAsFloat<kExp>},
      {"graph.log", halfAsFloat<kLog>},
      {"graph.tanh", halfAsFloat<kTanh>},
      {"graph.sigmoid", halfAsFloat<kSigmoid>},
      {"graph.erf", halfAsFloat<kErf>},
      {"graph.sqrt", halfAsFloat<kSqrt>},
      {"graph.rsqrt", halfAsFloat<kRsqrt>},
      {"graph.reciprocal", halfAsFloat<kReciprocal>},
      {"graph.silu", halfAsFloat<kSilu>},
      {"graph.hard_swish", halfAsFloat<kHardSwish>},
      {"graph.sin", halfAsFloat<kSin>},
      {"graph.cos", halfAsFloat<kCos>},
      {"graph.tan", halfAsFloat<kTan>},
      {"graph.asin", halfAsFloat<kAsin>},
      {"graph.acos", halfAsFloat<kAcos>},
      {"graph.atan", halfAsFloat<kAtan>},
      {"graph.sinh", halfAsFloat<kSinh>},
      {"graph.cosh", halfAsFloat<kCosh>},
      {"graph.asinh", halfAsFloat<kAsinh>},
      {"graph.acosh", halfAsFloat<kAcosh>},
      {"graph.atanh", halfAsFloat<kAtanh>},
      {"graph.softplus", halfAsFloat<kSoftplus>},
      {"graph.softsign", halfAsFloat<kSoftsign>},
      {"graph.floor", halfAsFloat<kFloor>},
      {"graph.ceil", halfAsFloat<kCeil>},
      {"graph.round", halfAsFloat<kRound>},
      {"graph.gelu", halfAsFloat<kGelu>},
      {"graph.elu", halfAsFloat<kElu>},
      {"graph.celu", halfAsFloat<kCelu>},
      {"graph.selu", halfAsFloat<kSelu>},
      {"graph.leaky_relu", halfAsFloat<kLeakyRelu>},
      {"graph.thresholded_relu", halfAsFloat<kThresholdedRelu>},
      {"graph.hard_sigmoid", halfAsFloat<kHardSigmoid>},
      {"graph.relu", halfAsFloat<kRelu>},
      {"graph.abs", halfAsFloat<kAbs>},
      {"graph.neg", halfAsFloat<kNeg>},
      {"graph.sign", halfAsFloat<kSign>},
      {"graph.not", halfAsFloat<kNot>},
      {"graph.clip", halfAsFloat<kClip>},
      {"graph.shrink", halfAsFloat<kShrink>},
      {"graph.is_nan", halfAsFloat<kIsNan>},
      {"graph.is_inf", halfAsFloat<kIsInf>},
      {"graph.add", halfAsFloat<kAdd>},
      {"graph.sub", halfAsFloat<kSub>},
      {"graph.mul", halfAsFloat<kMul>},
      {"graph.div", halfAsFloat<kDiv>},
      {"graph.pow", halfAsFloat<kPow>},
      {"graph.max", halfAsFloat<kMax>},
      {"graph.min", halfAsFloat<kMin>},
      {"graph.mod", halfAsFloat<kMod>},
      {"graph.prelu", halfAsFloat<kPrelu>},
      {"graph.and", halfAsFloat<kAnd>},
      {"graph.or", halfAsFloat<kOr>},
      {"graph.xor", halfAsFloat<kXor>},
      {"graph.bit_shift", halfAsFloat<kBitShift>},
      {"graph.equal", halfAsFloat<kEqual>},
      {"graph.less", halfAsFloat<kLess>},
      {"graph.less_equal", halfAsFloat<kLessEqual>},
      {"graph.greater", halfAsFloat<kGreater>},
      {"graph.greater_equal", halfAsFloat<kGreaterEqual>},
      {"graph.select", halfAsFloat<kSelect>},
      {"graph.cast", kCast},
      {"graph.reshape", kCopy},
      {"graph.transpose", kTranspose},
      {"graph.slice", kSlice},
      {"graph.expand", kExpand},
      {"graph.tile", kTile},
      {"graph.concat", kConcat},
      {"graph.split", kSplit},
      {"graph.gather", kGather},
      {"graph.pad", halfAsFloat<kPad>},
      {"graph.matmul", halfAsFloat<kMatMul>},
      {"graph.conv", halfAsFloat<kConv>},
      {"graph.max_pool", halfAsFloat<kMaxPool>},
      {"graph.avg_pool", halfAsFloat<kAvgPool>},
      {"graph.reduce", halfAsFloat<kReduce>},
      {"graph.arg_max", halfAsFloat<kArgMax>},
      {"graph.arg_min", halfAsFloat<kArgMin>},
      {"graph.softmax", halfAsFloat<kSoftmax>},
      {"graph.log_softmax", halfAsFloat<kLogSoftmax>},
      {"graph.hardmax", halfAsFloat<kHardmax>},
      {"graph.cumsum", halfAsFloat<kCumSum>},
      {"graph.batch_norm", halfAsFloat<kBatchNorm>},
      {"graph.layer_norm", halfAsFloat<kLayerNorm>},
      {"graph.rms_norm", halfAsFloat<kRmsNorm>},
      {"graph.instance_norm", halfAsFloat<kInstanceNorm>},
      {"graph.gather_elements", halfAsFloat<kGatherElements>},
      {"graph.scatter_elements", halfAsFloat<kScatterElements>},
      {"graph.gather_nd", halfAsFloat<kGatherNd>},
      {"graph.scatter_nd", halfAsFloat<kScatterNd>},
      {"graph.one_hot", halfAsFloat<kOneHot>},
      {"graph.top_k", halfAsFloat<kTopK>},
      {"graph.trilu", halfAsFloat<kTrilu>},
      {"graph.conv_transpose", halfAsFloat<kConvTranspose>},
      {"graph.lrn", halfAsFloat<kLrn>},
      {"graph.resize", halfAsFloat<kResize>},
      {"graph.storage_cast", kStorageCast},
      {"graph.quantize", halfAsFloat<kQuantize>},
      {"graph.dequantize", halfAsFloat<kDequantize>},
    };
    addQuantKernels(t);
    return t;
  }();
  return kernels;
}

} // namespace

const PreparedKernel *findPreparedKernel(const std::string &kind) {
  static const PreparedKernel conv{oneDnnConvPrepare, oneDnnConvRun};
  if (kind == "graph.conv")
    return &conv;
  return quantPreparedKernel(kind);
}

Kernel findKernel(const std::string &kind) {
  auto it = table().find(kind);
  return it == table().end() ? nullptr : it->second;
}

std::vector<std::string> kernelNames() {
  std::vector<std::string> names;
  for (const auto &entry : table())
    names.push_back(entry.first);
  return names;
}

} // namespace gaon::cpu

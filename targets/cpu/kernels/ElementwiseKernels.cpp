//===- ElementwiseKernels.cpp - unary and binary elementwise kernels --------===//
//
// Elementwise ops over numpy broadcasting, in every numeric dtype, with a
// vectorized f32 path for the common binary ops; casts.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/kernels/VectorMath.h"
#include "targets/cpu/kernels/KernelSupport.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace gaon::cpu {
namespace {

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

} // namespace

void addElementwiseKernels(KernelTable &t) {
  t.insert({"graph.exp", halfAsFloat<kExp>});
  t.insert({"graph.log", halfAsFloat<kLog>});
  t.insert({"graph.tanh", halfAsFloat<kTanh>});
  t.insert({"graph.sigmoid", halfAsFloat<kSigmoid>});
  t.insert({"graph.erf", halfAsFloat<kErf>});
  t.insert({"graph.sqrt", halfAsFloat<kSqrt>});
  t.insert({"graph.rsqrt", halfAsFloat<kRsqrt>});
  t.insert({"graph.reciprocal", halfAsFloat<kReciprocal>});
  t.insert({"graph.silu", halfAsFloat<kSilu>});
  t.insert({"graph.hard_swish", halfAsFloat<kHardSwish>});
  t.insert({"graph.sin", halfAsFloat<kSin>});
  t.insert({"graph.cos", halfAsFloat<kCos>});
  t.insert({"graph.tan", halfAsFloat<kTan>});
  t.insert({"graph.asin", halfAsFloat<kAsin>});
  t.insert({"graph.acos", halfAsFloat<kAcos>});
  t.insert({"graph.atan", halfAsFloat<kAtan>});
  t.insert({"graph.sinh", halfAsFloat<kSinh>});
  t.insert({"graph.cosh", halfAsFloat<kCosh>});
  t.insert({"graph.asinh", halfAsFloat<kAsinh>});
  t.insert({"graph.acosh", halfAsFloat<kAcosh>});
  t.insert({"graph.atanh", halfAsFloat<kAtanh>});
  t.insert({"graph.softplus", halfAsFloat<kSoftplus>});
  t.insert({"graph.softsign", halfAsFloat<kSoftsign>});
  t.insert({"graph.floor", halfAsFloat<kFloor>});
  t.insert({"graph.ceil", halfAsFloat<kCeil>});
  t.insert({"graph.round", halfAsFloat<kRound>});
  t.insert({"graph.gelu", halfAsFloat<kGelu>});
  t.insert({"graph.elu", halfAsFloat<kElu>});
  t.insert({"graph.celu", halfAsFloat<kCelu>});
  t.insert({"graph.selu", halfAsFloat<kSelu>});
  t.insert({"graph.leaky_relu", halfAsFloat<kLeakyRelu>});
  t.insert({"graph.thresholded_relu", halfAsFloat<kThresholdedRelu>});
  t.insert({"graph.hard_sigmoid", halfAsFloat<kHardSigmoid>});
  t.insert({"graph.relu", halfAsFloat<kRelu>});
  t.insert({"graph.abs", halfAsFloat<kAbs>});
  t.insert({"graph.neg", halfAsFloat<kNeg>});
  t.insert({"graph.sign", halfAsFloat<kSign>});
  t.insert({"graph.not", halfAsFloat<kNot>});
  t.insert({"graph.clip", halfAsFloat<kClip>});
  t.insert({"graph.shrink", halfAsFloat<kShrink>});
  t.insert({"graph.is_nan", halfAsFloat<kIsNan>});
  t.insert({"graph.is_inf", halfAsFloat<kIsInf>});
  t.insert({"graph.add", halfAsFloat<kAdd>});
  t.insert({"graph.sub", halfAsFloat<kSub>});
  t.insert({"graph.mul", halfAsFloat<kMul>});
  t.insert({"graph.div", halfAsFloat<kDiv>});
  t.insert({"graph.pow", halfAsFloat<kPow>});
  t.insert({"graph.max", halfAsFloat<kMax>});
  t.insert({"graph.min", halfAsFloat<kMin>});
  t.insert({"graph.mod", halfAsFloat<kMod>});
  t.insert({"graph.prelu", halfAsFloat<kPrelu>});
  t.insert({"graph.and", halfAsFloat<kAnd>});
  t.insert({"graph.or", halfAsFloat<kOr>});
  t.insert({"graph.xor", halfAsFloat<kXor>});
  t.insert({"graph.bit_shift", halfAsFloat<kBitShift>});
  t.insert({"graph.equal", halfAsFloat<kEqual>});
  t.insert({"graph.less", halfAsFloat<kLess>});
  t.insert({"graph.less_equal", halfAsFloat<kLessEqual>});
  t.insert({"graph.greater", halfAsFloat<kGreater>});
  t.insert({"graph.greater_equal", halfAsFloat<kGreaterEqual>});
  t.insert({"graph.select", halfAsFloat<kSelect>});
  t.insert({"graph.cast", kCast});
}

} // namespace gaon::cpu

//===- Requantize.h - the NPU's exact integer requantization ----*- C++ -*-===//
//
// docs/npu.md, "Requantization (exact)", in code. Header-only and free of
// dependencies: the compiler (choosing multipliers), the CPU target's
// integer kernels and the simulator all include it, so they agree bit for
// bit by construction.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_TARGETS_NPU_REQUANTIZE_H
#define GAON_TARGETS_NPU_REQUANTIZE_H

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace gaon::npu {

/// A real scale S as m * 2^-(31 + shift), 0 <= m < 2^31, 0 <= shift <= 31.
struct Multiplier {
  int32_t m = 0;
  int32_t shift = 0;
};

constexpr int32_t kMaxShift = 31;

/// The multiplier for a scale in [0, 1): normalized (2^30 <= m < 2^31, so a
/// relative error under 2^-31) whenever S >= 2^-32, else the nearest
/// m * 2^-62. Returns false for scales the NPU cannot apply (negative, 1 or
/// more, not finite); the compiler keeps such tensors in bf16.
inline bool quantizeMultiplier(double scale, Multiplier &out) {
  if (!(scale >= 0.0) || !(scale < 1.0))
    return false;
  out = Multiplier{};
  if (scale == 0.0)
    return true;
  int exponent = 0;
  double fraction = std::frexp(scale, &exponent); // scale = f * 2^e, f in [.5, 1)
  int64_t m = std::llround(std::ldexp(fraction, 31));
  if (m == (int64_t(1) << 31)) { // rounded up to the next power of two
    m >>= 1;
    ++exponent;
  }
  int shift = -exponent; // scale < 1, so exponent <= 0
  if (shift > kMaxShift) {
    // Below 2^-32: fewer significant bits, at the largest shift.
    m = std::llround(std::ldexp(scale, 31 + kMaxShift));
    shift = kMaxShift;
    if (m >= (int64_t(1) << 31)) // only when rounding reached 2^-32 exactly
      m = (int64_t(1) << 31) - 1;
  }
  out.m = static_cast<int32_t>(m);
  out.shift = shift;
  return true;
}

/// round_half_even(p / 2^n) for 31 <= n <= 62 and |p| < 2^62. Branch-free,
/// so loops over it vectorize.
inline int64_t roundingShiftHalfEven(int64_t p, int n) {
  int64_t floor = p >> n; // arithmetic shift: floor division
  int64_t rest = static_cast<int64_t>(static_cast<uint64_t>(p) &
                                      ((uint64_t(1) << n) - 1));
  int64_t half = int64_t(1) << (n - 1);
  return floor + ((rest > half) | ((rest == half) & (floor & 1)));
}

/// One output element: clamp(round_half_even(acc * m / 2^(31+shift)) + zp,
/// lo, hi).
inline int32_t requantize(int32_t acc, Multiplier mult, int32_t zeroPoint,
                          int32_t lo, int32_t hi) {
  int64_t q = roundingShiftHalfEven(int64_t(acc) * mult.m, 31 + mult.shift);
  q += zeroPoint;
  q = q < lo ? lo : q;
  return static_cast<int32_t>(q > hi ? hi : q);
}

/// The clamp [lo, hi] of an output with scale `scale` and zero point `zp`
/// whose real values are limited to [clampMin, clampMax] (a fused ReLU is
/// clampMin 0): zp + round_half_even(bound / scale), within the storage
/// range. Clamping after rounding this way equals quantizing the clamped
/// real value, because rounding is monotonic.
inline void clampBounds(double scale, int32_t zp, int32_t storageMin,
                        int32_t storageMax, const double *clampMin,
                        const double *clampMax, int32_t &lo, int32_t &hi) {
  auto bound = [&](double real) {
    double q = std::nearbyint(real / scale) + zp; // ties to even
    return static_cast<int32_t>(
        std::clamp(q, double(storageMin), double(storageMax)));
  };
  lo = clampMin ? std::max(storageMin, bound(*clampMin)) : storageMin;
  hi = clampMax ? std::min(storageMax, bound(*clampMax)) : storageMax;
}

/// Quantized add (docs/npu.md, "Quantized add"): each operand, less its zero
/// point, is weighed by an integer multiplier with kAddShift fraction bits,
/// and the int32 sum is requantized to the output.
constexpr int kAddShift = 20;

struct AddRescale {
  int32_t lhs = 0, rhs = 0; // round(s / max(sa, sb) * 2^kAddShift)
  Multiplier out;           // max(sa, sb) / (sy * 2^kAddShift)
};

/// False when the output multiplier is not representable (the output scale
/// is below max(sa, sb) * 2^-kAddShift); such adds stay on the CPU, which
/// computes them in double.
inline bool addRescale(double sa, double sb, double sy, AddRescale &out) {
  if (!(sa > 0) || !(sb > 0) || !(sy > 0))
    return false;
  double largest = std::max(sa, sb);
  out.lhs = static_cast<int32_t>(std::llround(std::ldexp(sa / largest, kAddShift)));
  out.rhs = static_cast<int32_t>(std::llround(std::ldexp(sb / largest, kAddShift)));
  return quantizeMultiplier(largest / std::ldexp(sy, kAddShift), out.out);
}

/// One quantized add; `a` and `b` are already less their zero points
/// (|a|, |b| <= 255, so the weighted sum stays below 2^30).
inline int32_t addRequantize(int32_t a, int32_t b, const AddRescale &r,
                             int32_t zeroPoint, int32_t lo, int32_t hi) {
  return requantize(a * r.lhs + b * r.rhs, r.out, zeroPoint, lo, hi);
}

} // namespace gaon::npu

#endif // GAON_TARGETS_NPU_REQUANTIZE_H

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

/// round_half_even(p / 2^n) for 31 <= n <= 62 and |p| < 2^62.
inline int64_t roundingShiftHalfEven(int64_t p, int n) {
  int64_t floor = p >> n; // arithmetic shift: floor division
  int64_t rest = static_cast<int64_t>(static_cast<uint64_t>(p) &
                                      ((uint64_t(1) << n) - 1));
  int64_t half = int64_t(1) << (n - 1);
  if (rest > half || (rest == half && (floor & 1)))
    ++floor;
  return floor;
}

/// One output element: clamp(round_half_even(acc * m / 2^(31+shift)) + zp,
/// lo, hi).
inline int32_t requantize(int32_t acc, Multiplier mult, int32_t zeroPoint,
                          int32_t lo, int32_t hi) {
  int64_t q = roundingShiftHalfEven(int64_t(acc) * mult.m, 31 + mult.shift);
  q += zeroPoint;
  return static_cast<int32_t>(std::clamp<int64_t>(q, lo, hi));
}

} // namespace gaon::npu

#endif // GAON_TARGETS_NPU_REQUANTIZE_H

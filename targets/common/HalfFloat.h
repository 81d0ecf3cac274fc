//===- HalfFloat.h - float16 and bfloat16 conversions -----------*- C++ -*-===//
//
// The one definition of Gaon's 16-bit float conversions, shared by the CPU
// kernels and the NPU simulator so they round alike: widening is exact,
// narrowing rounds to nearest, ties to even, and NaN stays a quiet NaN.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_TARGETS_COMMON_HALFFLOAT_H
#define GAON_TARGETS_COMMON_HALFFLOAT_H

#include <cstdint>
#include <cstring>

namespace gaon {

inline float halfToFloat(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else { // subnormal
      int e = -1;
      do {
        ++e;
        man <<= 1;
      } while (!(man & 0x400));
      bits = sign | ((127 - 15 - e) << 23) | ((man & 0x3ff) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (man << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

inline uint16_t floatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000u;
  int32_t exp = ((x >> 23) & 0xff) - 127 + 15;
  uint32_t man = x & 0x7fffffu;
  if (((x >> 23) & 0xff) == 0xff)
    return sign | 0x7c00u | (man ? 0x200u : 0);
  if (exp >= 31)
    return sign | 0x7c00u;
  if (exp <= 0) {
    if (exp < -10)
      return sign;
    man |= 0x800000u;
    uint32_t shift = 14 - exp;
    uint32_t half = man >> shift, rem = man & ((1u << shift) - 1);
    uint32_t mid = 1u << (shift - 1);
    if (rem > mid || (rem == mid && (half & 1)))
      ++half;
    return sign | half;
  }
  uint32_t half = sign | (exp << 10) | (man >> 13);
  uint32_t rem = man & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (half & 1)))
    ++half; // may carry into the exponent, which is right
  return half;
}

inline float bf16ToFloat(uint16_t b) {
  uint32_t bits = uint32_t(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

/// Round to nearest even; a NaN stays NaN (quieted). Written as a select,
/// not a branch, so that loops over it vectorize.
inline uint16_t floatToBf16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t rounded = (x + 0x7fffu + ((x >> 16) & 1u)) >> 16;
  uint32_t quiet = (x >> 16) | 0x40u;
  return uint16_t((x & 0x7fffffffu) > 0x7f800000u ? quiet : rounded);
}

} // namespace gaon

#endif // GAON_TARGETS_COMMON_HALFFLOAT_H

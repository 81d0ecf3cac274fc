//===- NpuTest.cpp - the NPU description: configurations, requantization --===//

#include "targets/npu/NpuConfigJson.h"
#include "targets/npu/Requantize.h"

#include <gtest/gtest.h>

#include <random>

using namespace gaon::npu;

namespace {

TEST(NpuConfig, PresetsAreValidAndMatchTheDocumentedPeaks) {
  NpuConfig edge = edgeNpuConfig(), server = serverNpuConfig();
  EXPECT_EQ(validateNpuConfig(edge), "");
  EXPECT_EQ(validateNpuConfig(server), "");
  // docs/npu.md: about 64 and 512 int8 TOPS (2 ops per MAC).
  EXPECT_NEAR(2 * edge.peakInt8MacsPerSecond() / 1e12, 65.5, 0.1);
  EXPECT_NEAR(2 * server.peakInt8MacsPerSecond() / 1e12, 524.3, 0.1);
}

TEST(NpuConfig, CanonicalJsonRoundTrips) {
  for (const NpuConfig &c : {edgeNpuConfig(), serverNpuConfig()}) {
    std::string text = canonicalNpuConfigJson(c);
    auto parsed = parseNpuConfig(text, "canonical");
    ASSERT_TRUE(bool(parsed)) << llvm::toString(parsed.takeError());
    EXPECT_EQ(canonicalNpuConfigJson(*parsed), text);
    EXPECT_EQ(npuConfigHash(*parsed), npuConfigHash(c));
  }
  EXPECT_NE(npuConfigHash(edgeNpuConfig()), npuConfigHash(serverNpuConfig()));
}

std::string parseError(const std::string &text) {
  auto parsed = parseNpuConfig(text, "cfg.json");
  if (parsed)
    return "";
  return llvm::toString(parsed.takeError());
}

std::string edgeWith(const std::string &from, const std::string &to) {
  std::string text = canonicalNpuConfigJson(edgeNpuConfig());
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

TEST(NpuConfig, ErrorsNameTheField) {
  EXPECT_EQ(parseError("{"), parseError("{")); // stable
  EXPECT_NE(parseError("{").find("cfg.json: not valid JSON"), std::string::npos);
  EXPECT_EQ(parseError("[]"), "cfg.json: an NPU configuration is a JSON object");
  EXPECT_EQ(parseError(edgeWith("\"cores\":2,", "")),
            "cfg.json: field 'cores' is missing");
  EXPECT_EQ(parseError(edgeWith("\"rows\":128", "\"rows\":0")),
            "cfg.json: matrix.rows must be an integer in [1, 1024], got 0");
  EXPECT_EQ(parseError(edgeWith("\"rows\":128", "\"rows\":1.5")),
            "cfg.json: field 'matrix.rows' must be an integer");
  EXPECT_EQ(parseError(edgeWith("\"lanes\":128", "\"lanes\":128,\"lane\":1")),
            "cfg.json: unknown field 'vector.lane' (see docs/npu.md for the "
            "fields)");
  EXPECT_EQ(parseError(edgeWith("\"name\":\"edge\"", "\"name\":\"a b\"")),
            "cfg.json: name must be 1 to 64 letters, digits, '_', '-' or '.', "
            "got 'a b'");
  EXPECT_EQ(parseError(edgeWith("\"dram\":{", "\"dram\":7,\"x\":{")),
            "cfg.json: field 'dram' must be an object");
  EXPECT_NE(parseError(edgeWith("\"sram_bytes\":16777216",
                                "\"sram_bytes\":16777217"))
                .find("sram_bytes must be a multiple of 64"),
            std::string::npos);
}

/// The definition again, written differently: 128-bit products, division
/// truncating toward zero, and ties decided by comparing twice the rest.
int64_t referenceRequantize(int32_t acc, Multiplier mult, int32_t zp,
                            int32_t lo, int32_t hi) {
  __int128 p = (__int128)acc * mult.m;
  __int128 d = (__int128)1 << (31 + mult.shift);
  __int128 q = p / d, r = p % d; // truncated
  if (r < 0) {                   // to floor
    q -= 1;
    r += d;
  }
  if (2 * r > d || (2 * r == d && (q % 2 != 0)))
    q += 1;
  __int128 y = q + zp;
  return (int64_t)std::min<__int128>(std::max<__int128>(y, lo), hi);
}

TEST(Requantize, MatchesAnIndependentReferenceOverASweep) {
  std::mt19937_64 rng(17);
  std::uniform_int_distribution<int32_t> anyInt32(INT32_MIN, INT32_MAX);
  std::uniform_int_distribution<int32_t> shifts(0, kMaxShift);
  std::uniform_int_distribution<int32_t> mults(0, INT32_MAX);
  std::uniform_int_distribution<int32_t> zps(-128, 255);
  int64_t checked = 0;
  for (int i = 0; i < 200000; ++i) {
    Multiplier mult{mults(rng), shifts(rng)};
    int32_t acc = anyInt32(rng);
    if (i % 4 == 1) // small accumulators, the common case
      acc = static_cast<int32_t>(acc % 100000);
    if (i % 4 == 2) { // an exact tie: acc * m = (2k + 1) * 2^(n-1)
      mult = Multiplier{1 << 30, shifts(rng)};
      int n = 31 + mult.shift;
      int64_t half = int64_t(1) << (n - 1 - 30); // acc units per half step
      if (half > (1 << 20))
        continue;
      acc = static_cast<int32_t>((2 * (int64_t)(acc % 1000) + 1) * half);
    }
    int32_t zp = zps(rng);
    int32_t lo = zp > 127 ? 0 : -128, hi = zp > 127 ? 255 : 127;
    ASSERT_EQ(requantize(acc, mult, zp, lo, hi),
              referenceRequantize(acc, mult, zp, lo, hi))
        << "acc " << acc << " m " << mult.m << " shift " << mult.shift;
    ++checked;
  }
  EXPECT_GT(checked, 175000); // tie cases with shifts past 20 are skipped
}

TEST(Requantize, TiesGoToEven) {
  Multiplier half{1 << 30, 0}; // scale 0.5
  EXPECT_EQ(requantize(1, half, 0, -128, 127), 0);   // 0.5 -> 0
  EXPECT_EQ(requantize(3, half, 0, -128, 127), 2);   // 1.5 -> 2
  EXPECT_EQ(requantize(5, half, 0, -128, 127), 2);   // 2.5 -> 2
  EXPECT_EQ(requantize(-1, half, 0, -128, 127), 0);  // -0.5 -> 0
  EXPECT_EQ(requantize(-3, half, 0, -128, 127), -2); // -1.5 -> -2
  EXPECT_EQ(requantize(1000, half, 3, -128, 127), 127); // saturates
  EXPECT_EQ(requantize(-1000, half, 0, 0, 255), 0);     // ReLU-like clamp
}

TEST(Requantize, MultipliersApproximateScales) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> exponent(-32, 0);
  for (int i = 0; i < 100000; ++i) {
    double scale = std::pow(2.0, exponent(rng));
    if (scale >= 1)
      continue;
    Multiplier mult;
    ASSERT_TRUE(quantizeMultiplier(scale, mult));
    ASSERT_GE(mult.m, 1 << 30);
    ASSERT_LE(mult.shift, kMaxShift);
    double back = std::ldexp(double(mult.m), -(31 + mult.shift));
    ASSERT_LE(std::fabs(back - scale) / scale, std::ldexp(1.0, -31)) << scale;
  }
  Multiplier mult;
  EXPECT_TRUE(quantizeMultiplier(0.0, mult));
  EXPECT_EQ(mult.m, 0);
  EXPECT_TRUE(quantizeMultiplier(1e-12, mult)); // below 2^-32: denormal m
  EXPECT_EQ(mult.shift, kMaxShift);
  EXPECT_NEAR(std::ldexp(double(mult.m), -62), 1e-12, 1e-12 * 1e-6);
  EXPECT_FALSE(quantizeMultiplier(1.0, mult));
  EXPECT_FALSE(quantizeMultiplier(-0.5, mult));
  EXPECT_FALSE(quantizeMultiplier(std::nan(""), mult));
  // A scale that rounds up to the next power of two renormalizes.
  EXPECT_TRUE(quantizeMultiplier(std::nextafter(0.5, 0.0), mult));
  EXPECT_EQ(mult.m, 1 << 30);
  EXPECT_EQ(mult.shift, 0);
}

} // namespace

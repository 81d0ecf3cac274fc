//===- NpuConfig.cpp - NPU presets, validation and canonical form ---------===//

#include "targets/npu/NpuConfig.h"

#include <cctype>
#include <cmath>
#include <cstdio>

namespace gaon::npu {

NpuConfig edgeNpuConfig() {
  NpuConfig c;
  c.name = "edge";
  c.clockHz = 1.0e9;
  c.cores = 2;
  c.matrixRows = 128;
  c.matrixCols = 128;
  c.bf16Rate = 0.5;
  c.int4Rate = 1.0;
  c.vectorLanes = 128;
  c.sramBytes = int64_t(16) << 20;
  c.dramBytes = int64_t(8) << 30;
  c.dramBandwidth = 66e9;
  c.dramLatencyNs = 100;
  c.hostBandwidth = 16e9;
  c.dmaBytesPerCycle = 64;
  return c;
}

NpuConfig serverNpuConfig() {
  NpuConfig c;
  c.name = "server";
  c.clockHz = 1.0e9;
  c.cores = 8;
  c.matrixRows = 128;
  c.matrixCols = 256;
  c.bf16Rate = 0.5;
  c.int4Rate = 2.0;
  c.vectorLanes = 256;
  c.sramBytes = int64_t(32) << 20;
  c.dramBytes = int64_t(48) << 30;
  c.dramBandwidth = 1.5e12;
  c.dramLatencyNs = 150;
  c.hostBandwidth = 64e9;
  c.dmaBytesPerCycle = 256;
  return c;
}

namespace {

std::string intRange(const char *field, int64_t v, int64_t lo, int64_t hi) {
  if (v >= lo && v <= hi)
    return "";
  return std::string(field) + " must be an integer in [" + std::to_string(lo) +
         ", " + std::to_string(hi) + "], got " + std::to_string(v);
}

std::string realRange(const char *field, double v, double lo, double hi) {
  if (std::isfinite(v) && v >= lo && v <= hi)
    return "";
  char text[160];
  std::snprintf(text, sizeof text, "%s must be a number in [%g, %g], got %g",
                field, lo, hi, v);
  return text;
}

} // namespace

/// Names appear unescaped in canonical JSON and in file names.
bool isPlainName(const std::string &name) {
  if (name.empty() || name.size() > 64)
    return false;
  for (char ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' &&
        ch != '-' && ch != '.')
      return false;
  return true;
}

std::string validateNpuConfig(const NpuConfig &c) {
  const int64_t tib = int64_t(1) << 40;
  for (std::string error : {
           isPlainName(c.name)
               ? std::string()
               : "name must be 1 to 64 letters, digits, '_', '-' or '.', got '" +
                     c.name + "'",
           realRange("clock_hz", c.clockHz, 1e6, 1e11),
           intRange("cores", c.cores, 1, 1024),
           intRange("matrix.rows", c.matrixRows, 1, 1024),
           intRange("matrix.cols", c.matrixCols, 1, 1024),
           realRange("matrix.bf16_rate", c.bf16Rate, 1.0 / 64, 4),
           realRange("matrix.int4_rate", c.int4Rate, 1.0 / 64, 4),
           intRange("vector.lanes", c.vectorLanes, 1, 65536),
           intRange("sram_bytes", c.sramBytes, 4096, int64_t(1) << 30),
           c.sramBytes % 64 ? std::string("sram_bytes must be a multiple of 64")
                            : "",
           intRange("dram.bytes", c.dramBytes, int64_t(1) << 20, 64 * tib),
           realRange("dram.bandwidth", c.dramBandwidth, 1e6, 1e15),
           realRange("dram.latency_ns", c.dramLatencyNs, 0, 1e6),
           realRange("host.bandwidth", c.hostBandwidth, 1e6, 1e15),
           intRange("dma.bytes_per_cycle", c.dmaBytesPerCycle, 1, 65536)})
    if (!error.empty())
      return error;
  return "";
}

std::string canonicalNpuConfigJson(const NpuConfig &c) {
  // %.17g round-trips every double, so equal configurations print equally.
  char text[1024];
  std::snprintf(
      text, sizeof text,
      "{\"name\":\"%s\",\"clock_hz\":%.17g,\"cores\":%lld,"
      "\"matrix\":{\"rows\":%lld,\"cols\":%lld,\"bf16_rate\":%.17g,"
      "\"int4_rate\":%.17g},\"vector\":{\"lanes\":%lld},\"sram_bytes\":%lld,"
      "\"dram\":{\"bytes\":%lld,\"bandwidth\":%.17g,\"latency_ns\":%.17g},"
      "\"host\":{\"bandwidth\":%.17g},\"dma\":{\"bytes_per_cycle\":%lld}}",
      c.name.c_str(), c.clockHz, (long long)c.cores, (long long)c.matrixRows,
      (long long)c.matrixCols, c.bf16Rate, c.int4Rate,
      (long long)c.vectorLanes, (long long)c.sramBytes, (long long)c.dramBytes,
      c.dramBandwidth, c.dramLatencyNs, c.hostBandwidth,
      (long long)c.dmaBytesPerCycle);
  return text;
}

uint64_t npuConfigHash(const NpuConfig &c) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char ch : canonicalNpuConfigJson(c)) {
    h ^= ch;
    h *= 0x100000001b3ull;
  }
  return h;
}

} // namespace gaon::npu

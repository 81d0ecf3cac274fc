//===- NpuConfig.h - one configuration of the Gaon NPU ----------*- C++ -*-===//
//
// The parameters docs/npu.md defines, shared by the compiler (which plans
// for them) and the simulator (which charges for them). Plain C++: the
// runtime includes this without LLVM. Reading and writing JSON is in
// NpuConfigJson.h, on the compiler side.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_TARGETS_NPU_NPUCONFIG_H
#define GAON_TARGETS_NPU_NPUCONFIG_H

#include <cstdint>
#include <string>

namespace gaon::npu {

struct NpuConfig {
  std::string name;
  double clockHz = 0;
  int64_t cores = 0;
  // Matrix engine: rows x cols int8 MACs per cycle; bf16 and int4-weight
  // rates relative to int8.
  int64_t matrixRows = 0, matrixCols = 0;
  double bf16Rate = 0, int4Rate = 0;
  int64_t vectorLanes = 0; // fp32 lanes
  int64_t sramBytes = 0;   // per core
  int64_t dramBytes = 0;
  double dramBandwidth = 0; // bytes/s, shared by all cores
  double dramLatencyNs = 0;
  double hostBandwidth = 0;  // bytes/s
  int64_t dmaBytesPerCycle = 0; // per DMA engine

  /// int8 multiply-accumulates per second over all cores.
  double peakInt8MacsPerSecond() const {
    return double(cores) * double(matrixRows) * double(matrixCols) * clockHz;
  }
};

/// The `edge` preset (Warboy/ATOM class) and the `server` preset (RNGD
/// class) of docs/npu.md.
NpuConfig edgeNpuConfig();
NpuConfig serverNpuConfig();

/// Empty when every field is in range; otherwise what is wrong, naming the
/// JSON field (e.g. "matrix.rows must be an integer in [1, 1024], got 0").
std::string validateNpuConfig(const NpuConfig &config);

/// The configuration as canonical JSON (fixed key order, no spaces), which
/// binaries record, and its 64-bit FNV-1a hash.
std::string canonicalNpuConfigJson(const NpuConfig &config);
uint64_t npuConfigHash(const NpuConfig &config);

} // namespace gaon::npu

#endif // GAON_TARGETS_NPU_NPUCONFIG_H

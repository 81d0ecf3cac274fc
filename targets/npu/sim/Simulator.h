//===- Simulator.h - the Gaon NPU simulator ---------------------*- C++ -*-===//
//
// Executes a Program with the numerics of docs/npu.md and charges time by
// its cost model: an event-driven simulation of every engine queue of every
// core, DRAM bandwidth shared by all transfers in flight, semaphores. It is
// the project's measuring instrument, so it refuses what it cannot model
// honestly: an instruction whose operands lie outside memory, two
// unsynchronized instructions touching the same bytes (a race), or a
// program that deadlocks.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_TARGETS_NPU_SIM_SIMULATOR_H
#define GAON_TARGETS_NPU_SIM_SIMULATOR_H

#include "targets/npu/NpuConfig.h"
#include "targets/npu/isa/Isa.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace gaon::npu {

struct SimOptions {
  bool functional = true; // false: timing only, no arithmetic, no memory
  bool trace = false;     // keep one event per instruction, SRAM footprints
};

struct TraceEvent {
  uint32_t core;
  Engine engine;
  Opcode opcode;
  uint32_t tag;
  double start, end; // cycles
};

/// What one source node (tag) cost.
struct TagStats {
  double busyCycles = 0; // summed over engines
  std::array<double, kEngines> engineBusy{}; // the same, per engine
  double first = -1, last = 0;
  uint64_t macs = 0, dramRead = 0, dramWrite = 0;
  /// SRAM the node's instructions touched: per core, the bounding range of
  /// its reads and writes there (empty when lo >= hi).
  std::vector<std::pair<uint64_t, uint64_t>> sram;
  uint64_t sramBytes() const {
    uint64_t total = 0;
    for (auto [lo, hi] : sram)
      total += hi > lo ? hi - lo : 0;
    return total;
  }
};

struct SimResult {
  double cycles = 0;
  double seconds = 0;
  uint64_t macs = 0;
  uint64_t dramReadBytes = 0, dramWriteBytes = 0; // as charged (bursts)
  std::vector<std::array<double, kEngines>> busyCycles; // per core
  std::vector<TagStats> tags;
  std::vector<TraceEvent> trace;
};

/// Device memory for functional simulation: anonymous pages that read as
/// zero and take host memory only once written, so a program that declares
/// more device memory than it touches costs what it touches.
class DeviceMemory {
public:
  DeviceMemory() = default;
  ~DeviceMemory();
  DeviceMemory(const DeviceMemory &) = delete;
  DeviceMemory &operator=(const DeviceMemory &) = delete;
  /// Maps `bytes` of zeros (replacing what was mapped); false when the
  /// host cannot reserve the address space.
  bool allocate(uint64_t bytes);
  uint8_t *data() const { return base; }
  uint64_t size() const { return bytes; }

private:
  void release();
  uint8_t *base = nullptr;
  uint64_t bytes = 0;
};

class Simulator {
public:
  Simulator(const NpuConfig &config, SimOptions options = {});

  /// Runs `program` against `dram` (device memory, read and written; with
  /// functional simulation it must hold program.dramBytes), with the
  /// run-time parameters `params` (at least program.params of them).
  /// Returns an error message, empty on success.
  std::string run(const Program &program, uint8_t *dram, uint64_t dramSize,
                  SimResult &result, const std::vector<int64_t> &params = {});
  std::string run(const Program &program, std::vector<uint8_t> &dram,
                  SimResult &result, const std::vector<int64_t> &params = {}) {
    return run(program, dram.data(), dram.size(), result, params);
  }

  /// The cost model's pieces, for the compiler's estimates and the tests.
  double matMulCycles(const MatMulDesc &mm) const;
  double vectorCycles(const VectorDesc &v) const;
  /// Bytes a transfer costs on the DRAM bus: each contiguous run at least
  /// one 64-byte burst.
  static uint64_t dramChargedBytes(const DmaDesc &d);
  double dramLatencyCycles() const;

  /// Reused buffers for the functional matmul's f32 operands.
  struct MatMulScratch {
    std::vector<float> a, c;
    struct BCache {
      bool valid = false;
      uint64_t b = 0;
      int64_t stride = 0;
      uint32_t k0 = 0, kn = 0, n = 0;
      MatMode mode = MatMode::I8xI8;
      bool transposed = false;
      uint64_t scales = 0; // weight-only modes
      uint32_t group = 0;
      uint64_t lo = 0, hi = 0; // the SRAM bytes it came from
      std::vector<float> data;
      uint32_t core = 0;
    } bCache;
    /// bf16 matmuls run on oneDNN's bf16 matmul (exact products, f32
    /// sums), one primitive per shape, created on first use.
    std::vector<uint16_t> aBf16;
    struct Bf16Gemms;
    std::shared_ptr<Bf16Gemms> bf16;
  };

private:
  NpuConfig config;
  SimOptions options;
  std::vector<std::vector<uint8_t>> sram_; // per core, kept across runs
  MatMulScratch scratch_;
};

} // namespace gaon::npu

#endif // GAON_TARGETS_NPU_SIM_SIMULATOR_H

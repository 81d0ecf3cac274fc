//===- CpuBinary.h - `graph` to a .gnb with one CPU segment ---*- C++ -*-===//

#ifndef GAON_TARGETS_CPU_COMPILER_CPUBINARY_H
#define GAON_TARGETS_CPU_COMPILER_CPUBINARY_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace gaon {
namespace npu {
struct NpuConfig;
}

struct CpuBinaryStats {
  uint64_t arenaSize = 0, arenaWithoutReuse = 0, constantBytes = 0;
  uint64_t ops = 0;
};

struct CpuBinaryOptions {
  std::string compilerVersion = "gaon 0.1.0";
  /// When set, constants go to this stream instead of the binary, and the
  /// binary names `weightsFileName` (relative to its own folder).
  llvm::raw_ostream *weightsStream = nullptr;
  std::string weightsFileName;
  CpuBinaryStats *stats = nullptr;
  /// Store 4-D f32 activations between convolutions channels-last (NHWC)
  /// where every kernel touching them can read it.
  bool channelsLast = true;
  /// When set, ops placed on the NPU (targets/npu/compiler) run as NPU
  /// segments for this machine; the rest stay CPU segments.
  const npu::NpuConfig *npu = nullptr;
  /// Place every op the NPU can run on it (npu::placeOps' `greedy`).
  bool npuGreedy = false;
  /// Force NPU segments onto this many cores (0: the cost model chooses).
  int npuCores = 0;
  /// When set, receives each NPU segment's program as an `npu.program` op
  /// (gaonc --emit=npu), appended to this block.
  mlir::Block *npuPrograms = nullptr;
  /// When set, receives each NPU segment's plan as a `tile.segment` op
  /// (gaonc --emit=tile), appended to this block.
  mlir::Block *tileSegments = nullptr;
  /// When set, receives the placement report (JSON): one entry per ONNX
  /// node with its placement, the reason when it is the CPU, and the
  /// compiler's estimate of its NPU cycles.
  std::string *report = nullptr;
};

/// Writes `module` (at the graph stage) as a .gnb binary: CPU segments of
/// kernel calls and, with `options.npu`, NPU segments. Reports problems on
/// the ops concerned.
mlir::LogicalResult writeCpuBinary(mlir::ModuleOp module, llvm::raw_ostream &os,
                                   const CpuBinaryOptions &options = {});

} // namespace gaon

#endif // GAON_TARGETS_CPU_COMPILER_CPUBINARY_H

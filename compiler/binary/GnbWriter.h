//===- GnbWriter.h - a finished module as a .gnb binary --------*- C++ -*-===//
//
// The last step of every target: serializes a module the pipeline has
// finished (compiler/pipelines) into the .gnb format (runtime/schema). Graph
// ops become CPU kernel calls, with what gaon-cpu-fuse-activations and
// gaon-cpu-choose-layout decided; each lowered tile.segment becomes an NPU
// segment: its npu.program, its packed constants, and the bindings of its
// host tensors. Arena tensors are planned by liveness, per entry.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_COMPILER_BINARY_GNBWRITER_H
#define GAON_COMPILER_BINARY_GNBWRITER_H

#include "gaon/runtime.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace gaon {
namespace npu {
struct NpuConfig;
}

struct GnbStats {
  uint64_t arenaSize = 0, arenaWithoutReuse = 0, constantBytes = 0;
  uint64_t ops = 0; // steps: CPU kernel calls plus NPU segments
  uint64_t cpuSegments = 0, cpuOps = 0;
  uint64_t npuSegments = 0, npuInstructions = 0;
};

struct GnbWriterOptions {
  std::string compilerVersion = "gaon " GAON_VERSION;
  /// When set, constants go to this stream instead of the binary, and the
  /// binary names `weightsFileName` (relative to its own folder).
  llvm::raw_ostream *weightsStream = nullptr;
  std::string weightsFileName;
  GnbStats *stats = nullptr;
  /// The NPU the segments were compiled for (an "npu" target binary); null
  /// for the CPU target.
  const npu::NpuConfig *npu = nullptr;
};

/// A function argument and result with this string attribute are one piece
/// of session state (a KV cache): the argument reads it, the result is its
/// new contents, written in place. Neither is in the entry's signature.
constexpr const char kStateAttr[] = "gaon.state";

/// One entry point: a finished module's function, run under `name`.
struct GnbEntry {
  std::string name;
  mlir::ModuleOp module;
};

/// Writes `module` as a .gnb binary with one entry. Reports problems on the
/// ops concerned.
mlir::LogicalResult writeGnb(mlir::ModuleOp module, llvm::raw_ostream &os,
                             const GnbWriterOptions &options = {});

/// Writes several entries that share the binary's constants (identical
/// constants are stored once) and session state (the union of their
/// states, each as large as its largest view).
mlir::LogicalResult writeGnb(llvm::ArrayRef<GnbEntry> entries,
                             llvm::raw_ostream &os,
                             const GnbWriterOptions &options = {});

} // namespace gaon

#endif // GAON_COMPILER_BINARY_GNBWRITER_H

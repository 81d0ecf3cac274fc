//===- Report.h - the placement report (gaonc --report) ---------*- C++ -*-===//
//
// One row per ONNX node (a fused group counts as one): where it runs, why
// not on the NPU, and for NPU rows the compiler's estimate of its cycles.
// Rows come from the placement attributes, read right after placement;
// estimates from the chosen schedules (gaon-npu-select-schedule).
//
//===----------------------------------------------------------------------===//

#ifndef GAON_COMPILER_NPU_PLACEMENT_REPORT_H
#define GAON_COMPILER_NPU_PLACEMENT_REPORT_H

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace gaon::npu {

struct PlacementRow {
  std::string name, kind, placement, reason;
  int64_t segment = -1; // NPU rows: the index of their NPU segment
};

/// The rows of a placed module (after gaon-npu-placement and
/// gaon-cpu-fuse-activations), in program order. Without placement
/// attributes every op is a CPU row.
std::vector<PlacementRow> collectPlacementRows(mlir::ModuleOp placed);

/// The report as JSON, NPU rows' cycles read from `lowered`'s segments.
std::string placementReportJson(const std::vector<PlacementRow> &rows,
                                mlir::ModuleOp lowered,
                                llvm::StringRef npuName);

} // namespace gaon::npu

#endif // GAON_COMPILER_NPU_PLACEMENT_REPORT_H

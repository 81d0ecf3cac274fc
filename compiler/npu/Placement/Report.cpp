//===- Report.cpp - the placement report (gaonc --report) -----------------===//

#include "compiler/npu/Placement/Report.h"

#include "compiler/cpu/CpuAttributes.h"
#include "compiler/npu/NpuCommon.h"
#include "compiler/npu/Placement/Placement.h"
#include "dialects/tile/TileOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <cstdio>

using namespace mlir;

namespace gaon::npu {

std::vector<PlacementRow> collectPlacementRows(ModuleOp placed) {
  std::vector<PlacementRow> rows;
  placed.walk([&](func::FuncOp func) {
    for (Block &body : func.getBody()) {
      auto skipped = [](Operation *op) { return op->hasAttr(cpu::kFusedAttr); };
      llvm::DenseMap<Operation *, int64_t> segmentOf;
      llvm::DenseMap<Operation *, SmallVector<Operation *>> fusedOf;
      int64_t segments = 0;
      forEachNpuRun(body, skipped, [&](ArrayRef<Operation *> run) {
        llvm::DenseMap<int64_t, Operation *> anchors;
        for (Operation *op : run)
          if (auto id = op->getAttrOfType<IntegerAttr>(kGroupAttr))
            anchors[id.getInt()] = op;
        for (Operation *op : run) {
          segmentOf[op] = segments;
          if (auto id = op->getAttrOfType<IntegerAttr>(kFusedIntoAttr))
            if (Operation *anchor = anchors.lookup(id.getInt()))
              fusedOf[anchor].push_back(op);
        }
        ++segments;
      });
      for (Operation &op : body.without_terminator()) {
        if (isConstantLike(&op) || skipped(&op) ||
            op.hasAttr(kFusedIntoAttr))
          continue;
        PlacementRow row;
        row.kind = op.getName().getStringRef().str();
        if (placedOnNpu(&op)) {
          row.name = fusedGroupName(&op, fusedOf[&op]);
          row.placement = "npu";
          row.segment = segmentOf.lookup(&op);
        } else {
          row.name = nodeName(op.getLoc());
          row.placement = "cpu";
          if (auto reason = op.getAttrOfType<StringAttr>(kReasonAttr))
            row.reason = reason.str();
        }
        rows.push_back(row);
      }
    }
  });
  return rows;
}

namespace {

std::string quote(const std::string &text) {
  std::string q = "\"";
  for (char ch : text) {
    if (ch == '"' || ch == '\\')
      q += '\\';
    if (uint8_t(ch) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", ch);
      q += buf;
      continue;
    }
    q += ch;
  }
  return q + "\"";
}

} // namespace

std::string placementReportJson(const std::vector<PlacementRow> &rows,
                                ModuleOp lowered, StringRef npuName) {
  SmallVector<tile::SegmentOp> segments;
  lowered.walk([&](tile::SegmentOp s) { segments.push_back(s); });
  std::string r = "{\"npu\":" + quote(npuName.str()) + ",\"nodes\":[";
  for (size_t i = 0; i < rows.size(); ++i) {
    const PlacementRow &row = rows[i];
    r += (i ? ",\n" : "\n") + std::string("{\"name\":") + quote(row.name) +
         ",\"op\":" + quote(row.kind) + ",\"placement\":" +
         quote(row.placement);
    if (!row.reason.empty())
      r += ",\"reason\":" + quote(row.reason);
    if (row.segment >= 0) {
      double cycles = 0;
      if (row.segment < int64_t(segments.size())) {
        tile::SegmentOp s = segments[row.segment];
        std::optional<ArrayRef<double>> perTag = s.getTagCycles();
        for (auto [t, tag] : llvm::enumerate(s.getTags()))
          if (llvm::cast<StringAttr>(tag).getValue() == row.name && perTag &&
              t < perTag->size())
            cycles = (*perTag)[t];
      }
      r += ",\"estimated_cycles\":" + std::to_string(int64_t(cycles));
    }
    r += "}";
  }
  return r + "]}\n";
}

} // namespace gaon::npu

//===- Outline.cpp - gaon-npu-outline -------------------------------------===//

#include "compiler/cpu/CpuAttributes.h"
#include "compiler/npu/Passes.h"
#include "compiler/npu/Placement/Placement.h"
#include "dialects/tile/TileOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseSet.h"

namespace gaon {
#define GEN_PASS_DEF_NPUOUTLINE
#include "compiler/npu/Passes.h.inc"
} // namespace gaon

using namespace mlir;

namespace gaon {
namespace {

bool skipped(Operation *op) { return op->hasAttr(cpu::kFusedAttr); }

/// Moves `run` into a tile.region placed before the next op that is
/// neither a constant nor skipped (the next CPU op, or the terminator).
void outline(ArrayRef<Operation *> run) {
  llvm::DenseSet<Operation *> inRun(run.begin(), run.end());
  SmallVector<Value> outputs;
  for (Operation *op : run)
    for (Value r : op->getResults())
      if (llvm::any_of(r.getUsers(),
                       [&](Operation *u) { return !inRun.count(u); }))
        outputs.push_back(r);
  Operation *next = run.back()->getNextNode();
  while (next && !next->hasTrait<OpTrait::IsTerminator>() &&
         (npu::isConstantLike(next) || skipped(next)))
    next = next->getNextNode();
  OpBuilder builder(next);
  SmallVector<Type> types;
  for (Value v : outputs)
    types.push_back(v.getType());
  auto region = builder.create<tile::RegionOp>(run.front()->getLoc(), types);
  Block *body = builder.createBlock(&region.getBody());
  for (Operation *op : run)
    op->moveBefore(body, body->end());
  builder.setInsertionPointToEnd(body);
  builder.create<tile::YieldOp>(run.front()->getLoc(), outputs);
  for (auto [v, r] : llvm::zip(outputs, region.getResults()))
    v.replaceUsesWithIf(r, [&](OpOperand &use) {
      return use.getOwner()->getParentOp() != region;
    });
}

struct NpuOutlinePass : impl::NpuOutlineBase<NpuOutlinePass> {
  void runOnOperation() override {
    getOperation().walk([&](func::FuncOp func) {
      for (Block &body : func.getBody()) {
        SmallVector<SmallVector<Operation *>> runs;
        npu::forEachNpuRun(body, skipped, [&](ArrayRef<Operation *> run) {
          runs.emplace_back(run.begin(), run.end());
        });
        for (ArrayRef<Operation *> run : runs)
          outline(run);
      }
    });
  }
};

} // namespace
} // namespace gaon

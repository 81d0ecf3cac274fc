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

/// Moves each CPU op that reads nothing the NPU computes (a decoder's
/// position arithmetic and rotary tables) before the first NPU op, so it
/// does not split an NPU run in two: an exporter may compute such values
/// in the middle of a layer.
void hoistIndependentCpuOps(Block &body) {
  llvm::DenseSet<Value> fromNpu;
  Operation *firstNpu = nullptr;
  llvm::DenseSet<Operation *> after; // ops at or after firstNpu
  for (Operation &op : llvm::make_early_inc_range(body.without_terminator())) {
    bool npu = npu::placedOnNpu(&op);
    bool tainted =
        npu || llvm::any_of(op.getOperands(),
                            [&](Value v) { return fromNpu.count(v); });
    if (tainted) {
      for (Value r : op.getResults())
        fromNpu.insert(r);
      if (!firstNpu && npu)
        firstNpu = &op;
      if (firstNpu)
        after.insert(&op);
      continue;
    }
    bool movable = firstNpu && !npu::isConstantLike(&op) && !skipped(&op) &&
                   llvm::none_of(op.getOperands(), [&](Value v) {
                     Operation *def = v.getDefiningOp();
                     return def && after.count(def);
                   });
    if (movable)
      op.moveBefore(firstNpu);
    else if (firstNpu)
      after.insert(&op);
  }
}

struct NpuOutlinePass : impl::NpuOutlineBase<NpuOutlinePass> {
  void runOnOperation() override {
    getOperation().walk([&](func::FuncOp func) {
      for (Block &body : func.getBody())
        hoistIndependentCpuOps(body);
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

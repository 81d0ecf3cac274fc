//===- GraphToTile.cpp - gaon-graph-to-tile -------------------------------===//

#include "compiler/npu/GraphToTile/SegmentPlanner.h"
#include "compiler/npu/Passes.h"

#include "mlir/IR/Verifier.h"
#include "llvm/ADT/SetVector.h"

namespace gaon {
#define GEN_PASS_DEF_GRAPHTOTILE
#include "compiler/npu/Passes.h.inc"
} // namespace gaon

using namespace mlir;

namespace gaon {
namespace {

/// The host tensors a region's ops read: values from above that are not
/// constants (those are packed into the segment), in order of first use.
SmallVector<Value> regionInputs(tile::RegionOp region) {
  llvm::SetVector<Value> inputs;
  for (Operation &op : region.getBody().front().without_terminator())
    for (Value v : op.getOperands()) {
      Operation *def = v.getDefiningOp();
      if (def && (def->getParentOp() == region || npu::isConstantLike(def)))
        continue;
      inputs.insert(v);
    }
  return inputs.takeVector();
}

LogicalResult planRegion(tile::RegionOp region, const npu::NpuConfig &config,
                         int forcedCores) {
  Block &body = region.getBody().front();
  FailureOr<npu::PlacementMap> placement =
      npu::readPlacement(body, region->getParentOp());
  if (failed(placement))
    return failure();
  SmallVector<Operation *> ops;
  for (Operation &op : body.without_terminator()) {
    if (!placement->lookup(&op).onNpu)
      return op.emitOpError("is in an NPU region but not placed on the NPU");
    ops.push_back(&op);
  }
  if (ops.empty())
    return region.emitOpError("outlines no ops");
  SmallVector<Value> inputs = regionInputs(region);
  SmallVector<Value> outputs(body.getTerminator()->getOperands());
  // Two schedules: one core with activations resident in SRAM, or every
  // core splitting the convolutions with activations in DRAM.
  SmallVector<int> choices{1};
  if (config.cores > 1)
    choices.push_back(int(config.cores));
  if (forcedCores > 0) {
    if (forcedCores > config.cores)
      return ops.front()->emitError("--npu-cores=")
             << forcedCores << " exceeds the " << config.cores
             << " cores of the " << config.name << " NPU";
    choices = {forcedCores};
  }
  OpBuilder builder(region);
  SmallVector<tile::SegmentOp> planned;
  for (int cores : choices) {
    npu::SegmentPlanner planner(*placement, config, builder, cores);
    FailureOr<tile::SegmentOp> segment = planner.run(ops, inputs, outputs);
    if (failed(segment))
      return failure();
    if (failed(mlir::verify(*segment)))
      return ops.front()->emitError("internal: the tile plan does not "
                                    "verify");
    if (!planned.empty())
      segment->setCandidateAttr(builder.getI64IntegerAttr(planned.size()));
    planned.push_back(*segment);
  }
  region.replaceAllUsesWith(planned.front().getResults());
  region.erase();
  return success();
}

struct GraphToTilePass : impl::GraphToTileBase<GraphToTilePass> {
  using GraphToTileBase::GraphToTileBase;

  void runOnOperation() override {
    FailureOr<npu::NpuConfig> config =
        npu::loadPassNpuConfig(getOperation(), npuConfig);
    if (failed(config))
      return signalPassFailure();
    SmallVector<tile::RegionOp> regions;
    getOperation().walk([&](tile::RegionOp r) { regions.push_back(r); });
    for (tile::RegionOp region : regions)
      if (failed(planRegion(region, *config, cores)))
        return signalPassFailure();
    // The segments hold the device form of the constants their ops read;
    // host constants only those ops read are dead now.
    SmallVector<Operation *> dead;
    getOperation().walk([&](Operation *op) {
      if (npu::isConstantLike(op) || llvm::isa<graph::ConstantOp>(op))
        dead.push_back(op);
    });
    for (Operation *op : llvm::reverse(dead))
      if (op->use_empty())
        op->erase();
  }
};

} // namespace
} // namespace gaon

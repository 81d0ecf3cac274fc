//===- ScheduleSelection.cpp - gaon-npu-select-schedule -------------------===//
//
// The cost model is the simulator itself, in timing-only mode: the same
// engine rates, DRAM bandwidth and semaphores the sim device charges, so
// the schedule chosen here is the one that measures fastest there.
//
//===----------------------------------------------------------------------===//

#include "compiler/npu/NpuCommon.h"
#include "compiler/npu/Passes.h"
#include "dialects/npu/NpuOps.h"
#include "dialects/tile/TileOps.h"
#include "dialects/npu/NpuProgram.h"
#include "targets/npu/sim/Simulator.h"

namespace gaon {
#define GEN_PASS_DEF_NPUSELECTSCHEDULE
#include "compiler/npu/Passes.h.inc"
} // namespace gaon

using namespace mlir;

namespace gaon {
namespace {

/// The segment's program on the simulator, timing only.
FailureOr<npu::SimResult> estimate(tile::SegmentOp segment,
                                   const npu::NpuConfig &config) {
  auto programs = segment.getBody().front().getOps<npuir::ProgramOp>();
  if (programs.empty())
    return segment.emitOpError("has no npu.program to estimate; run "
                               "gaon-tile-to-npu first");
  npu::Program program;
  if (failed(npu::readProgramOp(*programs.begin(), program)))
    return failure();
  npu::Simulator estimator(config, npu::SimOptions{false, false});
  std::vector<uint8_t> none;
  npu::SimResult result;
  // Run-time parameters at the top of their range: a decode step at the
  // longest context, the costliest the program can be.
  std::vector<int64_t> params(program.params, 0);
  if (auto quads = segment.getParamInputs())
    for (size_t i = 0; i + 3 < quads->size(); i += 4) {
      auto type = llvm::cast<RankedTensorType>(
          segment.getInputs()[(*quads)[i]].getType());
      for (int64_t e = 0; e < type.getNumElements(); ++e)
        params[(*quads)[i + 1] + e] = (*quads)[i + 3];
    }
  std::string error = estimator.run(program, none, result, params);
  if (!error.empty())
    return emitError(segment.getLoc(),
                     "internal: the NPU program does not simulate: ")
           << error;
  return result;
}

LogicalResult select(tile::SegmentOp primary,
                     ArrayRef<tile::SegmentOp> candidates,
                     const npu::NpuConfig &config) {
  tile::SegmentOp best;
  npu::SimResult bestResult;
  for (tile::SegmentOp segment : candidates) {
    FailureOr<npu::SimResult> result = estimate(segment, config);
    if (failed(result))
      return failure();
    if (!best || result->cycles < bestResult.cycles) {
      best = segment;
      bestResult = std::move(*result);
    }
  }
  Builder b(primary.getContext());
  if (best != primary)
    primary.replaceAllUsesWith(best.getResults());
  for (tile::SegmentOp segment : candidates)
    if (segment != best)
      segment.erase();
  best.removeCandidateAttr();
  best.setEstimatedCyclesAttr(b.getF64FloatAttr(bestResult.cycles));
  SmallVector<double> perTag;
  for (size_t t = 0; t < best.getTags().size(); ++t) {
    double cycles = 0;
    if (t < bestResult.tags.size() && bestResult.tags[t].first >= 0)
      cycles = bestResult.tags[t].last - bestResult.tags[t].first;
    perTag.push_back(cycles);
  }
  best.setTagCyclesAttr(b.getDenseF64ArrayAttr(perTag));
  return success();
}

struct NpuSelectSchedulePass
    : impl::NpuSelectScheduleBase<NpuSelectSchedulePass> {
  using NpuSelectScheduleBase::NpuSelectScheduleBase;

  void runOnOperation() override {
    FailureOr<npu::NpuConfig> config =
        npu::loadPassNpuConfig(getOperation(), npuConfig);
    if (failed(config))
      return signalPassFailure();
    // Each primary with the candidates that follow it.
    SmallVector<SmallVector<tile::SegmentOp>> groups;
    getOperation().walk([&](tile::SegmentOp s) {
      if (!s.getCandidate() || groups.empty())
        groups.emplace_back();
      groups.back().push_back(s);
    });
    for (auto &group : groups)
      if (failed(select(group.front(), group, *config)))
        return signalPassFailure();
  }
};

} // namespace
} // namespace gaon

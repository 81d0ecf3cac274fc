//===- PlacementPass.cpp - gaon-npu-placement -----------------------------===//

#include "compiler/npu/NpuCommon.h"
#include "compiler/npu/Passes.h"
#include "compiler/npu/Placement/Placement.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace gaon {
#define GEN_PASS_DEF_NPUPLACEMENT
#include "compiler/npu/Passes.h.inc"
} // namespace gaon

using namespace mlir;

namespace gaon {
namespace {

struct NpuPlacementPass : impl::NpuPlacementBase<NpuPlacementPass> {
  using NpuPlacementBase::NpuPlacementBase;

  void runOnOperation() override {
    FailureOr<npu::NpuConfig> config =
        npu::loadPassNpuConfig(getOperation(), npuConfig);
    if (failed(config))
      return signalPassFailure();
    getOperation().walk([&](func::FuncOp func) {
      for (Block &body : func.getBody())
        npu::writePlacement(body, npu::placeOps(body, *config, greedy));
    });
  }
};

} // namespace
} // namespace gaon

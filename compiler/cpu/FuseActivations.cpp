//===- FuseActivations.cpp - gaon-cpu-fuse-activations --------------------===//

#include "compiler/cpu/CpuAttributes.h"
#include "compiler/cpu/Passes.h"
#include "compiler/npu/Placement/Placement.h"
#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace gaon {
#define GEN_PASS_DEF_CPUFUSEACTIVATIONS
#include "compiler/cpu/Passes.h.inc"
} // namespace gaon

using namespace mlir;

namespace gaon {
namespace {

/// The op `producer`'s CPU kernel can apply as it writes: its sole user, if
/// that is a requantization (of integer sums) or a ReLU or bounded clip of
/// the same type (of a float convolution).
Operation *fusableActivation(Operation &producer) {
  if (!producer.hasOneUse() || npu::placedOnNpu(&producer))
    return nullptr;
  Operation *user = *producer.getUsers().begin();
  if (npu::placedOnNpu(user))
    return nullptr;
  if (llvm::isa<graph::QConvOp, graph::QMatMulOp>(producer))
    return llvm::isa<graph::RequantizeOp>(user) ? user : nullptr;
  if (!llvm::isa<graph::ConvOp>(producer))
    return nullptr;
  auto clip = llvm::dyn_cast<graph::ClipOp>(user);
  bool fusable = llvm::isa<graph::ReluOp>(user) ||
                 (clip && clip.getMin() && clip.getMax());
  if (fusable && user->getResult(0).getType() == producer.getResult(0).getType())
    return user;
  return nullptr;
}

struct CpuFuseActivationsPass
    : impl::CpuFuseActivationsBase<CpuFuseActivationsPass> {
  void runOnOperation() override {
    UnitAttr unit = UnitAttr::get(&getContext());
    getOperation().walk([&](func::FuncOp func) {
      for (Block &body : func.getBody())
        for (Operation &op : body.without_terminator())
          if (Operation *activation = fusableActivation(op))
            activation->setAttr(cpu::kFusedAttr, unit);
    });
  }
};

} // namespace
} // namespace gaon

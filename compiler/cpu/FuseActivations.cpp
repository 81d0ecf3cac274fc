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

/// The sole user of `producer`, if the CPU may run it there too.
Operation *soleCpuUser(Operation &producer) {
  if (!producer.hasOneUse() || npu::placedOnNpu(&producer))
    return nullptr;
  Operation *user = *producer.getUsers().begin();
  return npu::placedOnNpu(user) ? nullptr : user;
}

/// A ReLU or bounded clip of `producer`'s result, of the same type.
Operation *fusableFloatActivation(Operation &producer) {
  Operation *user = soleCpuUser(producer);
  if (!user)
    return nullptr;
  auto clip = llvm::dyn_cast<graph::ClipOp>(user);
  bool fusable = llvm::isa<graph::ReluOp>(user) ||
                 (clip && clip.getMin() && clip.getMax());
  if (fusable &&
      user->getResult(0).getType() == producer.getResult(0).getType())
    return user;
  return nullptr;
}

/// A residual sum an f32 convolution can add as it writes: its sole user,
/// an add of the same type whose other operand (the residual) already
/// exists when the convolution runs. The add's operands are put in the
/// order convolution, residual.
graph::AddOp fusableResidualAdd(graph::ConvOp conv) {
  auto add = llvm::dyn_cast_or_null<graph::AddOp>(soleCpuUser(*conv));
  if (!add)
    return {};
  Value result = conv.getResult();
  Value residual = add.getLhs() == result ? add.getRhs() : add.getLhs();
  auto type = llvm::cast<RankedTensorType>(result.getType());
  if (!type.getElementType().isF32() || residual == result ||
      residual.getType() != type ||
      add.getResult().getType() != result.getType())
    return {};
  Operation *def = residual.getDefiningOp();
  if (def && (def->getBlock() != conv->getBlock() ||
              !def->isBeforeInBlock(conv)))
    return {};
  add->setOperands({result, residual});
  return add;
}

/// Marks what `producer`'s kernel applies as it writes: a requantization of
/// integer sums; for a float convolution, a residual add, then a ReLU or
/// bounded clip.
void markFused(Operation &producer, UnitAttr unit) {
  if (llvm::isa<graph::QConvOp, graph::QMatMulOp>(producer)) {
    Operation *user = soleCpuUser(producer);
    if (user && llvm::isa<graph::RequantizeOp>(user))
      user->setAttr(cpu::kFusedAttr, unit);
    return;
  }
  auto conv = llvm::dyn_cast<graph::ConvOp>(producer);
  if (!conv)
    return;
  Operation *last = conv;
  if (graph::AddOp add = fusableResidualAdd(conv)) {
    add->setAttr(cpu::kFusedAttr, unit);
    last = add;
  }
  if (Operation *activation = fusableFloatActivation(*last))
    activation->setAttr(cpu::kFusedAttr, unit);
}

struct CpuFuseActivationsPass
    : impl::CpuFuseActivationsBase<CpuFuseActivationsPass> {
  void runOnOperation() override {
    UnitAttr unit = UnitAttr::get(&getContext());
    getOperation().walk([&](func::FuncOp func) {
      for (Block &body : func.getBody())
        for (Operation &op : body.without_terminator())
          markFused(op, unit);
    });
  }
};

} // namespace
} // namespace gaon

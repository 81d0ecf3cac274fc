//===- ChooseLayout.cpp - gaon-cpu-choose-layout --------------------------===//

#include "compiler/cpu/CpuAttributes.h"
#include "compiler/cpu/Passes.h"
#include "dialects/graph/GraphOps.h"
#include "targets/cpu/kernels/Layouts.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/QuantTypes.h"
#include "llvm/ADT/DenseSet.h"

#include <functional>

namespace gaon {
#define GEN_PASS_DEF_CPUCHOOSELAYOUT
#include "compiler/cpu/Passes.h.inc"
} // namespace gaon

using namespace mlir;

namespace gaon {
namespace {

/// Chooses the arena tensors to store channels-last (NHWC). Tensors joined
/// by layout-agnostic ops (cpu/kernels/Layouts.h) form groups that share one
/// layout; a group goes channels-last when a convolution produces one of its
/// tensors and every use and producer of every member handles the layout.
/// `emitted(op)` is the value an op's kernel call writes (a convolution with
/// a fused activation writes the activation's result); `fusedResidual(op)`
/// is the input of a residual add fused into it, which must share the
/// layout of what it writes.
llvm::DenseSet<Value>
chooseChannelsLast(Block &body, const llvm::DenseSet<Operation *> &absorbed,
                   llvm::function_ref<Value(Operation *)> emitted,
                   llvm::function_ref<Value(Operation *)> fusedResidual) {
  llvm::DenseMap<Value, Value> parent;
  std::function<Value(Value)> find = [&](Value v) -> Value {
    auto it = parent.find(v);
    if (it == parent.end() || it->second == v)
      return v;
    Value root = find(it->second);
    parent[v] = root;
    return root;
  };
  auto join = [&](Value a, Value b) {
    Value ra = find(a), rb = find(b);
    if (ra != rb)
      parent[ra] = rb;
  };
  // f32, or 8-bit quantized per tensor (the integer kernels' channels-last
  // forms read one zero point and scale).
  auto isNchw4d = [](Value v) {
    auto type = llvm::dyn_cast<RankedTensorType>(v.getType());
    if (!type || type.getRank() != 4)
      return false;
    Type element = type.getElementType();
    if (element.isF32())
      return true;
    auto quant = llvm::dyn_cast<quant::UniformQuantizedType>(element);
    return quant && quant.getStorageTypeIntegralWidth() == 8;
  };
  auto shapeOf = [](Value v) {
    auto type = llvm::dyn_cast<RankedTensorType>(v.getType());
    return type ? type.getShape() : ArrayRef<int64_t>{};
  };
  llvm::DenseSet<Value> rowMajor, fromConv, members;
  // A constant, or a constant's bytes viewed as a quantized type.
  auto definedByConstant = [](Value v) {
    Operation *def = v.getDefiningOp();
    if (auto cast = llvm::dyn_cast_or_null<graph::StorageCastOp>(def))
      def = cast->getOperand(0).getDefiningOp();
    return def && llvm::isa<graph::ConstantOp>(def);
  };
  for (Operation &op : body) {
    if (absorbed.count(&op) || llvm::isa<graph::ConstantOp>(op))
      continue;
    if (op.hasTrait<OpTrait::IsTerminator>()) {
      rowMajor.insert(op.getOperands().begin(), op.getOperands().end());
      continue;
    }
    std::string kind = op.getName().getStringRef().str();
    SmallVector<Value> results;
    for (unsigned i = 0; i < op.getNumResults(); ++i)
      results.push_back(i == 0 ? emitted(&op) : op.getResult(i));
    // Every operand and result needs row-major unless a rule below says not.
    llvm::DenseSet<Value> free;
    if (cpu::isLayoutAgnostic(kind) && results.size() == 1) {
      bool sameShape = llvm::isa<RankedTensorType>(results[0].getType());
      for (Value v : op.getOperands())
        sameShape &= llvm::isa<RankedTensorType>(v.getType()) &&
                     shapeOf(v) == shapeOf(results[0]);
      if (sameShape)
        for (Value v : op.getOperands()) {
          join(v, results[0]);
          free.insert(v);
          free.insert(results[0]);
        }
    } else if (op.getNumOperands() > 0 && isNchw4d(op.getOperand(0))) {
      Value src = op.getOperand(0);
      switch (cpu::layoutRole(kind)) {
      case cpu::LayoutRole::Independent:
        if (op.getNumOperands() > 1 && definedByConstant(op.getOperand(1))) {
          if (auto qconv = llvm::dyn_cast<graph::QConvOp>(op)) {
            // The 8-bit kernels write channels-last results only, and
            // depthwise ones read channels-last inputs only.
            auto weight = llvm::cast<RankedTensorType>(
                op.getOperand(1).getType());
            if (weight.getDimSize(1) == 1 &&
                weight.getDimSize(0) == int64_t(qconv.getGroup()))
              join(src, results[0]);
            if (!isNchw4d(results[0]))
              break;
          }
          free.insert(src);
          free.insert(results[0]);
          fromConv.insert(results[0]);
        }
        break;
      case cpu::LayoutRole::Matched:
        if (results.size() == 1) {
          join(src, results[0]);
          free.insert(src);
          free.insert(results[0]);
        }
        break;
      case cpu::LayoutRole::SourceOnly:
        if (auto reduce = llvm::dyn_cast<graph::ReduceOp>(op))
          if (reduce.getAxes() == ArrayRef<int64_t>{2, 3} &&
              (reduce.getKind() == graph::ReduceKind::mean ||
               reduce.getKind() == graph::ReduceKind::sum ||
               reduce.getKind() == graph::ReduceKind::max))
            free.insert(src);
        if (auto qmean = llvm::dyn_cast<graph::QMeanOp>(op))
          if (qmean.getAxes() == ArrayRef<int64_t>{2, 3})
            free.insert(src);
        break;
      case cpu::LayoutRole::None:
        break;
      }
    }
    if (Value r = fusedResidual(&op)) {
      members.insert(r);
      if (free.count(results[0])) {
        join(r, results[0]);
        free.insert(r);
      } else {
        rowMajor.insert(r);
      }
    }
    for (Value v : op.getOperands()) {
      members.insert(v);
      if (!free.count(v))
        rowMajor.insert(v);
    }
    for (Value v : results) {
      members.insert(v);
      if (!free.count(v))
        rowMajor.insert(v);
    }
  }
  // A group is out when any member is: not an NCHW f32 arena tensor, or used
  // where row-major is needed.
  llvm::DenseSet<Value> excluded, converted;
  for (Value v : members)
    if (rowMajor.count(v) || !isNchw4d(v) || llvm::isa<BlockArgument>(v) ||
        definedByConstant(v))
      excluded.insert(find(v));
  for (Value v : fromConv)
    if (!excluded.count(find(v)))
      converted.insert(find(v));
  llvm::DenseSet<Value> channelsLast;
  for (Value v : members)
    if (converted.count(find(v)))
      channelsLast.insert(v);
  return channelsLast;
}

struct CpuChooseLayoutPass : impl::CpuChooseLayoutBase<CpuChooseLayoutPass> {
  void runOnOperation() override {
    StringAttr nhwc = StringAttr::get(&getContext(), "nhwc");
    getOperation().walk([&](func::FuncOp func) {
      for (Block &body : func.getBody()) {
        // Ops a producer's kernel applies write nothing of their own: the
        // producer's call writes their result.
        llvm::DenseSet<Operation *> absorbed;
        llvm::DenseMap<Operation *, Operation *> fusedUser;
        for (Operation &op : body.without_terminator())
          if (op.hasAttr(cpu::kFusedAttr)) {
            absorbed.insert(&op);
            fusedUser[op.getOperand(0).getDefiningOp()] = &op;
          }
        // A chain of fused ops (a residual add, an activation) ends in the
        // value the kernel call writes.
        auto emitted = [&](Operation *op) {
          Operation *last = op;
          while (Operation *next = fusedUser.lookup(last))
            last = next;
          return last->getResult(0);
        };
        auto residual = [&](Operation *op) {
          Operation *user = fusedUser.lookup(op);
          return user && llvm::isa<graph::AddOp>(user) ? user->getOperand(1)
                                                      : Value();
        };
        llvm::DenseSet<Value> channelsLast =
            chooseChannelsLast(body, absorbed, emitted, residual);
        for (Value v : channelsLast)
          if (Operation *def = v.getDefiningOp())
            def->setAttr(cpu::kLayoutAttr, nhwc);
      }
    });
  }
};

} // namespace
} // namespace gaon

//===- Placement.cpp - which graph ops run on the NPU ---------------------===//

#include "compiler/npu/Placement/Placement.h"

#include "compiler/npu/NpuCommon.h"
#include "compiler/npu/Placement/AttentionGroup.h"
#include "compiler/npu/Placement/Legality.h"

#include "mlir/IR/Builders.h"

using namespace mlir;

namespace gaon::npu {

bool isConstantLike(Operation *op) {
  return llvm::isa<graph::ConstantOp>(op) ||
         (llvm::isa<graph::StorageCastOp>(op) &&
          op->getOperand(0).getDefiningOp<graph::ConstantOp>());
}

PlacementMap placeOps(Block &body, const NpuConfig &config, bool greedy) {
  PlacementMap map;
  for (Operation &op : body.without_terminator()) {
    // Constants (and their integers given quantized types) follow their
    // users.
    if (isConstantLike(&op))
      continue;
    Placement p;
    p.reason = whyNotNpu(op, config);
    p.onNpu = p.reason.empty();
    map[&op] = p;
  }
  // A decoder step's attention runs as one NPU op with the chain around it
  // (heads, rotary embedding, cache updates; AttentionGroup.h).
  for (Operation &op : body.without_terminator()) {
    auto attention = llvm::dyn_cast<graph::AttentionOp>(op);
    if (!attention)
      continue;
    std::string why;
    std::optional<AttentionGroup> group = matchAttentionGroup(attention, why);
    if (!group) {
      map[&op] = Placement{false, "attention: " + why, nullptr};
      continue;
    }
    map[&op] = Placement{true, "", nullptr};
    for (Operation *member : group->members())
      map[member] = Placement{true, "", &op};
  }
  // Epilogues run in the output stage of the op they follow: a ReLU after a
  // convolution or matmul, a bias add after a matmul.
  auto soleUser = [](Operation *op) -> Operation * {
    return op->hasOneUse() ? *op->getUsers().begin() : nullptr;
  };
  for (Operation &op : body.without_terminator()) {
    auto it = map.find(&op);
    if (it == map.end() || !it->second.onNpu || it->second.fusedInto)
      continue;
    Operation *tail = &op;
    if (llvm::isa<graph::QConvOp, graph::QMatMulOp>(op)) {
      // Placed only with its requantization, which runs in the output stage.
      map[fusableRequantize(&op)] = Placement{true, "", &op};
      continue;
    }
    if (auto mm = llvm::dyn_cast<graph::MatMulOp>(op)) {
      // Weight-only weights dequantize as the matrix engine reads them.
      if (graph::BlockDequantizeOp bdq = weightOnlyOf(mm.getRhs()))
        map[bdq] = Placement{true, "", &op};
      Operation *user = soleUser(&op);
      if (auto add = llvm::dyn_cast_or_null<graph::AddOp>(user)) {
        Value other = add.getLhs() == mm.getOutput() ? add.getRhs() : add.getLhs();
        if (isBiasFor(other, mm) && add.getType() == mm.getType()) {
          map[add] = Placement{true, "", &op};
          tail = add;
        }
      }
    } else if (!llvm::isa<graph::ConvOp, graph::AddOp, graph::SubOp,
                           graph::MulOp, graph::MaxOp, graph::MinOp>(op)) {
      continue;
    }
    if (auto relu = llvm::dyn_cast_or_null<graph::ReluOp>(soleUser(tail)))
      if (relu.getType() == tail->getResult(0).getType())
        map[relu] = Placement{true, "", &op};
  }
  // The vector engine ops earn their place only next to NPU work: one whose
  // inputs all come from the host, and whose result only goes back to it,
  // would cost two host transfers to save a CPU loop. (Read by NPU work,
  // its input crosses the link instead of its result: no worse, and the
  // NPU run is not split.) Producers come first, so one pass in order
  // settles what feeds it; consumers are judged by their own placement.
  for (Operation &op : body.without_terminator()) {
    auto it = map.find(&op);
    if (greedy || it == map.end() || !it->second.onNpu ||
        it->second.fusedInto ||
        llvm::isa<graph::ConvOp, graph::QConvOp, graph::MatMulOp,
                  graph::QMatMulOp>(op))
      continue;
    bool fedByNpu = llvm::any_of(op.getOperands(), [&](Value v) {
      auto p = map.find(v.getDefiningOp());
      return v.getDefiningOp() && p != map.end() && p->second.onNpu;
    });
    // (Not a quantize: its f32 input would reach the NPU as bf16, and the
    // 8-bit result must be the CPU's to the bit.)
    bool feedsNpu = !llvm::isa<graph::QuantizeOp>(op) &&
                    llvm::any_of(op.getUsers(), [&](Operation *u) {
                      auto p = map.find(u);
                      return p != map.end() && p->second.onNpu &&
                             llvm::isa<graph::ConvOp, graph::QConvOp,
                                       graph::MatMulOp, graph::QMatMulOp,
                                       graph::AttentionOp>(u);
                    });
    if (!fedByNpu && !feedsNpu)
      it->second = Placement{false,
                             "its inputs come from the CPU; moving them to "
                             "the NPU for this op alone costs more than it "
                             "saves",
                             nullptr};
  }
  // A dequantization earns its place only before NPU work: one whose result
  // only leaves for the CPU would send bf16 (2 bytes) instead of its 8-bit
  // input, and round it to bf16 on the way.
  for (Operation &op : llvm::reverse(body.without_terminator())) {
    auto it = map.find(&op);
    if (greedy || !llvm::isa<graph::DequantizeOp>(op) || it == map.end() ||
        !it->second.onNpu)
      continue;
    bool feedsNpu = llvm::any_of(op.getUsers(), [&](Operation *u) {
      auto p = map.find(u);
      return p != map.end() && p->second.onNpu;
    });
    if (!feedsNpu)
      it->second = Placement{false,
                             "its result only leaves for the CPU, which "
                             "dequantizes the 8-bit tensor itself",
                             nullptr};
  }
  return map;
}


void writePlacement(Block &body, const PlacementMap &map) {
  MLIRContext *ctx = body.getParentOp()->getContext();
  Builder b(ctx);
  llvm::DenseMap<Operation *, int64_t> group;
  for (Operation &op : body.without_terminator()) {
    auto it = map.find(&op);
    if (it == map.end())
      continue;
    const Placement &p = it->second;
    op.setAttr(kDeviceAttr, b.getStringAttr(p.onNpu ? "npu" : "cpu"));
    if (!p.onNpu) {
      op.setAttr(kReasonAttr, b.getStringAttr(p.reason));
      continue;
    }
    if (!p.fusedInto) {
      int64_t id = group.size();
      group[&op] = id;
      op.setAttr(kGroupAttr, b.getI64IntegerAttr(id));
    }
  }
  // Fused ops may come before their anchor (weight-only weights).
  for (auto &[op, p] : map)
    if (p.onNpu && p.fusedInto)
      op->setAttr(kFusedIntoAttr, b.getI64IntegerAttr(group.lookup(p.fusedInto)));
}

FailureOr<PlacementMap> readPlacement(Block &body, Operation *scope) {
  PlacementMap map;
  llvm::DenseMap<int64_t, Operation *> anchors;
  auto addAnchor = [&](Operation *op) {
    if (auto id = op->getAttrOfType<IntegerAttr>(kGroupAttr))
      anchors.try_emplace(id.getInt(), op);
  };
  for (Operation &op : body.without_terminator())
    addAnchor(&op);
  if (scope)
    scope->walk(addAnchor);
  for (Operation &op : body.without_terminator()) {
    auto device = op.getAttrOfType<StringAttr>(kDeviceAttr);
    if (!device)
      continue;
    Placement p;
    p.onNpu = device.getValue() == "npu";
    if (auto reason = op.getAttrOfType<StringAttr>(kReasonAttr))
      p.reason = reason.str();
    if (auto fused = op.getAttrOfType<IntegerAttr>(kFusedIntoAttr)) {
      p.fusedInto = anchors.lookup(fused.getInt());
      if (!p.fusedInto)
        return op.emitOpError("is fused into NPU group ")
               << fused.getInt() << ", which no op in its block anchors";
    }
    map[&op] = p;
  }
  return map;
}

void forEachNpuRun(Block &body, llvm::function_ref<bool(Operation *)> skip,
                   llvm::function_ref<void(ArrayRef<Operation *>)> run) {
  SmallVector<Operation *> current;
  for (Operation &op : body.without_terminator()) {
    if (skip(&op) || isConstantLike(&op))
      continue;
    if (placedOnNpu(&op)) {
      current.push_back(&op);
      continue;
    }
    if (!current.empty())
      run(current);
    current.clear();
  }
  if (!current.empty())
    run(current);
}

} // namespace gaon::npu

//===- SegmentPlanner.cpp - one NPU segment's plan (graph -> tile) --------===//
//
// The order of planning: layouts and halos, residency, prefetching, the
// segment and its tensors, then each anchor op (with what is fused into
// it) by its engine's tiling.
//
//===----------------------------------------------------------------------===//

#include "compiler/npu/GraphToTile/SegmentPlanner.h"

using namespace mlir;

namespace gaon::npu {

uint64_t SegmentPlanner::addConstant(const std::string &name,
                                     const std::vector<char> &bytes) {
  uint64_t at = allocDram(bytes.size());
  auto type = RankedTensorType::get({int64_t(bytes.size())},
                                    builder.getIntegerType(8));
  auto value = DenseElementsAttr::getFromRawBuffer(
      type, ArrayRef<char>(bytes.data(), bytes.size()));
  auto op = builder.create<tile::ConstantOp>(
      loc, builder.getStringAttr(name), i64(at), i64(bytes.size()),
      ElementsAttr());
  op.setValueAttr(value);
  return at;
}

void SegmentPlanner::load(uint64_t dram, uint64_t sram, uint64_t bytes,
                          int core) {
  builder.create<tile::LoadOp>(loc, i64(dram), i64(sram), i64(bytes),
                                 i64(tag), i64(core));
}

Value SegmentPlanner::groupResult(Operation *anchor) {
  Value result = anchor->getResult(0);
  for (Operation *f : fusedOf[anchor])
    if (!llvm::isa<graph::BlockDequantizeOp>(f)) // before the anchor
      result = f->getResult(0);
  return result;
}

bool SegmentPlanner::fusedRelu(Operation *anchor) {
  return llvm::any_of(fusedOf[anchor],
                      [](Operation *f) { return llvm::isa<graph::ReluOp>(f); });
}

FailureOr<tile::SegmentOp>
SegmentPlanner::run(ArrayRef<Operation *> ops, ArrayRef<Value> inputs,
                    ArrayRef<Value> outputs) {
  loc = ops.front()->getLoc();
  // i64 operands are run-time parameters (positions), not device tensors.
  SmallVector<Value> deviceInputs, paramValues;
  for (Value v : inputs)
    (rankedOf(v).getElementType().isInteger(64) ? paramValues : deviceInputs)
        .push_back(v);
  if (failed(planLayouts(ops, deviceInputs)))
    return failure();
  int64_t nextParam = 0;
  for (Value v : paramValues) {
    ParamInput p{nextParam, INT64_MIN, INT64_MAX};
    nextParam += rankedOf(v).getNumElements();
    bool used = false;
    for (auto &[op, g] : attentionGroups) {
      (void)op;
      if (g.position != v)
        continue;
      used = true; // positions where the new entries fit the cache
      p.min = std::max<int64_t>(p.min, 0);
      p.max = std::min<int64_t>(p.max, g.maxLen - g.seq);
    }
    if (!used || !rankedOf(v).hasStaticShape())
      return emitError(v.getLoc(), "internal: an i64 tensor reaches an NPU "
                                   "segment but no op reads it as positions");
    params[v] = p;
  }
  bool needZeros = planResidency(deviceInputs, outputs);
  planPrefetch();
  tile::SegmentOp segment = createSegment(deviceInputs, outputs, paramValues);

  auto setTag = [&](Operation *anchor) {
    std::string name = fusedGroupName(anchor, fusedOf[anchor]);
    auto it = std::find(tags.begin(), tags.end(), name);
    tag = it - tags.begin();
    if (it == tags.end())
      tags.push_back(name);
  };
  if (needZeros) {
    setTag(anchors.front());
    zeroBlock = 0;
    uint64_t at = addConstant("zeros", std::vector<char>(kZeroBytes, 0));
    load(at, zeroBlock, kZeroBytes);
  }
  planBlock = builder.getInsertionBlock();
  for (Operation *anchor : anchors) {
    setTag(anchor);
    prefetchTag[anchor] = tag;
    // Prefetches that go before this anchor's ops go after this op.
    tileOpOf[anchor] = planBlock->empty() ? nullptr : &planBlock->back();
    loc = anchor->getLoc();
    Value result = groupResult(anchor);
    if (!llvm::isa<graph::ReshapeOp, graph::SliceOp>(anchor) &&
        dev(result).sram &&
        dev(result).pad)
      builder.create<tile::ZeroOp>(loc, sym(result), i64(zeroBlock),
                                     i64(kZeroBytes), i64(tag));
    if (failed(planAnchor(anchor)))
      return failure();
  }
  SmallVector<StringRef> tagRefs(tags.begin(), tags.end());
  segment.setTagsAttr(builder.getStrArrayAttr(tagRefs));
  segment.setDramBytesAttr(i64(std::max<uint64_t>(dramTop, kAlign)));
  builder.setInsertionPointAfter(segment);
  return segment;
}

LogicalResult SegmentPlanner::planAnchor(Operation *anchor) {
  // Convolutions and matmuls note themselves for the next (ConvTiling.cpp);
  // anything else ends the chance to run beside.
  Operation *before = previousConv;
  previousConv = nullptr;
  auto planConv = [&](LogicalResult planned) {
    previousConv = anchor;
    return planned;
  };
  if (auto conv = llvm::dyn_cast<graph::ConvOp>(anchor)) {
    previousConv = before;
    return planConv(planFloatConv(conv));
  }
  if (llvm::isa<graph::QConvOp, graph::QMatMulOp>(anchor)) {
    previousConv = before;
    return planConv(planIntegerConv(anchor));
  }
  if (auto mm = llvm::dyn_cast<graph::MatMulOp>(anchor)) {
    previousConv = before;
    return planConv(planMatMul(mm));
  }
  previousCoresEnd = 0;
  if (auto pool = llvm::dyn_cast<graph::MaxPoolOp>(anchor))
    return planMaxPool(pool);
  if (auto reduce = llvm::dyn_cast<graph::ReduceOp>(anchor))
    return planGlobalPool(reduce);
  if (llvm::isa<graph::SoftmaxOp, graph::LayerNormOp, graph::RmsNormOp>(anchor))
    return planRowOp(anchor);
  if (llvm::isa<graph::ReshapeOp, graph::SliceOp>(anchor))
    return success(); // an alias: no data moves
  if (auto attention = llvm::dyn_cast<graph::AttentionOp>(anchor))
    return planAttention(attention);
  return planElementwise(anchor);
}

} // namespace gaon::npu

//===- Layout.cpp - device layouts, halos and aliases (graph -> tile) -----===//
//
// Activations live in DRAM or SRAM as bf16 (or 8-bit), channels-last, with
// a zero halo as wide as the largest padding a consumer needs, so a
// convolution's input tile is one plain DMA and the matrix engine never
// sees a border. Reshapes between row-major-equivalent tensors are aliases:
// their own shape over their root's bytes.
//
//===----------------------------------------------------------------------===//

#include "compiler/npu/GraphToTile/SegmentPlanner.h"

using namespace mlir;

namespace gaon::npu {

LogicalResult SegmentPlanner::planLayouts(ArrayRef<Operation *> ops,
                                          ArrayRef<Value> inputs) {
  // Fusion groups, aliases (reshapes) and the halo each tensor needs.
  llvm::DenseMap<Value, int64_t> halo;
  for (Operation *op : ops) {
    const Placement &p = placement.lookup(op);
    if (p.fusedInto) {
      fusedOf[p.fusedInto].push_back(op);
      continue;
    }
    anchors.push_back(op);
    if (auto reshape = llvm::dyn_cast<graph::ReshapeOp>(op))
      alias[reshape.getOutput()] = reshape.getInput();
    if (auto slice = llvm::dyn_cast<graph::SliceOp>(op)) {
      alias[slice.getOutput()] = slice.getInput();
      aliasElements[slice.getOutput()] = *contiguousSliceOffset(slice);
    }
    if (auto attention = llvm::dyn_cast<graph::AttentionOp>(op)) {
      std::string why;
      std::optional<AttentionGroup> group = matchAttentionGroup(attention, why);
      if (!group)
        return emitError(op->getLoc(),
                         "internal: an NPU attention that does not match: ")
               << why;
      // The updated caches are the caches: updated in place.
      alias[group->k.update.getOutput()] = group->kCache;
      alias[group->v.update.getOutput()] = group->vCache;
      attentionGroups[op] = *group;
    }
  }
  // Attention reads caches and rotary tables as rows (bf16, f32), and its
  // operands by DMA.
  llvm::DenseMap<Value, tile::ElemType> rowForm;
  for (auto &[op, g] : attentionGroups) {
    (void)op;
    rowForm[g.kCache] = rowForm[g.vCache] = tile::ElemType::bf16;
    if (g.cos && !g.cosTable) // the step's rows, from the host
      rowForm[g.cos] = rowForm[g.sin] = tile::ElemType::f32;
    for (Value v : {g.q.rows, g.k.rows, g.v.rows, Value(g.outReshape.getOutput())})
      dramOnly.insert(root(v));
  }
  for (Operation *op : anchors)
    if (llvm::isa<graph::ConvOp, graph::QConvOp>(op)) {
      auto p = op->getAttrOfType<DenseI64ArrayAttr>("pads").asArrayRef();
      int64_t &h = halo[root(op->getOperand(0))];
      h = std::max(h, *std::max_element(p.begin(), p.end()));
    }

  // Every root tensor's shape and halo; aliases share their root's bytes.
  auto addRoot = [&](Value v) -> LogicalResult {
    Value r = root(v);
    if (tensors.count(r))
      return success();
    auto form = rowForm.find(r);
    DevTensor d = form != rowForm.end() ? devRows(rankedOf(r), form->second)
                                        : devShape(rankedOf(r));
    d.pad = halo.lookup(r);
    if (d.pad && rankedOf(r).getRank() != 4)
      return emitError(v.getLoc(), "internal: a padded NPU tensor that is "
                                   "not 4-D");
    tensors[r] = d;
    roots.push_back(r);
    return success();
  };
  for (Value v : inputs)
    if (failed(addRoot(v)))
      return failure();
  for (Operation *op : anchors)
    if (failed(addRoot(groupResult(op))))
      return failure();
  for (auto &[v, src] : alias) {
    (void)src;
    if (tensors[root(v)].pad)
      return emitError(v.getLoc(), "internal: a reshape of a haloed tensor");
  }
  return success();
}

tile::SegmentOp SegmentPlanner::createSegment(ArrayRef<Value> inputs,
                                                ArrayRef<Value> outputs,
                                                ArrayRef<Value> paramValues) {
  // DRAM for what is not resident, one block each (no reuse yet: halos rely
  // on device memory being zeroed once, when a session starts).
  for (Value r : roots)
    if (!tensors[r].sram)
      tensors[r].base = allocDram(tensors[r].bytes());
  // Aliases: their own shape over their root's bytes, which must have no
  // halo (reshapes reach the NPU only between row-major tensors).
  for (auto &[v, src] : alias) {
    (void)src;
    const DevTensor &r = tensors[root(v)];
    DevTensor d = r.rows ? r : devShape(rankedOf(v)); // an updated cache
    // A slice's view starts its offset into its source (which may itself
    // be a view).
    uint64_t offset = 0;
    for (Value at = v; alias.count(at); at = alias.lookup(at))
      offset += uint64_t(aliasElements.lookup(at)) * uint64_t(r.eb);
    d.base = r.base + offset;
    d.sram = r.sram;
    tensors[v] = d;
  }

  // The segment and its tensors, named in order of appearance.
  SmallVector<Type> resultTypes;
  for (Value v : outputs)
    resultTypes.push_back(v.getType());
  SmallVector<Value> operands(inputs.begin(), inputs.end());
  operands.append(paramValues.begin(), paramValues.end());
  OperationState state(loc, tile::SegmentOp::getOperationName());
  tile::SegmentOp::build(builder, state, resultTypes, operands, {});
  state.addAttribute("dram_bytes", i64(0));
  state.addAttribute("resident_bytes", i64(residentTop));
  state.addAttribute("tags", builder.getStrArrayAttr({}));
  state.addAttribute("cores", i64(cores));
  auto segment = llvm::cast<tile::SegmentOp>(builder.create(state));
  builder.setInsertionPointToEnd(&segment.getBody().emplaceBlock());
  SmallVector<Value> order(roots.begin(), roots.end());
  for (auto &[v, src] : alias) {
    (void)src;
    order.push_back(v);
  }
  for (Value v : order) {
    names[v] = "t" + std::to_string(names.size());
    const DevTensor &d = tensors[v];
    builder.create<tile::TensorOp>(
        loc, builder.getStringAttr(names[v]),
        tile::MemoryAttr::get(builder.getContext(),
                                d.sram ? tile::Memory::sram
                                       : tile::Memory::dram),
        tile::ElemTypeAttr::get(builder.getContext(), d.elem), i64(d.base),
        i64(d.n), i64(d.h), i64(d.w), i64(d.c), i64(d.pad),
        d.rows ? builder.getUnitAttr() : UnitAttr());
  }
  auto symbols = [&](ArrayRef<Value> values) {
    SmallVector<Attribute> refs;
    for (Value v : values)
      refs.push_back(sym(v));
    return builder.getArrayAttr(refs);
  };
  segment.setInputTensorsAttr(symbols(inputs));
  if (!paramValues.empty()) {
    SmallVector<int64_t> quads;
    for (auto [i, v] : llvm::enumerate(paramValues)) {
      const ParamInput &p = params[v];
      quads.append({int64_t(inputs.size() + i), p.first, p.min, p.max});
    }
    segment.setParamInputsAttr(builder.getDenseI64ArrayAttr(quads));
  }
  segment.setOutputTensorsAttr(symbols(outputs));
  SmallVector<std::string> outputNames;
  for (Value v : outputs)
    outputNames.push_back(nodeName(v.getLoc()));
  SmallVector<StringRef> nameRefs(outputNames.begin(), outputNames.end());
  segment.setOutputNamesAttr(builder.getStrArrayAttr(nameRefs));
  return segment;
}

} // namespace gaon::npu

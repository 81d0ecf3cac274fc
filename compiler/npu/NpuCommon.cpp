//===- NpuCommon.cpp - helpers every NPU pass shares ----------------------===//

#include "compiler/npu/NpuCommon.h"

#include "targets/npu/NpuConfigJson.h"
#include "targets/npu/Requantize.h"

#include "llvm/Support/Error.h"

#include <algorithm>
#include <cstring>

using namespace mlir;

namespace gaon::npu {

std::string nodeName(Location loc) {
  if (auto name = llvm::dyn_cast<NameLoc>(loc))
    return name.getName().str();
  if (auto fused = llvm::dyn_cast<FusedLoc>(loc)) {
    std::string names;
    for (Location l : fused.getLocations()) {
      std::string n = nodeName(l);
      if (!n.empty())
        names += (names.empty() ? "" : "+") + n;
    }
    return names;
  }
  return "";
}

std::string fusedGroupName(Operation *anchor, ArrayRef<Operation *> fused) {
  std::string name = nodeName(anchor->getLoc());
  // A decoder's attention fuses a dozen ops (heads, rotary, cache
  // updates): named after the node that became the attention.
  if (llvm::isa<graph::AttentionOp>(anchor))
    return name + " (attention)";
  for (Operation *f : fused) {
    std::string n = nodeName(f->getLoc());
    // One ONNX node may become several graph ops (Gemm: matmul + add).
    if (!n.empty() && n != nodeName(anchor->getLoc()))
      name += "+" + n;
  }
  return name;
}

RankedTensorType rankedOf(Value v) {
  auto t = llvm::dyn_cast<RankedTensorType>(v.getType());
  return t && t.hasStaticShape() ? t : RankedTensorType();
}

bool isF32Tensor(Value v) {
  RankedTensorType t = rankedOf(v);
  return t && t.getElementType().isF32() && t.getNumElements() > 0;
}

DenseElementsAttr constantOf(Value v) {
  if (auto cast = v.getDefiningOp<graph::StorageCastOp>())
    v = cast.getInput();
  if (auto c = v.getDefiningOp<graph::ConstantOp>())
    return llvm::dyn_cast<DenseElementsAttr>(c.getValue());
  return {};
}

std::vector<float> floatsOf(DenseElementsAttr attr) {
  std::vector<float> out(attr.getNumElements());
  if (attr.isSplat()) {
    std::fill(out.begin(), out.end(), attr.getSplatValue<float>());
    return out;
  }
  ArrayRef<char> raw = attr.getRawData();
  std::memcpy(out.data(), raw.data(), out.size() * 4);
  return out;
}

// From 4 rows up, weights and scales take no more SRAM than bf16 weights,
// which the tiling plans for.
graph::BlockDequantizeOp weightOnlyOf(Value rhs) {
  auto bdq = rhs.getDefiningOp<graph::BlockDequantizeOp>();
  if (!bdq || bdq.getAxis() != 0 || bdq.getZeroPoints() || !rhs.hasOneUse() ||
      bdq.getBlockSize() < 4 || bdq.getInput().getType().getRank() != 2 ||
      !bdq.getScales().getType().getElementType().isF32() ||
      !constantOf(bdq.getInput()) || !constantOf(bdq.getScales()))
    return {};
  return bdq;
}

quant::UniformQuantizedType npuInt8(Value v) {
  RankedTensorType t = rankedOf(v);
  auto q = t ? llvm::dyn_cast<quant::UniformQuantizedType>(t.getElementType())
             : quant::UniformQuantizedType();
  if (!q || q.getStorageTypeIntegralWidth() != 8 || q.getZeroPoint() != 0 ||
      t.getNumElements() == 0)
    return {};
  return q;
}

std::optional<int64_t> contiguousSliceOffset(graph::SliceOp slice) {
  auto in = llvm::dyn_cast<RankedTensorType>(slice.getInput().getType());
  auto out = llvm::dyn_cast<RankedTensorType>(slice.getOutput().getType());
  if (!in || !out || !in.hasStaticShape() || !out.hasStaticShape() ||
      in.getRank() != out.getRank())
    return std::nullopt;
  ArrayRef<int64_t> starts = slice.getStarts(), steps = slice.getSteps();
  int64_t rank = in.getRank(), offset = 0, stride = 1;
  bool inside = true; // still in the dimensions that must be whole
  for (int64_t d = rank - 1; d >= 0; --d) {
    int64_t size = out.getDimSize(d), full = in.getDimSize(d);
    if (steps[d] != 1 && size > 1)
      return std::nullopt;
    if (!inside && size != 1)
      return std::nullopt;
    if (size != full)
      inside = false; // the sliced dimension; outer ones must be single
    offset += starts[d] * stride;
    stride *= full;
  }
  return offset;
}

bool rowMajorEquivalent(RankedTensorType t) {
  return t.getRank() < 4 || (t.getRank() == 4 && t.getDimSize(2) == 1 &&
                             t.getDimSize(3) == 1);
}

graph::RequantizeOp fusableRequantize(Operation *conv) {
  if (!conv->hasOneUse())
    return {};
  auto rq = llvm::dyn_cast<graph::RequantizeOp>(*conv->getUsers().begin());
  if (!rq || !npuInt8(rq.getOutput()))
    return {};
  double sy = npuInt8(rq.getOutput()).getScale();
  for (double s : graph::quantScales(conv->getResult(0).getType())) {
    Multiplier m;
    if (!quantizeMultiplier(s / sy, m))
      return {};
  }
  return rq;
}

FailureOr<NpuConfig> loadPassNpuConfig(Operation *root, StringRef spec) {
  llvm::Expected<NpuConfig> config = loadNpuConfig(spec.str());
  if (!config)
    return mlir::emitError(root->getLoc(), llvm::toString(config.takeError()));
  return *config;
}

} // namespace gaon::npu

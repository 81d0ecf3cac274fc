//===- DeviceTensor.cpp - a tensor as the NPU stores it -------------------===//

#include "compiler/npu/DeviceTensor.h"

using namespace mlir;

namespace gaon::npu {

DevTensor devShape(RankedTensorType t) {
  DevTensor d;
  if (auto q = llvm::dyn_cast<quant::QuantizedType>(t.getElementType())) {
    d.eb = 1;
    d.elem = q.isSigned() ? tile::ElemType::i8 : tile::ElemType::u8;
  }
  ArrayRef<int64_t> s = t.getShape();
  if (s.size() == 4) {
    d.n = s[0];
    d.c = s[1];
    d.h = s[2];
    d.w = s[3];
  } else if (!s.empty()) {
    d.c = s.back();
    d.w = t.getNumElements() / std::max<int64_t>(d.c, 1);
  }
  return d;
}

DevTensor devRows(RankedTensorType t, tile::ElemType elem) {
  DevTensor d;
  d.elem = elem;
  d.eb = elem == tile::ElemType::f32 ? 4 : elem == tile::ElemType::bf16 ? 2 : 1;
  d.c = t.getRank() ? t.getShape().back() : 1;
  d.w = t.getNumElements() / std::max<int64_t>(d.c, 1);
  d.rows = t.getRank() == 4;
  return d;
}

DevTensor devTensorOf(tile::TensorOp t) {
  DevTensor d;
  d.sram = t.getMemory() == tile::Memory::sram;
  d.base = t.getBase();
  d.n = t.getN();
  d.h = t.getH();
  d.w = t.getW();
  d.c = t.getC();
  d.pad = t.getPad();
  d.elem = t.getElem();
  d.eb = d.elem == tile::ElemType::f32    ? 4
         : d.elem == tile::ElemType::bf16 ? kBf16
                                          : 1;
  d.rows = t.getRows();
  return d;
}

SegmentBinding bindingOf(RankedTensorType t, const DevTensor &d) {
  SegmentBinding b;
  b.deviceType = d.type();
  if (t.getRank() == 4 && !d.rows) {
    b.dram = d.pixel(0, 0, 0);
    b.sizes = {uint32_t(d.n), uint32_t(d.c), uint32_t(d.h), uint32_t(d.w)};
    b.strides = {int64_t(d.hp() * d.wp() * d.c * d.eb), d.eb,
                 int64_t(d.wp() * d.c * d.eb), int64_t(d.c * d.eb)};
    return b;
  }
  // Row-major: the logical shape's last up-to-4 dimensions, leading ones
  // folded into the first.
  ArrayRef<int64_t> s = t.getShape();
  std::array<int64_t, 4> sizes{1, 1, 1, 1};
  int r = s.size();
  for (int i = 0; i < r; ++i)
    sizes[std::max(0, 4 - r + i)] *= s[i]; // dimensions past 4 fold outward
  b.dram = d.base;
  int64_t stride = d.eb;
  for (int i = 3; i >= 0; --i) {
    b.sizes[i] = uint32_t(sizes[i]);
    b.strides[i] = stride;
    stride *= sizes[i];
  }
  return b;
}

} // namespace gaon::npu

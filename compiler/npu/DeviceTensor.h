//===- DeviceTensor.h - a tensor as the NPU stores it -----------*- C++ -*-===//
//
// Activations live channels-last (NHWC) with a zero halo, in DRAM or
// resident in SRAM; tile.tensor records one. This is the C++ view graph ->
// tile plans with, tile -> npu reads back, and the binary writer turns into
// the host's converting bindings.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_COMPILER_NPU_DEVICETENSOR_H
#define GAON_COMPILER_NPU_DEVICETENSOR_H

#include "compiler/npu/NpuCommon.h"
#include "dialects/tile/TileOps.h"
#include "targets/npu/isa/Isa.h"

#include <array>

namespace gaon::npu {

/// A bf16 (or 8-bit) activation in DRAM, or resident in core 0's SRAM: n
/// images of h x w pixels of c channels, channels-last, with a `pad`-pixel
/// zero halo around each image.
struct DevTensor {
  uint64_t base = 0;
  bool sram = false;
  int64_t n = 1, h = 1, w = 1, c = 1, pad = 0;
  int64_t eb = kBf16;         // element bytes
  // bf16, or i8 / u8: quantized, zero point 0; f32 (rotary tables)
  tile::ElemType elem = tile::ElemType::bf16;
  // A rank-4 host tensor stored row-major as rows of c (a KV cache), not
  // channels-last.
  bool rows = false;
  int64_t hp() const { return h + 2 * pad; }
  int64_t wp() const { return w + 2 * pad; }
  uint64_t bytes() const { return uint64_t(n) * hp() * wp() * c * eb; }
  /// The address of logical pixel (b, y, x); y and x may reach into the halo.
  uint64_t pixel(int64_t b, int64_t y, int64_t x) const {
    return base + uint64_t(((b * hp() + y + pad) * wp() + x + pad) * c * eb);
  }
  int64_t rowBytes() const { return wp() * c * eb; }
  ElemType type() const {
    return elem == tile::ElemType::i8    ? ElemType::I8
           : elem == tile::ElemType::u8  ? ElemType::U8
           : elem == tile::ElemType::f32 ? ElemType::F32
                                         : ElemType::BF16;
  }
};

/// The device form of a logical tensor: rank 4 is NCHW stored NHWC, other
/// ranks rows of their last dimension. No halo, no address yet.
DevTensor devShape(mlir::RankedTensorType t);
/// The row-major device form of a tensor: rows of its last dimension, of
/// `elem` (a KV cache in bf16, a rotary table in f32).
DevTensor devRows(mlir::RankedTensorType t,
                  tile::ElemType elem = tile::ElemType::bf16);
/// What a tile.tensor says.
DevTensor devTensorOf(tile::TensorOp op);

/// A host tensor's binding into device memory (schema NpuBinding): element
/// i of the row-major host tensor, as 4 sizes (leading dimensions folded
/// in), is at dram + sum(i_d * strides[d]) as `deviceType`.
struct SegmentBinding {
  uint64_t dram = 0;
  ElemType deviceType = ElemType::BF16;
  std::array<uint32_t, 4> sizes{1, 1, 1, 1};
  std::array<int64_t, 4> strides{0, 0, 0, 0};
};
SegmentBinding bindingOf(mlir::RankedTensorType logical, const DevTensor &d);

} // namespace gaon::npu

#endif // GAON_COMPILER_NPU_DEVICETENSOR_H

//===- NpuCommon.h - helpers every NPU pass shares --------------*- C++ -*-===//
//
// Reading graph values the way the NPU sees them (constants, quantized
// types, weight-only weights), source-node names for tags and reports, and
// the small arithmetic of addresses.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_COMPILER_NPU_NPUCOMMON_H
#define GAON_COMPILER_NPU_NPUCOMMON_H

#include "dialects/graph/GraphOps.h"
#include "targets/npu/NpuConfig.h"

#include "mlir/Dialect/Quant/QuantTypes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Location.h"

#include <string>
#include <vector>

namespace gaon::npu {

/// Device addresses and buffers are aligned to 64 bytes; activations are
/// bf16 unless quantized.
constexpr uint64_t kAlign = 64;
constexpr int64_t kBf16 = 2;

inline uint64_t alignUp(uint64_t v, uint64_t a = kAlign) {
  return (v + a - 1) / a * a;
}
inline int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// The ONNX node name(s) an op came from, joined by '+'.
std::string nodeName(mlir::Location loc);
/// The name of a fused group: its ops' distinct node names, joined by '+'.
std::string fusedGroupName(mlir::Operation *anchor,
                           llvm::ArrayRef<mlir::Operation *> fused);

/// `v`'s type if it is a statically shaped ranked tensor, else null.
mlir::RankedTensorType rankedOf(mlir::Value v);
bool isF32Tensor(mlir::Value v);
/// The constant `v` holds (looking through a storage cast, whose integers
/// are the constant's bytes), or null.
mlir::DenseElementsAttr constantOf(mlir::Value v);
/// A constant's f32 values, splats expanded.
std::vector<float> floatsOf(mlir::DenseElementsAttr attr);

/// The block_dequantize feeding a matmul the matrix engine reads as it is
/// (constant i8 or i4 [K, N], f32 scales in blocks of at least 4 rows along
/// K, no zero points, no other user), or null.
graph::BlockDequantizeOp weightOnlyOf(mlir::Value rhs);

/// The 8-bit per-tensor quantized type of `v` with zero point 0 (the NPU's
/// integer activations), or null.
mlir::quant::UniformQuantizedType npuInt8(mlir::Value v);

/// Rank 4 tensors are NCHW and live channels-last; the others are rows of
/// their last dimension. A tensor whose memory order is the same either way
/// (rank below 4, or H = W = 1) is "row-major equivalent": reshapes between
/// two such tensors move no data.
bool rowMajorEquivalent(mlir::RankedTensorType t);
/// The element offset of a slice that is one contiguous run of its input
/// in row-major order (steps 1; dimensions inside the sliced one whole,
/// those outside it of size 1): such a slice is a view, no data moves.
std::optional<int64_t> contiguousSliceOffset(graph::SliceOp slice);

/// The requantization after an integer convolution or matmul: its sole
/// user, if that is a graph.requantize the output stage can apply (8-bit per
/// tensor with zero point 0, every channel's ratio below 1).
graph::RequantizeOp fusableRequantize(mlir::Operation *conv);

/// The NPU configuration a pass option names (edge, server or a JSON file),
/// or an error on `root`.
mlir::FailureOr<NpuConfig> loadPassNpuConfig(mlir::Operation *root,
                                             llvm::StringRef spec);

} // namespace gaon::npu

#endif // GAON_COMPILER_NPU_NPUCOMMON_H

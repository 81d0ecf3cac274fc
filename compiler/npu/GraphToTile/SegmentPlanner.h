//===- SegmentPlanner.h - one NPU segment's plan (graph -> tile) -*- C++ -*-===//
//
// The planner of one run of NPU-placed graph ops, shared by the files of
// graph -> tile, each of which owns one concern:
//   Layout.cpp        device layouts, halos, aliases; the segment's tensors
//   Residency.cpp     which tensors stay in SRAM, weight prefetching
//   ConvTiling.cpp    convolutions and matmuls on the matrix engine
//   VectorTiling.cpp  elementwise, pooling and row ops on the vector engine
//
//===----------------------------------------------------------------------===//

#ifndef GAON_COMPILER_NPU_GRAPHTOTILE_SEGMENTPLANNER_H
#define GAON_COMPILER_NPU_GRAPHTOTILE_SEGMENTPLANNER_H

#include "compiler/npu/DeviceTensor.h"
#include "compiler/npu/Geometry.h"
#include "compiler/npu/Placement/AttentionGroup.h"
#include "compiler/npu/Placement/Placement.h"
#include "targets/npu/Requantize.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseSet.h"

namespace gaon::npu {

/// Working SRAM: a ring above the resident tensors, so consecutive ops use
/// different bytes where they can (the next op's loads then need not wait
/// for this op's reads).
class SramRing {
public:
  explicit SramRing(const NpuConfig &config) : limit(config.sramBytes) {}
  uint64_t take(uint64_t bytes) {
    bytes = alignUp(bytes);
    if (cursor + bytes > limit)
      cursor = start;
    uint64_t at = cursor;
    cursor += bytes;
    return at;
  }
  /// Starts an op's allocation; wraps early if its whole working set would
  /// not fit before the end of SRAM.
  void beginOp(uint64_t workingSet) {
    if (cursor + workingSet > limit)
      cursor = start;
  }
  /// SRAM below `at` holds resident tensors.
  void setStart(uint64_t at) { start = cursor = alignUp(at); }
  /// SRAM from `at` up holds prefetched weights.
  void setLimit(uint64_t at) { limit = at; }

private:
  uint64_t limit, start = 0, cursor = 0;
};

/// Weight-only weights: integers [K][N] and f32 scales [ceil(K / group)][N].
struct WeightOnlyStage {
  int bits = 8;
  int64_t group = 1;
  std::vector<int8_t> q;
  std::vector<float> scales;
};

/// An integer convolution's constants: int8 weights (OIHW), int32 biases,
/// and the output stage's per-channel requantization.
struct IntegerStage {
  std::vector<int8_t> weights;
  std::vector<int32_t> bias;
  std::vector<Multiplier> mults;
  int32_t zeroPoint = 0, clampLo = -128, clampHi = 127;
};

class SegmentPlanner {
public:
  SegmentPlanner(const PlacementMap &placement, const NpuConfig &config,
                 mlir::OpBuilder &builder, int cores)
      : placement(placement), config(config), builder(builder), cores(cores),
        rings(cores, SramRing(config)), ring(rings[0]) {}

  /// Plans `ops` (placed on the NPU, in program order; fused ops included)
  /// as one tile.segment at the builder's insertion point. `inputs` come
  /// from the host before the segment runs (its operands), `outputs` go
  /// back after (its results).
  mlir::FailureOr<tile::SegmentOp> run(llvm::ArrayRef<mlir::Operation *> ops,
                                         llvm::ArrayRef<mlir::Value> inputs,
                                         llvm::ArrayRef<mlir::Value> outputs);

private:
  // Layout.cpp
  mlir::Value root(mlir::Value v) const {
    auto it = alias.find(v);
    return it == alias.end() ? v : root(it->second);
  }
  const DevTensor &dev(mlir::Value v) { return tensors[v]; }
  mlir::FlatSymbolRefAttr sym(mlir::Value v) {
    return mlir::FlatSymbolRefAttr::get(builder.getContext(), names[v]);
  }
  mlir::IntegerAttr i64(int64_t v) { return builder.getI64IntegerAttr(v); }
  uint64_t allocDram(uint64_t bytes) {
    uint64_t at = dramTop;
    dramTop = alignUp(dramTop + bytes);
    return at;
  }
  uint64_t addConstant(const std::string &name,
                       const std::vector<char> &bytes);
  void load(uint64_t dram, uint64_t sram, uint64_t bytes, int core = 0);
  /// The value an anchor op's group produces: its last fused op's result.
  mlir::Value groupResult(mlir::Operation *anchor);
  bool fusedRelu(mlir::Operation *anchor);
  /// Fusion groups, aliases, halos and each root tensor's device shape.
  mlir::LogicalResult planLayouts(llvm::ArrayRef<mlir::Operation *> ops,
                                  llvm::ArrayRef<mlir::Value> inputs);
  /// Creates the tile.segment and its tensors; `params` (i64 operands)
  /// come after `inputs`.
  tile::SegmentOp createSegment(llvm::ArrayRef<mlir::Value> inputs,
                                  llvm::ArrayRef<mlir::Value> outputs,
                                  llvm::ArrayRef<mlir::Value> params);
  mlir::LogicalResult planAnchor(mlir::Operation *anchor);

  // Residency.cpp
  /// Places tensors in SRAM (resident) or DRAM; returns whether resident
  /// halos need the zero block.
  bool planResidency(llvm::ArrayRef<mlir::Value> inputs,
                     llvm::ArrayRef<mlir::Value> outputs);
  void planPrefetch();

  // ConvTiling.cpp
  mlir::LogicalResult planConvLike(mlir::Operation *anchor, mlir::Value input,
                                   const ConvGeom &g,
                                   const std::vector<float> &weights,
                                   bool weightsOIHW,
                                   const std::vector<float> *bias, float scale,
                                   const IntegerStage *integer = nullptr,
                                   const WeightOnlyStage *weightOnly = nullptr);
  mlir::LogicalResult planFloatConv(graph::ConvOp conv);
  mlir::LogicalResult planMatMul(graph::MatMulOp mm);
  mlir::LogicalResult planIntegerConv(mlir::Operation *op);

  // VectorTiling.cpp
  mlir::LogicalResult planElementwise(mlir::Operation *op);
  mlir::LogicalResult planMaxPool(graph::MaxPoolOp pool);
  mlir::LogicalResult planGlobalPool(graph::ReduceOp reduce);
  mlir::LogicalResult planRowOp(mlir::Operation *op);

  // AttentionTiling.cpp
  mlir::LogicalResult planAttention(graph::AttentionOp attention);

  const PlacementMap &placement;
  const NpuConfig &config;
  mlir::OpBuilder &builder;
  // With several cores, convolutions split their output channels across
  // them, every tensor lives in DRAM (cores exchange activations there),
  // and the other ops run on core 0.
  int cores;
  std::vector<SramRing> rings;
  SramRing &ring; // core 0's
  mlir::Location loc = builder.getUnknownLoc();
  llvm::SmallVector<mlir::Operation *> anchors;
  llvm::SmallVector<mlir::Value> roots;
  llvm::DenseMap<mlir::Value, mlir::Value> alias;
  /// A view's element offset into its alias source (slices; 0 for
  /// reshapes and updated caches).
  llvm::DenseMap<mlir::Value, int64_t> aliasElements;
  /// The convolution or matmul planned last (null after any other op) and
  /// the cores it ended at: the next may run beside it (ConvTiling.cpp).
  mlir::Operation *previousConv = nullptr;
  int64_t previousCoresEnd = 0;
  llvm::DenseMap<mlir::Value, DevTensor> tensors;
  llvm::DenseMap<mlir::Value, std::string> names;
  llvm::DenseMap<mlir::Operation *, llvm::SmallVector<mlir::Operation *>>
      fusedOf;
  std::vector<std::string> tags;
  uint32_t tag = 0;
  uint64_t dramTop = 0;
  uint64_t residentTop = 0;
  uint64_t zeroBlock = 0;
  static constexpr uint64_t kZeroBytes = 4096;
  // Weight prefetching (one core): integer layers whose weights load during
  // earlier layers into SRAM above the ring, and the op before which their
  // loads go.
  llvm::DenseMap<mlir::Operation *, mlir::Operation *> prefetchBefore;
  llvm::DenseMap<mlir::Operation *, int64_t> prefetchTag;
  uint64_t prefetchTop = 0;
  /// Per anchor, the last tile op before its own (null: none).
  llvm::DenseMap<mlir::Operation *, mlir::Operation *> tileOpOf;
  mlir::Block *planBlock = nullptr;
  /// Attention anchors and the chains fused into them.
  llvm::DenseMap<mlir::Operation *, AttentionGroup> attentionGroups;
  /// Roots read by row walks through DMA (attention's operands): never
  /// resident.
  llvm::DenseSet<mlir::Value> dramOnly;
  /// Run-time parameter operands (a decoder's positions): the first
  /// parameter each fills, and the values the program is valid for.
  struct ParamInput {
    int64_t first = 0, min = 0, max = 0;
  };
  llvm::DenseMap<mlir::Value, ParamInput> params;
};

} // namespace gaon::npu

#endif // GAON_COMPILER_NPU_GRAPHTOTILE_SEGMENTPLANNER_H

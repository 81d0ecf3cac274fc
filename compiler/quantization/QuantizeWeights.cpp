//===- QuantizeWeights.cpp - weight-only int8/int4 quantization -----------===//
//
// gaon-quantize-weights: a matmul's constant f32 weights [K, N] become
// symmetric integers with one scale per (block of K rows, column), read
// through graph.block_dequantize. LLM decoders spend their time reading
// weights, so halving or quartering their bytes is what speeds them up; the
// activations stay float, so there is nothing to calibrate.
//
//===----------------------------------------------------------------------===//

#include "compiler/quantization/Passes.h"

#include "compiler/conversion/OnnxToGraph/OnnxToGraph.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace gaon {
#define GEN_PASS_DEF_QUANTIZEWEIGHTS
#include "compiler/quantization/Passes.h.inc"
} // namespace gaon

using namespace mlir;
using namespace gaon::graph;

namespace gaon {

LogicalResult checkKeepFloatNames(Operation *root,
                                  ArrayRef<std::string> names) {
  if (names.empty())
    return success();
  std::set<std::string> known;
  std::vector<std::string> examples;
  root->walk([&](Operation *op) {
    std::string name = onnxNodeName(op->getLoc());
    if (name != "<unnamed>" && known.insert(name).second &&
        examples.size() < 5 && llvm::isa<MatMulOp, ConvOp>(op))
      examples.push_back(name);
  });
  for (const std::string &name : names)
    if (!known.count(name)) {
      std::string some;
      for (const std::string &e : examples)
        some += (some.empty() ? "'" : ", '") + e + "'";
      return emitError(root->getLoc(), "--keep-float names '")
             << name << "', which is no node of the model; give ONNX node "
             << "names" << (some.empty() ? "" : " (matmuls and convolutions: ")
             << some << (some.empty() ? "" : ", ...)");
    }
  return success();
}

namespace {

/// The scale of one block's values `w` (count `n`, `stride` apart) at
/// `qmax`: the max-abs scale, or a smaller one where clipping the largest
/// weights lowers the block's squared error.
float chooseScale(const float *w, int64_t n, int64_t stride, int qmax) {
  float amax = 0;
  for (int64_t i = 0; i < n; ++i)
    amax = std::max(amax, std::fabs(w[i * stride]));
  if (amax == 0)
    return 1.0f; // all zeros: any scale is exact
  float best = amax / qmax;
  double bestError = -1;
  for (int step = 0; step <= 15; ++step) {
    float scale = amax * (1.0f - 0.02f * step) / qmax;
    double error = 0;
    for (int64_t i = 0; i < n; ++i) {
      float v = w[i * stride];
      float q =
          std::clamp(std::nearbyint(v / scale), float(-qmax), float(qmax));
      double d = double(q) * scale - v;
      error += d * d;
    }
    if (bestError < 0 || error < bestError) {
      bestError = error;
      best = scale;
    }
  }
  return best;
}

struct QuantizeWeightsPass : impl::QuantizeWeightsBase<QuantizeWeightsPass> {
  using QuantizeWeightsBase::QuantizeWeightsBase;

  void runOnOperation() override {
    if (bits != 8 && bits != 4) {
      getOperation().emitError("gaon-quantize-weights: bits must be 8 or 4, "
                               "got ")
          << int(bits);
      return signalPassFailure();
    }
    if (groupSize < 1) {
      getOperation().emitError("gaon-quantize-weights: group-size must be at "
                               "least 1, got ")
          << int64_t(groupSize);
      return signalPassFailure();
    }
    std::set<std::string> keep(keepFloat.begin(), keepFloat.end());
    int qmax = bits == 8 ? 127 : 7;
    getOperation().walk([&](MatMulOp mm) {
      // Names as --quantize=int8's --keep-float reads them.
      if (keep.count(onnxNodeName(mm.getLoc())))
        return;
      auto constant = mm.getRhs().getDefiningOp<ConstantOp>();
      auto type = llvm::dyn_cast<RankedTensorType>(mm.getRhs().getType());
      auto lhs = llvm::dyn_cast<RankedTensorType>(mm.getLhs().getType());
      if (!constant || !type || !lhs || type.getRank() != 2 ||
          !type.getElementType().isF32() || !lhs.getElementType().isF32() ||
          !type.hasStaticShape())
        return;
      auto dense = llvm::dyn_cast<DenseElementsAttr>(constant.getValue());
      if (!dense)
        return;
      int64_t k = type.getDimSize(0), n = type.getDimSize(1);
      int64_t block = std::min<int64_t>(groupSize, k);
      int64_t blocks = (k + block - 1) / block;
      std::vector<float> w(dense.getValues<float>().begin(),
                           dense.getValues<float>().end());
      std::vector<float> scales(uint64_t(blocks) * n);
      std::vector<APInt> q(w.size());
      for (int64_t b = 0; b < blocks; ++b) {
        int64_t k0 = b * block, rows = std::min(block, k - k0);
        for (int64_t c = 0; c < n; ++c) {
          const float *col = w.data() + k0 * n + c;
          float s = chooseScale(col, rows, n, qmax);
          scales[b * n + c] = s;
          for (int64_t r = 0; r < rows; ++r) {
            float v = std::clamp(std::nearbyint(col[r * n] / s), float(-qmax),
                                 float(qmax));
            q[(k0 + r) * n + c] = APInt(bits, int64_t(v), /*isSigned=*/true);
          }
        }
      }
      OpBuilder builder(mm);
      Location loc = constant.getLoc();
      auto intType = RankedTensorType::get(
          type.getShape(), IntegerType::get(&getContext(), bits));
      auto scaleType = RankedTensorType::get({blocks, n}, builder.getF32Type());
      Value stored =
          builder.create<ConstantOp>(loc, DenseElementsAttr::get(intType, q));
      Value scaleValue = builder.create<ConstantOp>(
          loc, DenseElementsAttr::get(scaleType, ArrayRef<float>(scales)));
      // The dequantization carries the matmul's name: it is part of that
      // node's work (the NPU fuses it into the matmul).
      Value weights = builder.create<BlockDequantizeOp>(
          mm.getLoc(), type, stored, scaleValue, Value(),
          builder.getI64IntegerAttr(0), builder.getI64IntegerAttr(block));
      mm.getRhsMutable().assign(weights);
      if (constant->use_empty())
        constant->erase();
    });
  }
};

} // namespace
} // namespace gaon

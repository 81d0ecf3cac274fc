//===- ExposeIntegerTensors.cpp - every 8-bit tensor as an output ---------===//
//
// For cross-target checks: the entry function also returns each 8-bit
// quantized tensor the graph computes, so a comparison of two runs covers
// every intermediate integer result, not just the model's outputs.
//
//===----------------------------------------------------------------------===//

#include "compiler/quantization/Passes.h"

#include "compiler/conversion/OnnxToGraph/OnnxToGraph.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/TypeUtilities.h"

namespace gaon {
#define GEN_PASS_DEF_EXPOSEINTEGERTENSORS
#include "compiler/quantization/Passes.h.inc"
} // namespace gaon

using namespace mlir;
using namespace gaon::graph;

namespace gaon {
namespace {

bool isEightBitQuantized(Type t) {
  auto q = llvm::dyn_cast<quant::QuantizedType>(getElementTypeOrSelf(t));
  return q && q.getStorageTypeIntegralWidth() == 8;
}

struct ExposeIntegerTensorsPass
    : impl::ExposeIntegerTensorsBase<ExposeIntegerTensorsPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      auto ret = llvm::cast<func::ReturnOp>(func.getBody().back().getTerminator());
      llvm::SmallPtrSet<Value, 16> returned(ret.getOperands().begin(),
                                            ret.getOperands().end());
      SmallVector<Value> extra;
      SmallVector<std::string> names;
      func.walk([&](Operation *op) {
        // Weights: constants, and constants given a quantized type.
        if (llvm::isa<ConstantOp>(op) ||
            (llvm::isa<StorageCastOp>(op) &&
             op->getOperand(0).getDefiningOp<ConstantOp>()))
          return;
        if (op->getDialect() == nullptr ||
            op->getDialect()->getNamespace() != "graph")
          return;
        for (OpResult r : op->getResults()) {
          if (!isEightBitQuantized(r.getType()) || returned.count(r))
            continue;
          extra.push_back(r);
          names.push_back(onnxNodeName(op->getLoc()) + ":" +
                          std::to_string(r.getResultNumber()));
        }
      });
      if (extra.empty())
        continue;
      unsigned first = ret.getNumOperands();
      ret->insertOperands(first, extra);
      SmallVector<Type> results(func.getResultTypes());
      for (Value v : extra)
        results.push_back(v.getType());
      func.setType(FunctionType::get(&getContext(),
                                     func.getArgumentTypes(), results));
      for (auto [i, name] : llvm::enumerate(names))
        func.setResultAttr(first + i, "onnx.name",
                           StringAttr::get(&getContext(), name));
    }
  }
};

} // namespace
} // namespace gaon

//===- TileToNpu.cpp - the tile -> npu lowering as a pass -----------------===//
//
// `gaon-opt --gaon-tile-to-npu[=npu-config=edge|server|FILE.json]` replaces
// every tile.segment with the npu.program it lowers to, so that the step is
// lit-tested on its own (gaonc runs the same code inside its binary writer).
//
//===----------------------------------------------------------------------===//

#include "targets/npu/compiler/TileToNpu.h"

#include "targets/npu/NpuConfigJson.h"
#include "targets/npu/compiler/NpuLowering.h"
#include "targets/npu/compiler/NpuProgramIR.h"
#include "dialects/npu/NpuOps.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/Error.h"

using namespace mlir;

namespace gaon::npu {
namespace {

struct TileToNpuPass
    : public PassWrapper<TileToNpuPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(TileToNpuPass)

  TileToNpuPass() = default;
  TileToNpuPass(const TileToNpuPass &other) : PassWrapper(other) {}

  StringRef getArgument() const override { return "gaon-tile-to-npu"; }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<npuir::NpuDialect>();
  }
  StringRef getDescription() const override {
    return "Lower tile.segment plans to npu.program instructions";
  }

  Option<std::string> npuConfig{
      *this, "npu-config",
      llvm::cl::desc("NPU configuration: edge, server or a JSON file"),
      llvm::cl::init("edge")};

  void runOnOperation() override {
    llvm::Expected<NpuConfig> config = loadNpuConfig(npuConfig);
    if (!config) {
      getOperation().emitError(llvm::toString(config.takeError()));
      return signalPassFailure();
    }
    SmallVector<tileir::SegmentOp> segments;
    getOperation().walk([&](tileir::SegmentOp s) { segments.push_back(s); });
    for (tileir::SegmentOp segment : segments) {
      Program program;
      if (failed(emitSegment(segment, *config, program)))
        return signalPassFailure();
      OpBuilder builder(segment);
      buildProgramOp(builder, segment.getLoc(), program);
      segment.erase();
    }
  }
};

} // namespace

void registerTileToNpuPass() { PassRegistration<TileToNpuPass>(); }

} // namespace gaon::npu

//===- TileToNpu.cpp - gaon-tile-to-npu -----------------------------------===//
//
// Each tile.segment's tiled ops become one npu.program in the segment,
// through one conversion pattern per op (this file, ConvToNpu.cpp and
// VectorToNpu.cpp) sharing a SegmentLowering; Sync.h derives the
// semaphores.
//
//===----------------------------------------------------------------------===//

#include "compiler/npu/NpuCommon.h"
#include "compiler/npu/Passes.h"
#include "compiler/npu/TileToNpu/SegmentLowering.h"
#include "dialects/npu/NpuOps.h"
#include "dialects/npu/NpuProgram.h"

namespace gaon {
#define GEN_PASS_DEF_TILETONPU
#include "compiler/npu/Passes.h.inc"
} // namespace gaon

using namespace mlir;

namespace gaon::npu {

LogicalResult SegmentLowering::begin(tile::SegmentOp segment) {
  program.tags.clear();
  for (Attribute t : segment.getTags())
    program.tags.push_back(llvm::cast<StringAttr>(t).str());
  program.dramBytes = uint64_t(segment.getDramBytes());
  program.params = 0;
  if (auto params = segment.getParamInputs()) {
    for (size_t i = 0; i + 3 < params->size(); i += 4) {
      int64_t operand = (*params)[i], first = (*params)[i + 1];
      if (operand < 0 || operand >= int64_t(segment.getInputs().size()) ||
          first < 0)
        return segment.emitOpError("param_inputs names operand ")
               << operand << " of " << segment.getInputs().size();
      auto type =
          llvm::cast<RankedTensorType>(segment.getInputs()[operand].getType());
      if (!type.getElementType().isInteger(64) || !type.hasStaticShape())
        return segment.emitOpError("parameter operand ")
               << operand << " must be a static i64 tensor, not " << type;
      program.params = std::max<uint32_t>(
          program.params, uint32_t(first + type.getNumElements()));
    }
  }
  int64_t coreCount = segment.getCores();
  if (coreCount < 1 || coreCount > config.cores)
    return segment.emitOpError("plans for ")
           << coreCount << " cores; the " << config.name << " NPU has "
           << config.cores;
  program.cores = int(coreCount);
  program.queues.assign(coreCount, {});
  for (int64_t c = 0; c < coreCount; ++c)
    cores.push_back(std::make_unique<Emitter>(program, uint32_t(c)));
  if (uint64_t(segment.getResidentBytes()) > uint64_t(config.sramBytes))
    return segment.emitOpError("resident tensors take ")
           << segment.getResidentBytes() << " bytes; the " << config.name
           << " NPU has " << config.sramBytes << " bytes of SRAM per core";
  for (Operation &op : segment.getBody().front()) {
    if (auto t = llvm::dyn_cast<tile::TensorOp>(op)) {
      tensors[t.getSymName()] = devTensorOf(t);
      continue;
    }
    if (auto c = llvm::dyn_cast<tile::ConstantOp>(op))
      constantRanges.push_back(
          {uint64_t(c.getDram()), uint64_t(c.getDram() + c.getBytes())});
    // Constants' data travels beside the program; everything else is work
    // a pattern lowers.
    if (!llvm::isa<tile::ConstantOp, tile::LoadOp, tile::ZeroOp,
                   tile::ConvOp, tile::EltwiseOp, tile::MaxPoolOp,
                   tile::GlobalPoolOp, tile::RowsOp, tile::AttentionOp>(op))
      return op.emitOpError("has no NPU lowering");
  }
  return success();
}

LogicalResult SegmentLowering::beginOp(Operation *op) {
  // One source node's ops run together; the next node's wait for all
  // cores.
  int64_t tag = op->getAttrOfType<IntegerAttr>("tag").getInt();
  auto coreAttr = op->getAttrOfType<IntegerAttr>("core");
  int64_t core = coreAttr ? coreAttr.getInt() : 0;
  if (core >= int64_t(cores.size()))
    return op->emitOpError("runs on core ")
           << core << " of a " << cores.size() << "-core segment";
  // (An op planned to run beside the one before it, on other cores and
  // not reading its result, needs no barrier.)
  if (cores.size() > 1 && lastTag >= 0 && tag != lastTag &&
      !op->hasAttr("concurrent"))
    barrier();
  lastTag = tag;
  current = cores[core].get();
  current->setTag(uint32_t(tag));
  return success();
}

void SegmentLowering::finish() {
  for (auto &c : cores)
    c->finish();
}

void SegmentLowering::barrier() {
  uint32_t n = cores.size();
  ++barriers;
  for (uint32_t c = 0; c < n; ++c) {
    cores[c]->finish();
    // A core with no stores since the last barrier would otherwise signal
    // this one at once, and the counts of two barriers would mix: another
    // core could pass this barrier on its signals while a third is still
    // storing. So the store engine first sees the previous barrier pass.
    if (barriers > 1) {
      Instruction previous;
      previous.opcode = Opcode::Wait;
      previous.semaphore = kBarrierSemaphore;
      previous.value = (barriers - 1) * n;
      cores[c]->push(Engine::Store, previous);
    }
    for (uint32_t to = 0; to < n; ++to) {
      Instruction s;
      s.opcode = Opcode::Signal;
      s.semaphore = kBarrierSemaphore;
      s.core = to;
      cores[c]->push(Engine::Store, s);
    }
    cores[c]->deferBarrierWait(kBarrierSemaphore, barriers * n,
                               &constantRanges);
  }
}

void SegmentLowering::lowerLoad(tile::LoadOp op) {
  current->access(Engine::Load, {sramRange(op.getSram(), op.getBytes(), true)});
  current->dma(true, dmaFlat(op.getDram(), op.getSram(), op.getBytes()));
  current->endStep(Engine::Load);
}

void SegmentLowering::lowerZero(tile::ZeroOp op) {
  const DevTensor &t = dev(op.getTargetAttr());
  uint64_t zeros = op.getZeros(), zeroBytes = op.getZerosBytes();
  uint64_t bytes = t.bytes();
  current->access(Engine::Vector, {sramRange(zeros, zeroBytes, false),
                               sramRange(t.base, bytes, true)});
  uint64_t rows = bytes / zeroBytes;
  // Copies move bits whatever the type; bf16 moves two bytes an element,
  // bytes stay for tensors of odd size.
  int64_t unit = bytes % kBf16 ? 1 : kBf16;
  VectorDesc v;
  v.op = VecOp::Copy;
  v.type = unit == 1 ? ElemType::U8 : ElemType::BF16;
  v.a = zeros;
  v.aStride = 0;
  if (rows) {
    v.n = zeroBytes / unit;
    v.outer = uint32_t(rows);
    v.y = t.base;
    v.yStride = int64_t(zeroBytes);
    current->vector(v);
  }
  if (uint64_t rest = bytes - rows * zeroBytes) {
    v.n = rest / unit;
    v.outer = 1;
    v.y = t.base + rows * zeroBytes;
    current->vector(v);
  }
  current->endStep(Engine::Vector);
}

namespace {

/// Lowers one tiled op through the segment's shared state, then erases it.
template <typename TileOp, void (SegmentLowering::*Lower)(TileOp)>
struct TileOpLowering : OpConversionPattern<TileOp> {
  TileOpLowering(MLIRContext *ctx, SegmentLowering &state)
      : OpConversionPattern<TileOp>(ctx), state(state) {}

  LogicalResult
  matchAndRewrite(TileOp op, typename TileOp::Adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(state.beginOp(op)))
      return failure();
    (state.*Lower)(op);
    rewriter.eraseOp(op);
    return success();
  }

  SegmentLowering &state;
};

} // namespace

void populateTileToNpuPatterns(RewritePatternSet &patterns,
                               SegmentLowering &state) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<TileOpLowering<tile::LoadOp, &SegmentLowering::lowerLoad>,
               TileOpLowering<tile::ZeroOp, &SegmentLowering::lowerZero>,
               TileOpLowering<tile::ConvOp, &SegmentLowering::lowerConv>,
               TileOpLowering<tile::EltwiseOp,
                              &SegmentLowering::lowerEltwise>,
               TileOpLowering<tile::MaxPoolOp,
                              &SegmentLowering::lowerMaxPool>,
               TileOpLowering<tile::GlobalPoolOp,
                              &SegmentLowering::lowerGlobalPool>,
               TileOpLowering<tile::RowsOp, &SegmentLowering::lowerRows>,
               TileOpLowering<tile::AttentionOp,
                              &SegmentLowering::lowerAttention>>(ctx, state);
}

/// Lowers `segment`'s work into `program`, leaving its tensors and
/// constants, and puts the npu.program at the end of its body.
LogicalResult lowerSegmentToNpu(tile::SegmentOp segment,
                                const NpuConfig &config) {
  Program program;
  SegmentLowering state(config, program);
  if (failed(state.begin(segment)))
    return failure();
  MLIRContext *ctx = segment.getContext();
  RewritePatternSet patterns(ctx);
  populateTileToNpuPatterns(patterns, state);
  ConversionTarget target(*ctx);
  target.addLegalOp<tile::SegmentOp, tile::TensorOp, tile::ConstantOp>();
  target.addIllegalOp<tile::LoadOp, tile::ZeroOp, tile::ConvOp,
                      tile::EltwiseOp, tile::MaxPoolOp,
                      tile::GlobalPoolOp, tile::RowsOp, tile::AttentionOp>();
  if (failed(applyPartialConversion(segment, target, std::move(patterns))))
    return failure();
  state.finish();
  OpBuilder builder(ctx);
  builder.setInsertionPointToEnd(&segment.getBody().front());
  buildProgramOp(builder, segment.getLoc(), program);
  return success();
}

} // namespace gaon::npu

namespace gaon {
namespace {

struct TileToNpuPass : impl::TileToNpuBase<TileToNpuPass> {
  using TileToNpuBase::TileToNpuBase;

  void runOnOperation() override {
    FailureOr<npu::NpuConfig> config =
        npu::loadPassNpuConfig(getOperation(), npuConfig);
    if (failed(config))
      return signalPassFailure();
    SmallVector<tile::SegmentOp> segments;
    getOperation().walk([&](tile::SegmentOp s) { segments.push_back(s); });
    for (tile::SegmentOp segment : segments)
      if (failed(npu::lowerSegmentToNpu(segment, *config)))
        return signalPassFailure();
  }
};

} // namespace
} // namespace gaon

//===- NpuOps.cpp - the Gaon NPU's instruction set ------------------------===//
//
// Verifiers hold each instruction to docs/npu.md: what the simulator would
// refuse at run time because of a malformed instruction is refused here,
// at compile time, on the op. (Addresses against SRAM and DRAM sizes depend
// on the configuration and are checked by the simulator.)
//
//===----------------------------------------------------------------------===//

#include "dialects/npu/NpuOps.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace gaon::npuir;

#include "dialects/npu/NpuDialect.cpp.inc"
#include "dialects/npu/NpuEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/npu/NpuAttrs.cpp.inc"

void NpuDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/npu/NpuAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "dialects/npu/NpuOps.cpp.inc"
      >();
}

namespace {

constexpr int64_t kSemaphores = 32, kMaxCores = 1024;

ProgramOp programOf(Operation *op) {
  return op->getParentOfType<ProgramOp>();
}

/// The tag must name one of the program's source nodes.
LogicalResult verifyTag(Operation *op, int64_t tag) {
  ProgramOp program = programOf(op);
  if (program && (tag < 0 || tag >= (int64_t)program.getTags().size()))
    return op->emitOpError("tag ")
           << tag << " names no source node (the program has "
           << program.getTags().size() << " tags)";
  return success();
}

LogicalResult nonNegative(Operation *op, StringRef name, int64_t v) {
  if (v < 0)
    return op->emitOpError() << name << " must be non-negative, got " << v;
  return success();
}

} // namespace

LogicalResult ProgramOp::verify() {
  if (getCores() < 1 || getCores() > kMaxCores)
    return emitOpError("cores must be in [1, ")
           << kMaxCores << "], got " << getCores();
  if (getDramBytes() < 0)
    return emitOpError("dram_bytes must be non-negative");
  llvm::DenseSet<std::pair<int64_t, int64_t>> seen;
  for (Operation &op : getBody().front()) {
    auto queue = dyn_cast<QueueOp>(op);
    if (!queue)
      return op.emitOpError("is not a queue; a program holds only npu.queue "
                            "ops");
    if (queue.getCore() < 0 || queue.getCore() >= getCores())
      return queue.emitOpError("core ")
             << queue.getCore() << " is not one of the program's "
             << getCores() << " cores";
    if (!seen.insert({queue.getCore(), int64_t(queue.getEngine())}).second)
      return queue.emitOpError("is the second ")
             << stringifyEngine(queue.getEngine()) << " queue of core "
             << queue.getCore();
  }
  return success();
}

LogicalResult QueueOp::verify() {
  for (Operation &op : getBody().front()) {
    std::optional<Engine> needs =
        llvm::TypeSwitch<Operation *, std::optional<Engine>>(&op)
            .Case<DmaLoadOp>([](auto) { return Engine::load; })
            .Case<DmaStoreOp>([](auto) { return Engine::store; })
            .Case<MatMulOp>([](auto) { return Engine::matrix; })
            .Case<VectorOp>([](auto) { return Engine::vector; })
            .Default([](auto) { return std::nullopt; });
    if (needs && *needs != getEngine())
      return op.emitOpError("runs on the ")
             << stringifyEngine(*needs) << " engine, not in a "
             << stringifyEngine(getEngine()) << " queue";
  }
  return success();
}

template <typename DmaOp> static LogicalResult verifyDma(DmaOp op) {
  if (op.getSizes().size() != 4 || op.getDramStrides().size() != 4 ||
      op.getSramStrides().size() != 4)
    return op.emitOpError("needs 4 sizes and 4 strides per side (outermost "
                          "first; pad unused dimensions with size 1)");
  for (int64_t size : op.getSizes())
    if (size < 1 || size > UINT32_MAX)
      return op.emitOpError("sizes must be in [1, 2^32), got ") << size;
  if (op.getElemBytes() < 1 || op.getElemBytes() > 8)
    return op.emitOpError("elem_bytes must be 1 to 8, got ")
           << op.getElemBytes();
  if (failed(nonNegative(op, "dram", op.getDram())) ||
      failed(nonNegative(op, "sram", op.getSram())))
    return failure();
  return verifyTag(op, op.getTag());
}

LogicalResult DmaLoadOp::verify() { return verifyDma(*this); }
LogicalResult DmaStoreOp::verify() { return verifyDma(*this); }

LogicalResult MatMulOp::verify() {
  for (auto [name, v] : {std::pair{"m", getM()}, {"n", getN()}, {"k", getK()}})
    if (v < 1 || v > UINT32_MAX)
      return emitOpError() << name << " must be in [1, 2^32), got " << v;
  if (getAOuter() * getAInner() != getM())
    return emitOpError("a_outer * a_inner must equal m: ")
           << getAOuter() << " * " << getAInner() << " != " << getM();
  for (auto [name, v] : {std::pair{"a", getA()}, {"b", getB()}, {"c", getC()}})
    if (failed(nonNegative(*this, name, v)))
      return failure();
  bool integer = getMode() == MatMode::i8xi8 || getMode() == MatMode::u8xi8;
  bool weightOnly =
      getMode() == MatMode::bf16xi8 || getMode() == MatMode::bf16xi4;
  if (weightOnly != (getScales().has_value() && getGroup().has_value()) ||
      (!weightOnly && (getScales() || getGroup())))
    return emitOpError(weightOnly ? "a weight-only mode needs `scales` and "
                                    "`group`"
                                  : "only weight-only modes (bf16xi8, "
                                    "bf16xi4) take `scales` and `group`");
  if (weightOnly) {
    if (failed(nonNegative(*this, "scales", *getScales())))
      return failure();
    if (*getGroup() < 1 || *getGroup() > UINT32_MAX)
      return emitOpError("group must be in [1, 2^32), got ") << *getGroup();
  }
  if (!getOut()) {
    if (getOutType() || getBias() || getRequant() || getRelu() || getScale() ||
        getOutOuterStride())
      return emitOpError("has output-stage attributes but no `out`");
    return verifyTag(*this, getTag());
  }
  if (!getOutType() || !getOutRowStride())
    return emitOpError("with `out` needs out_type and out_row_stride");
  ElemType out = *getOutType();
  if (integer && out != ElemType::i8 && out != ElemType::u8 &&
      out != ElemType::i32)
    return emitOpError("an integer matmul stores i8, u8 or i32, not ")
           << stringifyElemType(out);
  if (!integer && out != ElemType::bf16 && out != ElemType::f32)
    return emitOpError("a bf16 matmul stores bf16 or f32, not ")
           << stringifyElemType(out);
  bool requantized = integer && out != ElemType::i32;
  if (requantized != bool(getRequant()))
    return emitOpError(requantized
                           ? "stores 8-bit results, so it needs `requant`"
                           : "does not requantize, so it takes no `requant`");
  if (getRelu() && integer)
    return emitOpError("relu is for bf16 matmuls; an integer one clamps with "
                       "clamp_lo");
  if (getScale() && integer)
    return emitOpError("scale is for bf16 matmuls; an integer one scales by "
                       "its requantization multipliers");
  if (getScale() && !std::isfinite(getScale()->convertToFloat()))
    return emitOpError("scale must be finite");
  if (requantized) {
    int64_t lo = out == ElemType::u8 ? 0 : -128, hi = out == ElemType::u8 ? 255 : 127;
    if (getClampLo() < lo || getClampHi() > hi || getClampLo() > getClampHi())
      return emitOpError("clamp [")
             << getClampLo() << ", " << getClampHi() << "] must lie within "
             << stringifyElemType(out) << "'s [" << lo << ", " << hi << "]";
  }
  return verifyTag(*this, getTag());
}

LogicalResult VectorOp::verify() {
  if (getN() < 0)
    return emitOpError("n must be non-negative, got ") << getN();
  if (getBStep() != 0 && getBStep() != 1)
    return emitOpError("b_step must be 0 (broadcast) or 1, got ")
           << getBStep();
  if (getOuter() < 1 || getOuter() > UINT32_MAX)
    return emitOpError("outer must be in [1, 2^32), got ") << getOuter();
  VecOp op = getOp();
  ElemType type = getType();
  bool function = op == VecOp::exp || op == VecOp::rsqrt ||
                  op == VecOp::recip || op == VecOp::row_sum ||
                  op == VecOp::row_max;
  if (function && type != ElemType::f32 && type != ElemType::bf16)
    return emitOpError() << stringifyVecOp(op) << " takes f32 or bf16, not "
                         << stringifyElemType(type);
  if (op == VecOp::to_f32 && type != ElemType::bf16)
    return emitOpError("to_f32 converts bf16, not ") << stringifyElemType(type);
  if (op == VecOp::to_bf16 && type != ElemType::f32)
    return emitOpError("to_bf16 converts f32, not ") << stringifyElemType(type);
  bool integer = op == VecOp::requant || op == VecOp::qadd;
  bool converts = op == VecOp::quantize || op == VecOp::dequantize;
  auto is8 = [](ElemType t) { return t == ElemType::i8 || t == ElemType::u8; };
  if (converts != bool(getScale()))
    return emitOpError("scale belongs to quantize and dequantize, which need "
                       "it");
  if (converts) {
    bool q = op == VecOp::quantize;
    auto isFloat = [](ElemType t) {
      return t == ElemType::bf16 || t == ElemType::f32;
    };
    if (!getOutType() || (q ? !(isFloat(type) && is8(*getOutType()))
                            : !(is8(type) && isFloat(*getOutType()))))
      return emitOpError(q ? "quantize reads bf16 or f32 and writes i8 or u8 "
                             "(out_type)"
                           : "dequantize reads i8 or u8 and writes bf16 or "
                             "f32 (out_type)");
    float scale = getScale()->convertToFloat();
    if (!std::isfinite(scale) || !(scale > 0))
      return emitOpError("scale must be finite and above 0");
    int64_t lo = *getOutType() == ElemType::u8 ? 0 : -128, hi = lo + 255;
    if (q && (getClampLo() < lo || getClampHi() > hi ||
              getClampLo() > getClampHi()))
      return emitOpError("clamp [") << getClampLo() << ", " << getClampHi()
                                    << "] must lie within [" << lo << ", "
                                    << hi << "]";
    if (std::abs(getZeroA()) > 255 || std::abs(getZeroY()) > 255)
      return emitOpError("zero points must be within [-255, 255]");
    return verifyTag(*this, getTag());
  }
  if (!integer && (getBType() || getOutType()))
    return emitOpError("b_type and out_type belong to requant, qadd, "
                       "quantize and dequantize");
  if (integer) {
    if (op == VecOp::requant && !is8(type) && type != ElemType::i32)
      return emitOpError("requant reads i32, i8 or u8, not ")
             << stringifyElemType(type);
    if (op == VecOp::qadd && (!is8(type) || !getBType() || !is8(*getBType())))
      return emitOpError("qadd reads i8 or u8 operands (a's type, b_type)");
    if (!getOutType() || !is8(*getOutType()))
      return emitOpError("requant and qadd write i8 or u8 (out_type)");
    int64_t lo = *getOutType() == ElemType::u8 ? 0 : -128, hi = lo + 255;
    if (getClampLo() < lo || getClampHi() > hi || getClampLo() > getClampHi())
      return emitOpError("clamp [") << getClampLo() << ", " << getClampHi()
                                    << "] must lie within [" << lo << ", "
                                    << hi << "]";
    if (getMultiplier() < 0 || getMultiplier() > INT32_MAX ||
        getShift() < 0 || getShift() > 31)
      return emitOpError("multiplier must be in [0, 2^31) and shift in "
                         "[0, 31]");
    if (std::abs(getMulA()) > (1 << 20) || std::abs(getMulB()) > (1 << 20))
      return emitOpError("qadd's operand multipliers must be at most 2^20");
    if (std::abs(getZeroA()) > 255 || std::abs(getZeroB()) > 255 ||
        std::abs(getZeroY()) > 255)
      return emitOpError("zero points must be within [-255, 255]");
  }
  return verifyTag(*this, getTag());
}

LogicalResult SignalOp::verify() {
  if (getSemaphore() < 0 || getSemaphore() >= kSemaphores)
    return emitOpError("semaphore must be in [0, ")
           << kSemaphores << "), got " << getSemaphore();
  ProgramOp program = programOf(*this);
  if (program && (getCore() < 0 || getCore() >= program.getCores()))
    return emitOpError("signals core ")
           << getCore() << " of a " << program.getCores() << "-core program";
  return verifyTag(*this, getTag());
}

LogicalResult WaitOp::verify() {
  if (getSemaphore() < 0 || getSemaphore() >= kSemaphores)
    return emitOpError("semaphore must be in [0, ")
           << kSemaphores << "), got " << getSemaphore();
  if (getValue() < 1)
    return emitOpError("waits for a count of at least 1, got ") << getValue();
  return verifyTag(*this, getTag());
}

#define GET_OP_CLASSES
#include "dialects/npu/NpuOps.cpp.inc"

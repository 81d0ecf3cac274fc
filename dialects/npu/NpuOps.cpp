//===- NpuOps.cpp - the Gaon NPU's instruction set ------------------------===//
//
// Verifiers hold each instruction to docs/npu.md: each op checks what is
// particular to its IR form (which attributes go together, values that fit
// the instruction's fields), then reads its instruction and asks the ISA's
// validator (targets/npu/isa/Validate.h), the same one the runtime's loader
// and the simulator apply. Addresses against SRAM and DRAM sizes depend on
// the configuration and are checked by the simulator.
//
//===----------------------------------------------------------------------===//

#include "dialects/npu/NpuOps.h"

#include "dialects/npu/NpuProgram.h"
#include "targets/npu/isa/Validate.h"

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

LogicalResult NpuDialect::verifyOperationAttribute(Operation *op,
                                                   NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  auto device = op->getAttrOfType<StringAttr>("npu.device");
  bool onNpu = device && device.getValue() == "npu";
  if (name == "npu.device") {
    auto value = llvm::dyn_cast<StringAttr>(attr.getValue());
    if (!value || (value.getValue() != "npu" && value.getValue() != "cpu"))
      return op->emitOpError("npu.device must be \"npu\" or \"cpu\"");
    if (onNpu && op->hasAttr("npu.group") == op->hasAttr("npu.fused_into"))
      return op->emitOpError("is placed on the NPU, so it needs exactly one "
                             "of npu.group (an anchor) and npu.fused_into");
    return success();
  }
  if (name == "npu.reason") {
    if (!llvm::isa<StringAttr>(attr.getValue()) || !device || onNpu)
      return op->emitOpError("npu.reason is a string on ops placed on the "
                             "CPU (npu.device = \"cpu\")");
    return success();
  }
  if (name == "npu.group" || name == "npu.fused_into") {
    auto value = llvm::dyn_cast<IntegerAttr>(attr.getValue());
    if (!value || value.getValue().isNegative() || !onNpu)
      return op->emitOpError()
             << name << " is a non-negative integer on ops placed on the NPU";
    return success();
  }
  return op->emitOpError("has an unknown npu attribute '") << name << "'";
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

/// The ISA's rules for the instruction `op` stands for (targets/npu/isa/
/// Validate.h), then its tag. Signal and wait run on any engine.
LogicalResult validate(Operation *op, int64_t tag) {
  FailureOr<gaon::npu::Instruction> in =
      gaon::npu::readInstruction(op, gaon::npu::Engine::Load);
  if (failed(in))
    return op->emitOpError("is not an NPU instruction");
  if (std::string error = gaon::npu::validateInstruction(*in); !error.empty())
    return op->emitOpError(error);
  if (auto program = op->getParentOfType<ProgramOp>())
    if (std::string error = gaon::npu::validateParams(
            *in, uint32_t(std::max<int64_t>(program.getParams(), 0)));
        !error.empty())
      return op->emitOpError(error);
  return verifyTag(op, tag);
}

/// Fields the instruction structs hold in 32 bits.
LogicalResult fitsInt32(Operation *op, StringRef name, int64_t v) {
  if (v < INT32_MIN || v > INT32_MAX)
    return op->emitOpError() << name << " must fit 32 bits, got " << v;
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
  if (op.getElemBytes() < 0 || op.getElemBytes() > UINT32_MAX)
    return op.emitOpError("elem_bytes must fit 32 bits, got ")
           << op.getElemBytes();
  if (failed(nonNegative(op, "dram", op.getDram())) ||
      failed(nonNegative(op, "sram", op.getSram())))
    return failure();
  return validate(op, op.getTag());
}

LogicalResult DmaLoadOp::verify() { return verifyDma(*this); }
LogicalResult DmaStoreOp::verify() { return verifyDma(*this); }

LogicalResult MatMulOp::verify() {
  for (auto [name, v] : {std::pair{"m", getM()}, {"n", getN()}, {"k", getK()},
                         {"a_outer", getAOuter()}, {"a_inner", getAInner()}})
    if (v < 0 || v > UINT32_MAX)
      return emitOpError() << name << " must be in [0, 2^32), got " << v;
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
    if (*getGroup() < 0 || *getGroup() > UINT32_MAX)
      return emitOpError("group must be in [0, 2^32), got ") << *getGroup();
  }
  if (failed(fitsInt32(*this, "zero_point", getZeroPoint())) ||
      failed(fitsInt32(*this, "clamp_lo", getClampLo())) ||
      failed(fitsInt32(*this, "clamp_hi", getClampHi())))
    return failure();
  if (!getOut()) {
    if (getOutType() || getBias() || getRequant() || getRelu() || getScale() ||
        getOutOuterStride())
      return emitOpError("has output-stage attributes but no `out`");
    return validate(*this, getTag());
  }
  if (!getOutType() || !getOutRowStride())
    return emitOpError("with `out` needs out_type and out_row_stride");
  ElemType out = *getOutType();
  bool requantized =
      integer && (out == ElemType::i8 || out == ElemType::u8);
  if (requantized != bool(getRequant()))
    return emitOpError(requantized
                           ? "stores 8-bit results, so it needs `requant`"
                           : "does not requantize, so it takes no `requant`");
  return validate(*this, getTag());
}

LogicalResult VectorOp::verify() {
  if (getN() < 0)
    return emitOpError("n must be non-negative, got ") << getN();
  if (getBStep() < 0 || getBStep() > UINT32_MAX)
    return emitOpError("b_step must be 0 (broadcast) or 1, got ")
           << getBStep();
  if (getOuter() < 1 || getOuter() > UINT32_MAX)
    return emitOpError("outer must be in [1, 2^32), got ") << getOuter();
  for (auto [name, v] : {std::pair{"a", getA()}, {"b", getB()}, {"y", getY()}})
    if (failed(nonNegative(*this, name, v)))
      return failure();
  for (auto [name, v] :
       {std::pair{"zero_a", getZeroA()}, {"zero_b", getZeroB()},
        {"mul_a", getMulA()}, {"mul_b", getMulB()},
        {"multiplier", getMultiplier()}, {"shift", getShift()},
        {"zero_y", getZeroY()}, {"clamp_lo", getClampLo()},
        {"clamp_hi", getClampHi()}})
    if (failed(fitsInt32(*this, name, v)))
      return failure();
  VecOp op = getOp();
  bool integer = op == VecOp::requant || op == VecOp::qadd;
  bool converts = op == VecOp::quantize || op == VecOp::dequantize;
  bool scaled = converts || op == VecOp::fill;
  if (scaled != bool(getScale()))
    return emitOpError("scale belongs to quantize, dequantize and fill, which "
                       "need it");
  if ((integer || converts) && !getOutType())
    return emitOpError("requant, qadd, quantize and dequantize need out_type");
  if (op == VecOp::qadd && !getBType())
    return emitOpError("qadd needs b_type");
  if (!integer && !converts && (getBType() || getOutType()))
    return emitOpError("b_type and out_type belong to requant, qadd, "
                       "quantize and dequantize");
  return validate(*this, getTag());
}

LogicalResult SignalOp::verify() {
  if (getSemaphore() < 0 || getSemaphore() > UINT32_MAX)
    return emitOpError("semaphore must be in [0, ")
           << kSemaphores << "), got " << getSemaphore();
  ProgramOp program = programOf(*this);
  if (program && (getCore() < 0 || getCore() >= program.getCores()))
    return emitOpError("signals core ")
           << getCore() << " of a " << program.getCores() << "-core program";
  return validate(*this, getTag());
}

LogicalResult WaitOp::verify() {
  if (getSemaphore() < 0 || getSemaphore() > UINT32_MAX)
    return emitOpError("semaphore must be in [0, ")
           << kSemaphores << "), got " << getSemaphore();
  if (getValue() < 0 || getValue() > UINT32_MAX)
    return emitOpError("value must be in [0, 2^32), got ") << getValue();
  return validate(*this, getTag());
}

#define GET_OP_CLASSES
#include "dialects/npu/NpuOps.cpp.inc"

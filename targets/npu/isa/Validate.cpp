//===- Validate.cpp - the rules every NPU instruction obeys ---------------===//

#include "targets/npu/isa/Validate.h"

#include "targets/npu/Requantize.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>

namespace gaon::npu {
namespace {

bool is8(ElemType t) { return t == ElemType::I8 || t == ElemType::U8; }
bool isFloat(ElemType t) { return t == ElemType::BF16 || t == ElemType::F32; }
bool known(ElemType t) { return uint8_t(t) <= uint8_t(ElemType::F32); }

/// The clamp of an 8-bit result must lie within its type.
std::string clampWithin(ElemType out, int32_t lo, int32_t hi) {
  int32_t typeLo = out == ElemType::U8 ? 0 : -128, typeHi = typeLo + 255;
  if (lo < typeLo || hi > typeHi || lo > hi)
    return "clamp [" + std::to_string(lo) + ", " + std::to_string(hi) +
           "] must lie within " + elemTypeName(out) + "'s [" +
           std::to_string(typeLo) + ", " + std::to_string(typeHi) + "]";
  return "";
}

/// The most work one instruction may describe: a DMA moves at most 1 GiB
/// (any real one moves at most an SRAM's worth), a vector instruction
/// touches at most 2^30 elements, a matmul does at most 2^40 MACs. Walks
/// that repeat over zero strides stay within memory and would otherwise
/// pass every bounds check while running for ever.
constexpr uint64_t kMaxDmaBytes = uint64_t(1) << 30;
constexpr uint64_t kMaxVectorElements = uint64_t(1) << 30;
constexpr uint64_t kMaxMatMulMacs = uint64_t(1) << 40;

/// a * b, or UINT64_MAX when it overflows.
uint64_t saturatingMul(uint64_t a, uint64_t b) {
  return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

std::string validateDma(const DmaDesc &d) {
  for (uint32_t size : d.sizes)
    if (size == 0)
      return "DMA sizes must be at least 1 (pad unused dimensions with 1)";
  if (d.elemBytes < 1 || d.elemBytes > 8)
    return "DMA elem_bytes must be 1 to 8, got " + std::to_string(d.elemBytes);
  uint64_t bytes = d.elemBytes;
  for (uint32_t size : d.sizes)
    bytes = saturatingMul(bytes, size);
  if (bytes > kMaxDmaBytes)
    return "a DMA moves at most 1 GiB; this one's sizes [" +
           std::to_string(d.sizes[0]) + ", " + std::to_string(d.sizes[1]) +
           ", " + std::to_string(d.sizes[2]) + ", " +
           std::to_string(d.sizes[3]) + "] of " +
           std::to_string(d.elemBytes) + "-byte elements move more";
  if (d.dramParam < -1 || (d.dramParam < 0 && d.dramParamStride != 0))
    return "a DMA's dram_param is a parameter index, or -1 (none) with a "
           "zero dram_param_stride";
  return "";
}

std::string validateMatMul(const MatMulDesc &mm) {
  if (uint8_t(mm.mode) > uint8_t(MatMode::BF16xI4))
    return "matmul has an unknown mode";
  if (!mm.m || !mm.n || !mm.k)
    return "matmul needs m, n and k of at least 1";
  if (saturatingMul(saturatingMul(mm.m, mm.n), mm.k) > kMaxMatMulMacs)
    return "a matmul does at most 2^40 multiply-accumulates; m, n, k = " +
           std::to_string(mm.m) + ", " + std::to_string(mm.n) + ", " +
           std::to_string(mm.k) + " do more";
  if (uint64_t(mm.aOuter) * mm.aInner != mm.m)
    return "matmul a_outer * a_inner must equal m: " +
           std::to_string(mm.aOuter) + " * " + std::to_string(mm.aInner) +
           " != " + std::to_string(mm.m);
  if (matModeIsWeightOnly(mm.mode) && mm.group == 0)
    return "a weight-only matmul needs a group of at least 1";
  if (mm.bTransposed && mm.mode != MatMode::BF16xBF16)
    return std::string("a transposed B is for bf16xbf16 matmuls, not ") +
           matModeName(mm.mode);
  if (!mm.store)
    return "";
  bool integer = matModeIsInteger(mm.mode);
  if (!known(mm.outType))
    return "matmul has an unknown output type";
  if (integer && !is8(mm.outType) && mm.outType != ElemType::I32)
    return std::string("an integer matmul stores i8, u8 or i32, not ") +
           elemTypeName(mm.outType);
  if (!integer && !isFloat(mm.outType))
    return std::string("a bf16 matmul stores bf16 or f32, not ") +
           elemTypeName(mm.outType);
  if (integer && mm.relu)
    return "relu is for bf16 matmuls; an integer one clamps with clamp_lo";
  if (integer && mm.scale != 1.0f)
    return "scale is for bf16 matmuls; an integer one scales by its "
           "requantization multipliers";
  if (integer && is8(mm.outType))
    if (std::string e = clampWithin(mm.outType, mm.clampLo, mm.clampHi);
        !e.empty())
      return "matmul " + e;
  if (!std::isfinite(mm.scale))
    return "matmul scale must be finite";
  return "";
}

std::string validateVector(const VectorDesc &v) {
  VecOp op = v.op;
  if (uint8_t(op) > uint8_t(VecOp::Mask))
    return "vector instruction has an unknown op";
  if (v.inner < 1)
    return "vector inner must be at least 1";
  if ((op == VecOp::Fill || op == VecOp::Mask) && !isFloat(v.type))
    return std::string(vecOpName(op)) + " takes f32 or bf16, not " +
           elemTypeName(v.type);
  if (op == VecOp::Fill && !std::isfinite(v.scale) && !std::isinf(v.scale))
    return "fill's value (scale) must not be NaN";
  if (op == VecOp::Mask && v.maskParam < 0)
    return "mask needs the parameter holding the first query's position "
           "(mask_param)";
  if (op != VecOp::Mask && v.maskParam != -1)
    return "mask_param is for mask instructions";
  if (!known(v.type) || !known(v.bType) || !known(v.outType))
    return "vector instruction has an unknown element type";
  if (v.bStep > 1)
    return "vector b_step must be 0 (broadcast) or 1, got " +
           std::to_string(v.bStep);
  if (saturatingMul(saturatingMul(v.n, std::max<uint32_t>(v.outer, 1)),
                    std::max<uint32_t>(v.inner, 1)) > kMaxVectorElements)
    return "a vector instruction touches at most 2^30 elements; n " +
           std::to_string(v.n) + " times outer " + std::to_string(v.outer) +
           " times inner " + std::to_string(v.inner) + " is more";
  if (v.outer < 1)
    return "vector outer must be at least 1";
  if (v.n > (uint64_t(1) << 40))
    return "vector n exceeds 2^40 elements";
  ElemType type = v.type;
  bool function = op >= VecOp::Exp && op <= VecOp::RowMax;
  if (function && !isFloat(type))
    return std::string(vecOpName(op)) + " takes f32 or bf16, not " +
           elemTypeName(type);
  if (op == VecOp::ToF32 && type != ElemType::BF16)
    return std::string("to_f32 converts bf16, not ") + elemTypeName(type);
  if (op == VecOp::ToBf16 && type != ElemType::F32)
    return std::string("to_bf16 converts f32, not ") + elemTypeName(type);
  if (vecOpIsInteger(op)) {
    if (op == VecOp::Requant && !is8(type) && type != ElemType::I32)
      return std::string("requant reads i32, i8 or u8, not ") +
             elemTypeName(type);
    if (op == VecOp::QAdd && (!is8(type) || !is8(v.bType)))
      return "qadd reads i8 or u8 operands (type, b_type)";
    if (!is8(v.outType))
      return "requant and qadd write i8 or u8 (out_type)";
    if (std::string e = clampWithin(v.outType, v.clampLo, v.clampHi);
        !e.empty())
      return e;
    if (v.multiplier < 0 || v.shift < 0 || v.shift > kMaxShift)
      return "the multiplier must be in [0, 2^31) and the shift in [0, 31]";
    if (op == VecOp::QAdd &&
        (std::abs(int64_t(v.mulA)) > (1 << kAddShift) ||
         std::abs(int64_t(v.mulB)) > (1 << kAddShift)))
      return "qadd's operand multipliers must be at most 2^20";
    if (std::abs(int64_t(v.zeroA)) > 255 || std::abs(int64_t(v.zeroB)) > 255 ||
        std::abs(int64_t(v.zeroY)) > 255)
      return "zero points must be within [-255, 255]";
  }
  if (vecOpConverts(op)) {
    bool q = op == VecOp::Quantize;
    if (q ? !(isFloat(type) && is8(v.outType))
          : !(is8(type) && isFloat(v.outType)))
      return q ? "quantize reads bf16 or f32 and writes i8 or u8 (out_type)"
               : "dequantize reads i8 or u8 and writes bf16 or f32 "
                 "(out_type)";
    if (!std::isfinite(v.scale) || !(v.scale > 0))
      return "quantize and dequantize need a finite scale above 0";
    if (q)
      if (std::string e = clampWithin(v.outType, v.clampLo, v.clampHi);
          !e.empty())
        return e;
    if (std::abs(int64_t(v.zeroA)) > 255 || std::abs(int64_t(v.zeroY)) > 255)
      return "zero points must be within [-255, 255]";
  }
  // Operands are aligned to their element size (y's is the result's).
  uint64_t eb = elemBytes(type);
  if (vecOpReadsA(op) && (v.a % eb || uint64_t(v.aStride) % eb ||
                          uint64_t(v.aInnerStride) % eb))
    return "vector a and its stride must be multiples of the element size (" +
           std::to_string(eb) + " bytes)";
  uint64_t bb = elemBytes(vectorBType(v));
  if (vecOpIsBinary(op) && (v.b % bb || uint64_t(v.bStride) % bb ||
                            uint64_t(v.bInnerStride) % bb))
    return "vector b and its stride must be multiples of the element size (" +
           std::to_string(bb) + " bytes)";
  uint64_t yb = elemBytes(vectorResultType(v));
  if (v.y % yb || uint64_t(v.yStride) % yb || uint64_t(v.yInnerStride) % yb)
    return "vector y and its stride must be multiples of its element size (" +
           std::to_string(yb) + " bytes)";
  return "";
}

} // namespace

std::string validateInstruction(const Instruction &in) {
  if (in.guardParam < -1)
    return "guard_param is a parameter index, or -1 (none)";
  if (in.guardParam >= 0 &&
      (in.opcode == Opcode::Signal || in.opcode == Opcode::Wait))
    return "a signal or wait cannot be guarded (semaphore counts would "
           "depend on run-time values)";
  if (in.guardParam >= 0 && in.guardMin > in.guardMax)
    return "guard_min exceeds guard_max: the instruction would never run";
  Engine needs;
  switch (in.opcode) {
  case Opcode::DmaLoad: needs = Engine::Load; break;
  case Opcode::DmaStore: needs = Engine::Store; break;
  case Opcode::MatMul: needs = Engine::Matrix; break;
  case Opcode::Vector: needs = Engine::Vector; break;
  case Opcode::Signal:
  case Opcode::Wait:
    if (in.semaphore >= uint32_t(kSemaphores))
      return "semaphore " + std::to_string(in.semaphore) +
             " does not exist (" + std::to_string(kSemaphores) + " per core)";
    if (in.opcode == Opcode::Wait && in.value < 1)
      return "a wait needs a count of at least 1";
    return "";
  default:
    return "unknown opcode";
  }
  if (in.engine != needs)
    return std::string(opcodeName(in.opcode)) + " runs on the " +
           engineName(needs) + " engine, not " + engineName(in.engine);
  switch (in.opcode) {
  case Opcode::DmaLoad:
  case Opcode::DmaStore: return validateDma(in.dma);
  case Opcode::MatMul: return validateMatMul(in.mm);
  default: return validateVector(in.vec);
  }
}

std::string validateParams(const Instruction &in, uint32_t params) {
  auto check = [&](int32_t index, const char *what) -> std::string {
    if (index >= 0 && uint32_t(index) >= params)
      return std::string(what) + " reads run-time parameter " +
             std::to_string(index) + " of a program with " +
             std::to_string(params);
    return "";
  };
  if (std::string e = check(in.guardParam, "guard_param"); !e.empty())
    return e;
  if (in.opcode == Opcode::DmaLoad || in.opcode == Opcode::DmaStore)
    return check(in.dma.dramParam, "dram_param");
  if (in.opcode == Opcode::Vector)
    return check(in.vec.maskParam, "mask_param");
  return "";
}

} // namespace gaon::npu

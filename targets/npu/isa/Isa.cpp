//===- Isa.cpp - names and sizes of the NPU instruction set ---------------===//

#include "targets/npu/isa/Isa.h"

namespace gaon::npu {

const char *engineName(Engine e) {
  switch (e) {
  case Engine::Load: return "dma-load";
  case Engine::Store: return "dma-store";
  case Engine::Matrix: return "matrix";
  case Engine::Vector: return "vector";
  }
  return "?";
}

int elemBytes(ElemType t) {
  switch (t) {
  case ElemType::I8:
  case ElemType::U8: return 1;
  case ElemType::BF16: return 2;
  case ElemType::I32:
  case ElemType::F32: return 4;
  }
  return 1;
}

namespace {
template <size_t N>
const char *nameIn(const char *const (&names)[N], unsigned value) {
  return value < N ? names[value] : "?";
}
} // namespace

const char *elemTypeName(ElemType t) {
  static const char *const names[] = {"i8", "u8", "i32", "bf16", "f32"};
  return nameIn(names, unsigned(t));
}

const char *matModeName(MatMode m) {
  static const char *const names[] = {"i8xi8", "u8xi8", "bf16xbf16",
                                      "bf16xi8", "bf16xi4"};
  return nameIn(names, unsigned(m));
}

const char *vecOpName(VecOp op) {
  static const char *const names[] = {
      "add",    "sub",     "mul",     "max",      "min",     "relu",
      "copy",   "exp",     "rsqrt",   "recip",    "row_sum", "row_max",
      "to_f32", "to_bf16", "requant", "qadd",     "quantize", "dequantize",
      "fill",   "mask"};
  return nameIn(names, unsigned(op));
}

const char *opcodeName(Opcode op) {
  static const char *const names[] = {"dma_load", "dma_store", "matmul",
                                      "vector",   "signal",    "wait"};
  return nameIn(names, unsigned(op));
}

} // namespace gaon::npu

//===- IsaJson.cpp - NPU instructions as JSON (gaon-dump) -----------------===//

#include "targets/npu/isa/IsaJson.h"

#include <cstdio>
#include <type_traits>

namespace gaon::npu {
namespace {

std::string json(bool v) { return v ? "true" : "false"; }
std::string json(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", double(v));
  return buf;
}
template <typename T>
std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>,
                 std::string>
json(T v) {
  return std::to_string(v);
}
std::string json(ElemType v) { return std::string("\"") + elemTypeName(v) + "\""; }
std::string json(MatMode v) { return std::string("\"") + matModeName(v) + "\""; }
std::string json(VecOp v) { return std::string("\"") + vecOpName(v) + "\""; }
template <typename T> std::string json(const std::array<T, 4> &v) {
  return "[" + json(v[0]) + "," + json(v[1]) + "," + json(v[2]) + "," +
         json(v[3]) + "]";
}

#define GAON_JSON_FIELD(T, member, name, init)                                 \
  out += ",\"" #name "\":" + json(d.member);

void append(std::string &out, const DmaDesc &d) {
#define GAON_NPU_DMA_FIELD GAON_JSON_FIELD
#include "targets/npu/isa/Instructions.def"
}
void append(std::string &out, const MatMulDesc &d) {
#define GAON_NPU_MATMUL_FIELD GAON_JSON_FIELD
#include "targets/npu/isa/Instructions.def"
}
void append(std::string &out, const VectorDesc &d) {
#define GAON_NPU_VECTOR_FIELD GAON_JSON_FIELD
#include "targets/npu/isa/Instructions.def"
}

} // namespace

std::string instructionJson(const Instruction &in) {
  std::string out = std::string("{\"opcode\":\"") + opcodeName(in.opcode) +
                    "\",\"tag\":" + std::to_string(in.tag);
  switch (in.opcode) {
  case Opcode::DmaLoad:
  case Opcode::DmaStore: append(out, in.dma); break;
  case Opcode::MatMul: append(out, in.mm); break;
  case Opcode::Vector: append(out, in.vec); break;
  case Opcode::Signal:
    out += ",\"semaphore\":" + std::to_string(in.semaphore) +
           ",\"core\":" + std::to_string(in.core);
    break;
  case Opcode::Wait:
    out += ",\"semaphore\":" + std::to_string(in.semaphore) +
           ",\"value\":" + std::to_string(in.value);
    break;
  }
  return out + "}";
}

} // namespace gaon::npu

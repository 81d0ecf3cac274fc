//===- GnbCodec.cpp - NPU instructions to and from the .gnb ---------------===//

#include "targets/npu/isa/GnbCodec.h"

#include "targets/npu/isa/Validate.h"

#include <type_traits>

namespace gaon::npu {
namespace {

// One overload per field type: the schema's form of each.
template <typename T>
std::enable_if_t<std::is_arithmetic_v<T>, T>
toFb(flatbuffers::FlatBufferBuilder &, T v) {
  return v;
}
gnb::NpuElemType toFb(flatbuffers::FlatBufferBuilder &, ElemType v) {
  return gnb::NpuElemType(v);
}
gnb::NpuMatMode toFb(flatbuffers::FlatBufferBuilder &, MatMode v) {
  return gnb::NpuMatMode(v);
}
gnb::NpuVecOp toFb(flatbuffers::FlatBufferBuilder &, VecOp v) {
  return gnb::NpuVecOp(v);
}
template <typename T>
flatbuffers::Offset<flatbuffers::Vector<T>>
toFb(flatbuffers::FlatBufferBuilder &fbb, const std::array<T, 4> &v) {
  return fbb.CreateVector(v.data(), v.size());
}

// And back, false for a value the schema allows but the machine lacks.
template <typename F, typename T>
std::enable_if_t<std::is_arithmetic_v<F>, bool> fromFb(F v, T &out) {
  out = v;
  return true;
}
template <typename G, typename E> bool enumFromFb(G v, E &out) {
  if (v > G::MAX)
    return false;
  out = E(v);
  return true;
}
bool fromFb(gnb::NpuElemType v, ElemType &out) { return enumFromFb(v, out); }
bool fromFb(gnb::NpuMatMode v, MatMode &out) { return enumFromFb(v, out); }
bool fromFb(gnb::NpuVecOp v, VecOp &out) { return enumFromFb(v, out); }
template <typename T>
bool fromFb(const flatbuffers::Vector<T> *v, std::array<T, 4> &out) {
  if (!v || v->size() != 4)
    return false;
  for (int i = 0; i < 4; ++i)
    out[i] = v->Get(i);
  return true;
}

#define GAON_FB_PREPARE(T, member, name, init) auto member = toFb(fbb, d.member);
#define GAON_FB_ARG(T, member, name, init) , member
#define GAON_FB_READ(T, member, name, init)                                    \
  if (!fromFb(f->name(), d.member))                                            \
    return std::string(what) + "'s " #name " is out of range or malformed";

flatbuffers::Offset<gnb::NpuDma> encode(flatbuffers::FlatBufferBuilder &fbb,
                                        const DmaDesc &d) {
#define GAON_NPU_DMA_FIELD GAON_FB_PREPARE
#include "targets/npu/isa/Instructions.def"
  return gnb::CreateNpuDma(fbb
#define GAON_NPU_DMA_FIELD GAON_FB_ARG
#include "targets/npu/isa/Instructions.def"
  );
}

flatbuffers::Offset<gnb::NpuMatMul>
encode(flatbuffers::FlatBufferBuilder &fbb, const MatMulDesc &d) {
#define GAON_NPU_MATMUL_FIELD GAON_FB_PREPARE
#include "targets/npu/isa/Instructions.def"
  return gnb::CreateNpuMatMul(fbb
#define GAON_NPU_MATMUL_FIELD GAON_FB_ARG
#include "targets/npu/isa/Instructions.def"
  );
}

flatbuffers::Offset<gnb::NpuVector>
encode(flatbuffers::FlatBufferBuilder &fbb, const VectorDesc &d) {
#define GAON_NPU_VECTOR_FIELD GAON_FB_PREPARE
#include "targets/npu/isa/Instructions.def"
  return gnb::CreateNpuVector(fbb
#define GAON_NPU_VECTOR_FIELD GAON_FB_ARG
#include "targets/npu/isa/Instructions.def"
  );
}

std::string decode(const gnb::NpuDma *f, DmaDesc &d) {
  const char *what = "a DMA";
  if (!f)
    return "a DMA instruction without its descriptor";
#define GAON_NPU_DMA_FIELD GAON_FB_READ
#include "targets/npu/isa/Instructions.def"
  return "";
}

std::string decode(const gnb::NpuMatMul *f, MatMulDesc &d) {
  const char *what = "a matmul";
  if (!f)
    return "a matmul without its descriptor";
#define GAON_NPU_MATMUL_FIELD GAON_FB_READ
#include "targets/npu/isa/Instructions.def"
  return "";
}

std::string decode(const gnb::NpuVector *f, VectorDesc &d) {
  const char *what = "a vector instruction";
  if (!f)
    return "a vector instruction without its descriptor";
#define GAON_NPU_VECTOR_FIELD GAON_FB_READ
#include "targets/npu/isa/Instructions.def"
  return "";
}

} // namespace

flatbuffers::Offset<gnb::NpuInstruction>
encodeInstruction(flatbuffers::FlatBufferBuilder &fbb, const Instruction &in) {
  flatbuffers::Offset<gnb::NpuDma> dma = 0;
  flatbuffers::Offset<gnb::NpuMatMul> mm = 0;
  flatbuffers::Offset<gnb::NpuVector> vec = 0;
  if (in.opcode == Opcode::DmaLoad || in.opcode == Opcode::DmaStore)
    dma = encode(fbb, in.dma);
  else if (in.opcode == Opcode::MatMul)
    mm = encode(fbb, in.mm);
  else if (in.opcode == Opcode::Vector)
    vec = encode(fbb, in.vec);
  return gnb::CreateNpuInstruction(
      fbb, gnb::NpuOpcode(in.opcode), gnb::NpuEngine(in.engine), in.tag, dma,
      mm, vec, in.semaphore, in.value, in.core, in.guardParam, in.guardMin,
      in.guardMax);
}

std::string decodeInstruction(const gnb::NpuInstruction &f, Instruction &in) {
  if (f.opcode() > gnb::NpuOpcode::MAX || f.engine() > gnb::NpuEngine::MAX)
    return "unknown opcode or engine";
  in.opcode = Opcode(f.opcode());
  in.engine = Engine(f.engine());
  in.tag = f.tag();
  in.semaphore = f.semaphore();
  in.value = f.value();
  in.core = f.core();
  in.guardParam = f.guard_param();
  in.guardMin = f.guard_min();
  in.guardMax = f.guard_max();
  std::string error;
  switch (in.opcode) {
  case Opcode::DmaLoad:
  case Opcode::DmaStore: error = decode(f.dma(), in.dma); break;
  case Opcode::MatMul: error = decode(f.matmul(), in.mm); break;
  case Opcode::Vector: error = decode(f.vector(), in.vec); break;
  case Opcode::Signal:
  case Opcode::Wait: break;
  }
  if (!error.empty())
    return error;
  return validateInstruction(in);
}

} // namespace gaon::npu

//===- IsaTest.cpp - the instruction table against the schema -------------===//
//
// targets/npu/isa/Instructions.def is the one description of the NPU's
// instruction fields; the FlatBuffers schema must list the same fields in
// the same order (the encoder passes them positionally). Encoding then
// decoding gives back every field.
//
//===----------------------------------------------------------------------===//

#include "targets/npu/isa/GnbCodec.h"
#include "targets/npu/isa/IsaJson.h"
#include "targets/npu/isa/Validate.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace gaon::npu;

namespace {

std::vector<std::string> schemaFields(const flatbuffers::TypeTable *table) {
  std::vector<std::string> names;
  for (size_t i = 0; i < table->num_elems; ++i)
    names.push_back(table->names[i]);
  return names;
}

TEST(Isa, TableMatchesSchema) {
  std::vector<std::string> dma, matmul, vector;
#define GAON_NPU_DMA_FIELD(T, member, name, init) dma.push_back(#name);
#define GAON_NPU_MATMUL_FIELD(T, member, name, init) matmul.push_back(#name);
#define GAON_NPU_VECTOR_FIELD(T, member, name, init) vector.push_back(#name);
#include "targets/npu/isa/Instructions.def"
  EXPECT_EQ(dma, schemaFields(gaon::gnb::NpuDmaTypeTable()));
  EXPECT_EQ(matmul, schemaFields(gaon::gnb::NpuMatMulTypeTable()));
  EXPECT_EQ(vector, schemaFields(gaon::gnb::NpuVectorTypeTable()));
}

TEST(Isa, EnumNamesMatchSchema) {
  // Same values, same order: the codec casts one to the other.
  EXPECT_EQ(size_t(gaon::gnb::NpuElemType::MAX) + 1, 5u);
  EXPECT_STREQ(elemTypeName(ElemType(uint8_t(gaon::gnb::NpuElemType::BF16))),
               "bf16");
  EXPECT_STREQ(matModeName(MatMode(uint8_t(gaon::gnb::NpuMatMode::BF16xI4))),
               "bf16xi4");
  EXPECT_STREQ(vecOpName(VecOp(uint8_t(gaon::gnb::NpuVecOp::Dequantize))),
               "dequantize");
  EXPECT_STREQ(vecOpName(VecOp(uint8_t(gaon::gnb::NpuVecOp::MAX) + 1)), "?");
}

Instruction roundTrip(const Instruction &in) {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(encodeInstruction(fbb, in));
  auto *f = flatbuffers::GetRoot<gaon::gnb::NpuInstruction>(
      fbb.GetBufferPointer());
  Instruction out;
  std::string error = decodeInstruction(*f, out);
  EXPECT_EQ(error, "");
  return out;
}

TEST(Isa, EncodeDecodeKeepsEveryField) {
  Instruction dma;
  dma.opcode = Opcode::DmaStore;
  dma.engine = Engine::Store;
  dma.tag = 3;
  dma.dma.dram = 1ull << 33;
  dma.dma.sram = 640;
  dma.dma.elemBytes = 2;
  dma.dma.sizes = {1, 4, 7, 9};
  dma.dma.dramStrides = {0, -4096, 64, 2};
  dma.dma.sramStrides = {0, 512, 64, 2};
  EXPECT_EQ(instructionJson(roundTrip(dma)), instructionJson(dma));

  Instruction mm;
  mm.opcode = Opcode::MatMul;
  mm.engine = Engine::Matrix;
  mm.mm.mode = MatMode::BF16xI4;
  mm.mm.m = 6;
  mm.mm.n = 16;
  mm.mm.k = 64;
  mm.mm.aOuter = 2;
  mm.mm.aInner = 3;
  mm.mm.aOuterStride = 700;
  mm.mm.aInnerStride = 128;
  mm.mm.b = 4096;
  mm.mm.bRowStride = 8;
  mm.mm.c = 8192;
  mm.mm.cRowStride = 64;
  mm.mm.accumulate = true;
  mm.mm.store = true;
  mm.mm.hasBias = true;
  mm.mm.bias = 12288;
  mm.mm.outType = ElemType::BF16;
  mm.mm.out = 16384;
  mm.mm.outRowStride = 32;
  mm.mm.outOuterStride = 96;
  mm.mm.relu = true;
  mm.mm.scale = 0.125f;
  mm.mm.scales = 20000;
  mm.mm.group = 32;
  EXPECT_EQ(validateInstruction(mm), "");
  EXPECT_EQ(instructionJson(roundTrip(mm)), instructionJson(mm));

  Instruction v;
  v.opcode = Opcode::Vector;
  v.engine = Engine::Vector;
  v.vec.op = VecOp::QAdd;
  v.vec.type = ElemType::I8;
  v.vec.bType = ElemType::U8;
  v.vec.outType = ElemType::I8;
  v.vec.n = 48;
  v.vec.a = 64;
  v.vec.b = 128;
  v.vec.y = 256;
  v.vec.bStep = 0;
  v.vec.outer = 5;
  v.vec.aStride = 48;
  v.vec.bStride = -48;
  v.vec.yStride = 48;
  v.vec.zeroA = 3;
  v.vec.zeroB = -7;
  v.vec.mulA = 1 << 19;
  v.vec.mulB = -(1 << 18);
  v.vec.multiplier = 1 << 30;
  v.vec.shift = 12;
  v.vec.zeroY = 1;
  v.vec.clampLo = -100;
  v.vec.clampHi = 100;
  EXPECT_EQ(validateInstruction(v), "");
  EXPECT_EQ(instructionJson(roundTrip(v)), instructionJson(v));
}

TEST(Isa, ValidatorRefusesTheWrongEngineAndBadFields) {
  Instruction in;
  in.opcode = Opcode::MatMul;
  in.engine = Engine::Vector;
  in.mm.m = in.mm.n = in.mm.k = 1;
  EXPECT_EQ(validateInstruction(in),
            "matmul runs on the matrix engine, not vector");
  in.engine = Engine::Matrix;
  EXPECT_EQ(validateInstruction(in), "");
  in.mm.aInner = 2;
  EXPECT_EQ(validateInstruction(in),
            "matmul a_outer * a_inner must equal m: 1 * 2 != 1");

  Instruction dma;
  dma.opcode = Opcode::DmaLoad;
  dma.engine = Engine::Load;
  dma.dma.elemBytes = 9;
  EXPECT_EQ(validateInstruction(dma), "DMA elem_bytes must be 1 to 8, got 9");

  // A decoded instruction goes through the same rules.
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(encodeInstruction(fbb, dma));
  Instruction out;
  EXPECT_EQ(decodeInstruction(*flatbuffers::GetRoot<gaon::gnb::NpuInstruction>(
                                  fbb.GetBufferPointer()),
                              out),
            "DMA elem_bytes must be 1 to 8, got 9");
}

} // namespace

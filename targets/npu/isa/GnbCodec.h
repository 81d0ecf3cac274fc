//===- GnbCodec.h - NPU instructions to and from the .gnb ------*- C++ -*-===//
//
// The FlatBuffers side of the instruction set, expanded from
// Instructions.def: the binary writer encodes with it, the runtime's loader
// decodes with it. Decoding checks what the FlatBuffers verifier cannot
// (enum values in range, four entries per walk) and then the instruction
// rules (Validate.h).
//
//===----------------------------------------------------------------------===//

#ifndef GAON_TARGETS_NPU_ISA_GNBCODEC_H
#define GAON_TARGETS_NPU_ISA_GNBCODEC_H

#include "targets/npu/isa/Isa.h"

#include "gnb_generated.h"

#include <string>

namespace gaon::npu {

flatbuffers::Offset<gnb::NpuInstruction>
encodeInstruction(flatbuffers::FlatBufferBuilder &fbb, const Instruction &in);

/// Decodes `f` into `in`; returns why it is malformed, empty on success.
std::string decodeInstruction(const gnb::NpuInstruction &f, Instruction &in);

} // namespace gaon::npu

#endif // GAON_TARGETS_NPU_ISA_GNBCODEC_H

//===- IsaJson.h - NPU instructions as JSON (gaon-dump) --------*- C++ -*-===//

#ifndef GAON_TARGETS_NPU_ISA_ISAJSON_H
#define GAON_TARGETS_NPU_ISA_ISAJSON_H

#include "targets/npu/isa/Isa.h"

#include <string>

namespace gaon::npu {

/// One instruction as a JSON object: its opcode, tag and every field of its
/// descriptor (Instructions.def's names), enums by their dialect spelling.
std::string instructionJson(const Instruction &in);

} // namespace gaon::npu

#endif // GAON_TARGETS_NPU_ISA_ISAJSON_H

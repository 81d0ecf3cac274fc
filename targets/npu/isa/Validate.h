//===- Validate.h - the rules every NPU instruction obeys ------*- C++ -*-===//
//
// One validator for what makes an instruction malformed whatever machine
// runs it: the engine its opcode needs, sizes and counts, the element types
// each operation takes, clamps inside their type, requantization
// parameters, alignment. The npu dialect's verifiers, the runtime's loader
// and the simulator all call it, so the three refuse the same instructions
// with the same words. What depends on the machine (addresses inside SRAM
// and DRAM, core and semaphore counts of a configuration) the simulator
// checks on top.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_TARGETS_NPU_ISA_VALIDATE_H
#define GAON_TARGETS_NPU_ISA_VALIDATE_H

#include "targets/npu/isa/Isa.h"

#include <string>

namespace gaon::npu {

/// Why `in` is malformed; empty when it is not.
std::string validateInstruction(const Instruction &in);

/// Why `in` reads a run-time parameter a program of `params` parameters
/// lacks; empty when it does not.
std::string validateParams(const Instruction &in, uint32_t params);

} // namespace gaon::npu

#endif // GAON_TARGETS_NPU_ISA_VALIDATE_H

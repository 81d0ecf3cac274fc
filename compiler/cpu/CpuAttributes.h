//===- CpuAttributes.h - what the CPU passes write on graph ops -*- C++ -*-===//
//
//   cpu.fused            on an op (a ReLU, a bounded clip, a requantization)
//                        that its producer's kernel applies as it writes:
//                        the op's result is the producer's output
//   cpu.layout = "nhwc"  on the op defining a 4-D tensor the CPU stores
//                        channels-last
//
//===----------------------------------------------------------------------===//

#ifndef GAON_COMPILER_CPU_CPUATTRIBUTES_H
#define GAON_COMPILER_CPU_CPUATTRIBUTES_H

#include "llvm/ADT/StringRef.h"

namespace gaon::cpu {

constexpr llvm::StringLiteral kFusedAttr = "cpu.fused";
constexpr llvm::StringLiteral kLayoutAttr = "cpu.layout";

} // namespace gaon::cpu

#endif // GAON_COMPILER_CPU_CPUATTRIBUTES_H

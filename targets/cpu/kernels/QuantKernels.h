//===- QuantKernels.h - integer kernels on quantized tensors ---*- C++ -*-===//

#ifndef GAON_TARGETS_CPU_KERNELS_QUANTKERNELS_H
#define GAON_TARGETS_CPU_KERNELS_QUANTKERNELS_H

#include "targets/cpu/kernels/Kernels.h"

#include <map>

namespace gaon::cpu {

/// Registers graph.qconv, qmatmul, requantize, qadd and dynamic_quantize.
void addQuantKernels(std::map<std::string, Kernel> &table);

/// graph.qconv's prepared form (weights rearranged for the integer GEMM),
/// or null for other ops.
const PreparedKernel *quantPreparedKernel(const std::string &kind);

/// The checks validateCall runs for those ops (after arity and layouts):
/// quantization parameters present and fitting, storage types, bias shapes.
/// Window and matmul shapes are checked by the caller.
std::string checkQuantCall(const OpDesc &op, const std::vector<View> &in,
                           const std::vector<View> &out);

} // namespace gaon::cpu

#endif // GAON_TARGETS_CPU_KERNELS_QUANTKERNELS_H

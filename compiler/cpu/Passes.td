//===- Passes.td - the CPU target's passes -----------------*- tablegen -*-===//
//
// What the CPU target decides before the binary writer serializes its
// kernel calls. Both write attributes (compiler/cpu/CpuAttributes.h); both
// leave ops placed on the NPU alone.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_COMPILER_CPU_PASSES_TD
#define GAON_COMPILER_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def CpuFuseActivations : Pass<"gaon-cpu-fuse-activations", "mlir::ModuleOp"> {
  let summary = "Mark activations and requantizations a CPU kernel applies as it writes";
  let description = [{
    A convolution whose only user is a ReLU or a bounded clip runs both in
    one kernel call (oneDNN applies the activation as a post-op), and an
    integer convolution or matmul whose only user is a requantization
    requantizes as it writes, so its int32 sums never reach memory. An f32
    convolution whose only user is an add of a same-typed residual that
    exists before the convolution runs (a ResNet block's shortcut) adds it
    as it writes, then applies a ReLU or clip that follows; the add's
    operands are reordered to (convolution, residual). Each fused op gets
    `cpu.fused`; the binary writer gives the last one's result to the
    producer's kernel call, with the residual as its fourth input, and
    puts the result in the residual's memory when the residual dies there
    (oneDNN's in-place sum post-op; otherwise a binary-add post-op).
  }];
}

def CpuChooseLayout : Pass<"gaon-cpu-choose-layout", "mlir::ModuleOp"> {
  let summary = "Store 4-D activations between convolutions channels-last";
  let description = [{
    Tensors joined by layout-agnostic ops (targets/cpu/kernels/Layouts.h)
    form groups that share one layout; a group goes channels-last (NHWC)
    when a convolution produces one of its tensors and every use and
    producer of every member handles the layout. The op defining such a
    tensor gets `cpu.layout = "nhwc"`. Run after gaon-cpu-fuse-activations.
  }];
}

#endif // GAON_COMPILER_CPU_PASSES_TD

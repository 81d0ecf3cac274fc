//===- NpuOps.td - the Gaon NPU's instruction set ---------*- tablegen -*-===//
//
// `npu` is the last compiler stage: one op per instruction of docs/npu.md,
// with allocated SRAM and DRAM addresses and explicit semaphores, grouped
// into one in-order queue per engine per core. It mirrors the simulator's
// Program (targets/npu/sim/Program.h) field for field, so serialization is
// a copy. Rationale: docs/dialects/npu.md.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_DIALECTS_NPU_NPUOPS_TD
#define GAON_DIALECTS_NPU_NPUOPS_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/AttrTypeBase.td"

def Npu_Dialect : Dialect {
  let name = "npu";
  let cppNamespace = "::gaon::npuir";
  let summary = "The Gaon NPU's instructions, scheduled and allocated";
  let useDefaultAttributePrinterParser = 1;
  let usePropertiesForAttributes = 0;
  // Placement's notes on graph ops (npu.device, npu.reason, npu.group,
  // npu.fused_into) are checked where they appear.
  let hasOperationAttrVerify = 1;
}

class Npu_Enum<string name, string summary, list<I32EnumAttrCase> cases>
    : I32EnumAttr<name, summary, cases> {
  let cppNamespace = "::gaon::npuir";
  let genSpecializedAttr = 0;
}

def Npu_Engine : Npu_Enum<"Engine", "engine", [
  I32EnumAttrCase<"load", 0>, I32EnumAttrCase<"store", 1>,
  I32EnumAttrCase<"matrix", 2>, I32EnumAttrCase<"vector", 3>]>;
def Npu_EngineAttr : EnumAttr<Npu_Dialect, Npu_Engine, "engine"> {
  let assemblyFormat = "`<` $value `>`";
}
def Npu_ElemType : Npu_Enum<"ElemType", "element type", [
  I32EnumAttrCase<"i8", 0>, I32EnumAttrCase<"u8", 1>,
  I32EnumAttrCase<"i32", 2>, I32EnumAttrCase<"bf16", 3>,
  I32EnumAttrCase<"f32", 4>]>;
def Npu_ElemTypeAttr : EnumAttr<Npu_Dialect, Npu_ElemType, "elem"> {
  let assemblyFormat = "`<` $value `>`";
}
def Npu_MatMode : Npu_Enum<"MatMode", "matrix mode", [
  I32EnumAttrCase<"i8xi8", 0>, I32EnumAttrCase<"u8xi8", 1>,
  I32EnumAttrCase<"bf16xbf16", 2>, I32EnumAttrCase<"bf16xi8", 3>,
  I32EnumAttrCase<"bf16xi4", 4>]>;
def Npu_MatModeAttr : EnumAttr<Npu_Dialect, Npu_MatMode, "mode"> {
  let assemblyFormat = "`<` $value `>`";
}
def Npu_VecOp : Npu_Enum<"VecOp", "vector operation", [
  I32EnumAttrCase<"add", 0>, I32EnumAttrCase<"sub", 1>,
  I32EnumAttrCase<"mul", 2>, I32EnumAttrCase<"max", 3>,
  I32EnumAttrCase<"min", 4>, I32EnumAttrCase<"relu", 5>,
  I32EnumAttrCase<"copy", 6>, I32EnumAttrCase<"exp", 7>,
  I32EnumAttrCase<"rsqrt", 8>, I32EnumAttrCase<"recip", 9>,
  I32EnumAttrCase<"row_sum", 10>, I32EnumAttrCase<"row_max", 11>,
  I32EnumAttrCase<"to_f32", 12>, I32EnumAttrCase<"to_bf16", 13>,
  I32EnumAttrCase<"requant", 14>, I32EnumAttrCase<"qadd", 15>,
  I32EnumAttrCase<"quantize", 16>, I32EnumAttrCase<"dequantize", 17>,
  I32EnumAttrCase<"fill", 18>, I32EnumAttrCase<"mask", 19>]>;
def Npu_VecOpAttr : EnumAttr<Npu_Dialect, Npu_VecOp, "vec"> {
  let assemblyFormat = "`<` $value `>`";
}

// Addresses, sizes and counts: signless 64-bit integers read as signed, so
// a negative value is seen (and refused) rather than wrapped.
def Npu_Int : TypedSignlessIntegerAttrBase<I64, "int64_t",
                                           "64-bit signless integer"> {
  let convertFromStorage = "$_self.getValue().getSExtValue()";
}

class Npu_Op<string mnemonic, list<Trait> traits = []>
    : Op<Npu_Dialect, mnemonic, traits>;

def Npu_ProgramOp : Npu_Op<"program", [NoTerminator, SingleBlock]> {
  let summary = "An NPU program: queues of instructions per core and engine";
  let description = [{
    `tags` name the source ONNX nodes (or fused groups) that instructions'
    `tag` indices refer to, for profiles and traces. `dram_bytes` is the
    device memory the program addresses; `params` the number of run-time
    integer parameters its instructions read (guards, DMA offsets, masks).
  }];
  let arguments = (ins Npu_Int:$cores, Npu_Int:$dram_bytes,
                       StrArrayAttr:$tags,
                       DefaultValuedAttr<Npu_Int, "0">:$params);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "attr-dict-with-keyword $body";
  let hasVerifier = 1;
}

def Npu_QueueOp : Npu_Op<"queue", [NoTerminator, SingleBlock,
                                   HasParent<"ProgramOp">]> {
  let summary = "The in-order instruction queue of one engine of one core";
  let arguments = (ins Npu_Int:$core, Npu_EngineAttr:$engine);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$engine `core` $core attr-dict-with-keyword $body";
  let hasVerifier = 1;
}

class Npu_Instruction<string mnemonic, list<Trait> traits = []>
    : Npu_Op<mnemonic, traits # [HasParent<"QueueOp">]>;

class Npu_DmaOp<string mnemonic, string direction>
    : Npu_Instruction<mnemonic> {
  let summary = "A 4-D strided DMA transfer, " # direction;
  let arguments = (ins Npu_Int:$dram, Npu_Int:$sram, Npu_Int:$elem_bytes,
                       DenseI64ArrayAttr:$sizes,
                       DenseI64ArrayAttr:$dram_strides,
                       DenseI64ArrayAttr:$sram_strides,
                       DefaultValuedAttr<Npu_Int, "0">:$tag,
                       OptionalAttr<Npu_Int>:$dram_param,
                       OptionalAttr<Npu_Int>:$dram_param_stride,
                       OptionalAttr<Npu_Int>:$guard_param,
                       OptionalAttr<Npu_Int>:$guard_min,
                       OptionalAttr<Npu_Int>:$guard_max);
  let assemblyFormat = "attr-dict";
  let hasVerifier = 1;
}
def Npu_DmaLoadOp : Npu_DmaOp<"dma_load", "DRAM to SRAM">;
def Npu_DmaStoreOp : Npu_DmaOp<"dma_store", "SRAM to DRAM">;

def Npu_MatMulOp : Npu_Instruction<"matmul"> {
  let summary = "C (+)= A * B on the matrix engine, with an output stage";
  let description = [{
    A's `m` rows are an `a_outer` x `a_inner` window with byte strides. With
    `out`, the output stage adds `bias` (if given), requantizes with the
    per-channel multipliers and shifts at `requant` (integer modes, i8/u8
    outputs) or rounds to `out_type`, and writes to `out`. A bf16 matmul's
    output stage computes `sums * scale + bias` (scale 1 unless given).
    The weight-only modes bf16xi8 and bf16xi4 read B as integers (int4 two
    per byte), each times its f32 scale: `scales` holds one per `group` rows
    of K and column; otherwise they behave as bf16xbf16.
  }];
  let arguments = (ins Npu_MatModeAttr:$mode, Npu_Int:$m, Npu_Int:$n,
                       Npu_Int:$k, Npu_Int:$a, Npu_Int:$a_outer,
                       Npu_Int:$a_inner, Npu_Int:$a_outer_stride,
                       Npu_Int:$a_inner_stride, Npu_Int:$b,
                       Npu_Int:$b_row_stride, Npu_Int:$c,
                       Npu_Int:$c_row_stride, UnitAttr:$accumulate,
                       OptionalAttr<Npu_Int>:$out,
                       OptionalAttr<Npu_ElemTypeAttr>:$out_type,
                       OptionalAttr<Npu_Int>:$out_row_stride,
                       OptionalAttr<Npu_Int>:$bias,
                       OptionalAttr<Npu_Int>:$requant,
                       DefaultValuedAttr<Npu_Int, "0">:$zero_point,
                       DefaultValuedAttr<Npu_Int, "-128">:$clamp_lo,
                       DefaultValuedAttr<Npu_Int, "127">:$clamp_hi,
                       UnitAttr:$relu,
                       OptionalAttr<F32Attr>:$scale,
                       OptionalAttr<Npu_Int>:$out_outer_stride,
                       DefaultValuedAttr<Npu_Int, "0">:$tag,
                       OptionalAttr<Npu_Int>:$scales,
                       OptionalAttr<Npu_Int>:$group,
                       UnitAttr:$b_transposed,
                       OptionalAttr<Npu_Int>:$guard_param,
                       OptionalAttr<Npu_Int>:$guard_min,
                       OptionalAttr<Npu_Int>:$guard_max);
  let assemblyFormat = "attr-dict";
  let hasVerifier = 1;
}

def Npu_VectorOp : Npu_Instruction<"vector"> {
  let summary = "y[o][i] = a[o][i] op b[o][i * b_step] on the vector engine";
  let description = [{
    `outer` rows of `n` elements; row `o` of each operand starts
    `o * *_stride` bytes after its base, and each is `inner` rows
    `*_inner_stride` bytes apart. With `guard_param`, every instruction but
    signal and wait runs only when `guard_min <= params[guard_param] <=
    guard_max`.
  }];
  let arguments = (ins Npu_VecOpAttr:$op, Npu_ElemTypeAttr:$type, Npu_Int:$n,
                       Npu_Int:$a, Npu_Int:$b, Npu_Int:$y,
                       DefaultValuedAttr<Npu_Int, "1">:$b_step,
                       DefaultValuedAttr<Npu_Int, "1">:$outer,
                       DefaultValuedAttr<Npu_Int, "0">:$a_stride,
                       DefaultValuedAttr<Npu_Int, "0">:$b_stride,
                       DefaultValuedAttr<Npu_Int, "0">:$y_stride,
                       // requant and qadd: docs/npu.md, "Quantized add"
                       OptionalAttr<Npu_ElemTypeAttr>:$b_type,
                       OptionalAttr<Npu_ElemTypeAttr>:$out_type,
                       DefaultValuedAttr<Npu_Int, "0">:$zero_a,
                       DefaultValuedAttr<Npu_Int, "0">:$zero_b,
                       DefaultValuedAttr<Npu_Int, "0">:$mul_a,
                       DefaultValuedAttr<Npu_Int, "0">:$mul_b,
                       DefaultValuedAttr<Npu_Int, "0">:$multiplier,
                       DefaultValuedAttr<Npu_Int, "0">:$shift,
                       DefaultValuedAttr<Npu_Int, "0">:$zero_y,
                       DefaultValuedAttr<Npu_Int, "-128">:$clamp_lo,
                       DefaultValuedAttr<Npu_Int, "127">:$clamp_hi,
                       DefaultValuedAttr<Npu_Int, "0">:$tag,
                       // quantize and dequantize: y = a / scale, a * scale;
                       // fill: y = scale
                       OptionalAttr<F32Attr>:$scale,
                       DefaultValuedAttr<Npu_Int, "1">:$inner,
                       DefaultValuedAttr<Npu_Int, "0">:$a_inner_stride,
                       DefaultValuedAttr<Npu_Int, "0">:$b_inner_stride,
                       DefaultValuedAttr<Npu_Int, "0">:$y_inner_stride,
                       // mask: docs/npu.md, "Vector engine"
                       OptionalAttr<Npu_Int>:$mask_param,
                       DefaultValuedAttr<Npu_Int, "0">:$key_base,
                       DefaultValuedAttr<Npu_Int, "0">:$query_base,
                       DefaultValuedAttr<Npu_Int, "0">:$window,
                       OptionalAttr<Npu_Int>:$guard_param,
                       OptionalAttr<Npu_Int>:$guard_min,
                       OptionalAttr<Npu_Int>:$guard_max);
  let assemblyFormat = "attr-dict";
  let hasVerifier = 1;
}

def Npu_SignalOp : Npu_Instruction<"signal"> {
  let summary = "Increments a semaphore of `core` once earlier work is done";
  let arguments = (ins Npu_Int:$semaphore, Npu_Int:$core,
                       DefaultValuedAttr<Npu_Int, "0">:$tag);
  let assemblyFormat = "attr-dict";
  let hasVerifier = 1;
}

def Npu_WaitOp : Npu_Instruction<"wait"> {
  let summary = "Holds the queue until a semaphore reaches `value`";
  let arguments = (ins Npu_Int:$semaphore, Npu_Int:$value,
                       DefaultValuedAttr<Npu_Int, "0">:$tag);
  let assemblyFormat = "attr-dict";
  let hasVerifier = 1;
}

#endif // GAON_DIALECTS_NPU_NPUOPS_TD

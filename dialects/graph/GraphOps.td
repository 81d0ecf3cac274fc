//===- GraphOps.td - Gaon's typed tensor dialect ----------*- tablegen -*-===//
//
// `graph` is the one semantic layer that both targets consume: typed tensor
// ops with value semantics and static shapes. Every op's result type follows
// from its operands and attributes (InferTypeOpInterface), or is stated and
// checked by a verifier. Integer element types follow ONNX: signless integers
// are signed, `ui*` are unsigned, `i1` is bool. Semantics of each op:
// docs/dialects/graph.md.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_DIALECTS_GRAPH_GRAPHOPS_TD
#define GAON_DIALECTS_GRAPH_GRAPHOPS_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Dialect, enums, type constraints
//===----------------------------------------------------------------------===//

def Graph_Dialect : Dialect {
  let name = "graph";
  let cppNamespace = "::gaon::graph";
  let summary = "Typed tensor-level ops shared by the CPU and NPU targets";
  let useDefaultAttributePrinterParser = 1;
  // Attributes stay in the attribute dictionary so that type inference can
  // run on an OperationState before the op exists (see createInferred).
  let usePropertiesForAttributes = 0;
  let hasConstantMaterializer = 1;
  let dependentDialects = ["::mlir::quant::QuantizationDialect"];
}

class Graph_Enum<string name, string summary, list<I32EnumAttrCase> cases>
    : I32EnumAttr<name, summary, cases> {
  let cppNamespace = "::gaon::graph";
  let genSpecializedAttr = 0;
}

def Graph_ReduceKind : Graph_Enum<"ReduceKind", "reduction", [
  I32EnumAttrCase<"sum", 0>, I32EnumAttrCase<"mean", 1>,
  I32EnumAttrCase<"max", 2>, I32EnumAttrCase<"min", 3>,
  I32EnumAttrCase<"prod", 4>, I32EnumAttrCase<"l1", 5>,
  I32EnumAttrCase<"l2", 6>, I32EnumAttrCase<"log_sum", 7>,
  I32EnumAttrCase<"log_sum_exp", 8>, I32EnumAttrCase<"sum_square", 9>]>;
def Graph_ReduceKindAttr
    : EnumAttr<Graph_Dialect, Graph_ReduceKind, "reduce_kind"> {
  let assemblyFormat = "`<` $value `>`";
}

def Graph_PadMode : Graph_Enum<"PadMode", "padding mode", [
  I32EnumAttrCase<"constant", 0>, I32EnumAttrCase<"reflect", 1>,
  I32EnumAttrCase<"edge", 2>, I32EnumAttrCase<"wrap", 3>]>;
def Graph_PadModeAttr : EnumAttr<Graph_Dialect, Graph_PadMode, "pad_mode"> {
  let assemblyFormat = "`<` $value `>`";
}

def Graph_ResizeMode : Graph_Enum<"ResizeMode", "resize interpolation", [
  I32EnumAttrCase<"nearest", 0>, I32EnumAttrCase<"linear", 1>,
  I32EnumAttrCase<"cubic", 2>]>;
def Graph_ResizeModeAttr
    : EnumAttr<Graph_Dialect, Graph_ResizeMode, "resize_mode"> {
  let assemblyFormat = "`<` $value `>`";
}

def Graph_CoordinateMode : Graph_Enum<"CoordinateMode",
    "how output coordinates map to input coordinates", [
  I32EnumAttrCase<"half_pixel", 0>, I32EnumAttrCase<"pytorch_half_pixel", 1>,
  I32EnumAttrCase<"align_corners", 2>, I32EnumAttrCase<"asymmetric", 3>,
  I32EnumAttrCase<"half_pixel_symmetric", 4>,
  I32EnumAttrCase<"tf_half_pixel_for_nn", 5>]>;
def Graph_CoordinateModeAttr
    : EnumAttr<Graph_Dialect, Graph_CoordinateMode, "coordinate_mode"> {
  let assemblyFormat = "`<` $value `>`";
}

def Graph_NearestMode : Graph_Enum<"NearestMode", "nearest rounding", [
  I32EnumAttrCase<"round_prefer_floor", 0>,
  I32EnumAttrCase<"round_prefer_ceil", 1>, I32EnumAttrCase<"floor", 2>,
  I32EnumAttrCase<"ceil", 3>]>;
def Graph_NearestModeAttr
    : EnumAttr<Graph_Dialect, Graph_NearestMode, "nearest_mode"> {
  let assemblyFormat = "`<` $value `>`";
}

def Graph_ScatterReduction : Graph_Enum<"ScatterReduction",
    "how scattered updates combine with existing values", [
  I32EnumAttrCase<"none", 0>, I32EnumAttrCase<"add", 1>,
  I32EnumAttrCase<"mul", 2>, I32EnumAttrCase<"max", 3>,
  I32EnumAttrCase<"min", 4>]>;
def Graph_ScatterReductionAttr
    : EnumAttr<Graph_Dialect, Graph_ScatterReduction, "scatter_reduction"> {
  let assemblyFormat = "`<` $value `>`";
}

def Graph_Tensor : RankedTensorOf<[AnyType]>;
def Graph_FloatTensor : RankedTensorOf<[AnyFloat]>;
def Graph_IntTensor : RankedTensorOf<[AnyInteger]>;
def Graph_BoolTensor : RankedTensorOf<[I1]>;
def Graph_IndexTensor : RankedTensorOf<[I32, I64]>;
def Graph_NumericTensor : RankedTensorOf<[AnyFloat, AnyInteger]>;
def Graph_QuantizedType
    : Type<CPred<"::llvm::isa<::mlir::quant::QuantizedType>($_self)">,
           "quantized type">;
def Graph_QuantTensor : RankedTensorOf<[Graph_QuantizedType]>;
// Max pooling commutes with a monotonic dequantization, so it runs on
// quantized values as they are.
def Graph_PoolableTensor
    : RankedTensorOf<[AnyFloat, AnyInteger, Graph_QuantizedType]>;

class Graph_Op<string mnemonic, list<Trait> traits = []>
    : Op<Graph_Dialect, mnemonic, !listconcat(traits, [Pure])>;

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def Graph_ConstantOp : Graph_Op<"constant",
    [ConstantLike, InferTypeOpAdaptor]> {
  let summary = "A tensor known at compile time";
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Graph_Tensor:$output);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise unary ops
//===----------------------------------------------------------------------===//

class Graph_UnaryOp<string mnemonic, Type tensorType, list<Trait> traits = []>
    : Graph_Op<mnemonic, !listconcat(traits, [SameOperandsAndResultType])> {
  let arguments = (ins tensorType:$input);
  let results = (outs tensorType:$output);
  let assemblyFormat = "$input attr-dict `:` type($output)";
}

class Graph_FloatUnaryOp<string mnemonic, string formula>
    : Graph_UnaryOp<mnemonic, Graph_FloatTensor> {
  let summary = "Elementwise y = " # formula;
}

def Graph_ExpOp : Graph_FloatUnaryOp<"exp", "exp(x)">;
def Graph_LogOp : Graph_FloatUnaryOp<"log", "ln(x)">;
def Graph_TanhOp : Graph_FloatUnaryOp<"tanh", "tanh(x)">;
def Graph_SigmoidOp : Graph_FloatUnaryOp<"sigmoid", "1 / (1 + exp(-x))">;
def Graph_ErfOp : Graph_FloatUnaryOp<"erf", "erf(x)">;
def Graph_SqrtOp : Graph_FloatUnaryOp<"sqrt", "sqrt(x)">;
def Graph_RsqrtOp : Graph_FloatUnaryOp<"rsqrt", "1 / sqrt(x)">;
def Graph_ReciprocalOp : Graph_FloatUnaryOp<"reciprocal", "1 / x">;
def Graph_SiluOp : Graph_FloatUnaryOp<"silu", "x * sigmoid(x)">;
def Graph_HardSwishOp
    : Graph_FloatUnaryOp<"hard_swish", "x * max(0, min(1, x / 6 + 1 / 2))">;
def Graph_SinOp : Graph_FloatUnaryOp<"sin", "sin(x)">;
def Graph_CosOp : Graph_FloatUnaryOp<"cos", "cos(x)">;
def Graph_TanOp : Graph_FloatUnaryOp<"tan", "tan(x)">;
def Graph_AsinOp : Graph_FloatUnaryOp<"asin", "asin(x)">;
def Graph_AcosOp : Graph_FloatUnaryOp<"acos", "acos(x)">;
def Graph_AtanOp : Graph_FloatUnaryOp<"atan", "atan(x)">;
def Graph_SinhOp : Graph_FloatUnaryOp<"sinh", "sinh(x)">;
def Graph_CoshOp : Graph_FloatUnaryOp<"cosh", "cosh(x)">;
def Graph_AsinhOp : Graph_FloatUnaryOp<"asinh", "asinh(x)">;
def Graph_AcoshOp : Graph_FloatUnaryOp<"acosh", "acosh(x)">;
def Graph_AtanhOp : Graph_FloatUnaryOp<"atanh", "atanh(x)">;
def Graph_SoftplusOp : Graph_FloatUnaryOp<"softplus", "ln(exp(x) + 1)">;
def Graph_SoftsignOp : Graph_FloatUnaryOp<"softsign", "x / (1 + |x|)">;
def Graph_FloorOp : Graph_FloatUnaryOp<"floor", "floor(x)">;
def Graph_CeilOp : Graph_FloatUnaryOp<"ceil", "ceil(x)">;
def Graph_RoundOp
    : Graph_FloatUnaryOp<"round", "x rounded to nearest, ties to even">;

def Graph_GeluOp : Graph_UnaryOp<"gelu", Graph_FloatTensor> {
  let summary = "Elementwise Gaussian error linear unit";
  let description = [{
    `x * 0.5 * (1 + erf(x / sqrt(2)))`, or with `tanh_approximation`
    `x * 0.5 * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))`.
  }];
  let arguments = (ins Graph_FloatTensor:$input,
                       DefaultValuedAttr<BoolAttr, "false">:$tanh_approximation);
}

class Graph_FloatUnaryAlphaOp<string mnemonic, string formula>
    : Graph_UnaryOp<mnemonic, Graph_FloatTensor> {
  let summary = "Elementwise y = " # formula;
  let arguments = (ins Graph_FloatTensor:$input, F32Attr:$alpha);
}

def Graph_EluOp
    : Graph_FloatUnaryAlphaOp<"elu", "x >= 0 ? x : alpha * (exp(x) - 1)">;
def Graph_CeluOp : Graph_FloatUnaryAlphaOp<"celu",
    "max(0, x) + min(0, alpha * (exp(x / alpha) - 1))">;
def Graph_LeakyReluOp
    : Graph_FloatUnaryAlphaOp<"leaky_relu", "x >= 0 ? x : alpha * x">;
def Graph_ThresholdedReluOp
    : Graph_FloatUnaryAlphaOp<"thresholded_relu", "x > alpha ? x : 0">;

def Graph_SeluOp : Graph_UnaryOp<"selu", Graph_FloatTensor> {
  let summary = "Elementwise y = gamma * (x > 0 ? x : alpha * (exp(x) - 1))";
  let arguments = (ins Graph_FloatTensor:$input, F32Attr:$alpha,
                       F32Attr:$gamma);
}

def Graph_HardSigmoidOp : Graph_UnaryOp<"hard_sigmoid", Graph_FloatTensor> {
  let summary = "Elementwise y = max(0, min(1, alpha * x + beta))";
  let arguments = (ins Graph_FloatTensor:$input, F32Attr:$alpha,
                       F32Attr:$beta);
}

def Graph_ShrinkOp : Graph_UnaryOp<"shrink", Graph_NumericTensor> {
  let summary = "Elementwise y = x < -lambd ? x + bias : x > lambd ? x - bias : 0";
  let arguments = (ins Graph_NumericTensor:$input, F32Attr:$bias,
                       F32Attr:$lambd);
}

def Graph_ClipOp : Graph_UnaryOp<"clip", Graph_NumericTensor> {
  let summary = "Elementwise y = min(max(x, min), max)";
  let description = [{
    Either bound may be absent (unbounded). Bounds are stored as f64 and
    compared in the element type; integer bounds must be exact in f64.
  }];
  let arguments = (ins Graph_NumericTensor:$input, OptionalAttr<F64Attr>:$min,
                       OptionalAttr<F64Attr>:$max);
  let hasVerifier = 1;
}

def Graph_AbsOp : Graph_UnaryOp<"abs", Graph_NumericTensor> {
  let summary = "Elementwise |x|";
}
def Graph_NegOp : Graph_UnaryOp<"neg", Graph_NumericTensor> {
  let summary = "Elementwise -x (wrapping for integers)";
  let hasFolder = 1;
}
def Graph_SignOp : Graph_UnaryOp<"sign", Graph_NumericTensor> {
  let summary = "Elementwise -1, 0 or 1 by the sign of x";
}
def Graph_ReluOp : Graph_UnaryOp<"relu", Graph_NumericTensor> {
  let summary = "Elementwise max(x, 0)";
}
def Graph_NotOp : Graph_UnaryOp<"not", Graph_BoolTensor> {
  let summary = "Elementwise logical not";
  let hasFolder = 1;
}
def Graph_BitwiseNotOp : Graph_UnaryOp<"bitwise_not", Graph_IntTensor> {
  let summary = "Elementwise bitwise complement";
}

class Graph_FloatPredicateOp<string mnemonic, string predicate>
    : Graph_Op<mnemonic, [SameOperandsAndResultShape]> {
  let summary = "Elementwise bool: " # predicate;
  let results = (outs Graph_BoolTensor:$output);
  let assemblyFormat =
      "$input attr-dict `:` type($input) `->` type($output)";
}

def Graph_IsNanOp : Graph_FloatPredicateOp<"is_nan", "x is NaN"> {
  let arguments = (ins Graph_FloatTensor:$input);
}
def Graph_IsInfOp : Graph_FloatPredicateOp<"is_inf",
    "x is +inf (if detect_positive) or -inf (if detect_negative)"> {
  let arguments = (ins Graph_FloatTensor:$input,
                       DefaultValuedAttr<BoolAttr, "true">:$detect_positive,
                       DefaultValuedAttr<BoolAttr, "true">:$detect_negative);
}

//===----------------------------------------------------------------------===//
// Elementwise binary ops with multidirectional (numpy) broadcasting
//===----------------------------------------------------------------------===//

class Graph_BinaryOp<string mnemonic, Type tensorType, list<Trait> traits = []>
    : Graph_Op<mnemonic, !listconcat(traits, [InferTypeOpAdaptor])> {
  let arguments = (ins tensorType:$lhs, tensorType:$rhs);
  let results = (outs Graph_Tensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($output)
  }];
  let hasFolder = 1;
}

def Graph_AddOp : Graph_BinaryOp<"add", Graph_NumericTensor, [Commutative]> {
  let summary = "Elementwise lhs + rhs (wrapping for integers)";
}
def Graph_SubOp : Graph_BinaryOp<"sub", Graph_NumericTensor> {
  let summary = "Elementwise lhs - rhs (wrapping for integers)";
}
def Graph_MulOp : Graph_BinaryOp<"mul", Graph_NumericTensor, [Commutative]> {
  let summary = "Elementwise lhs * rhs (wrapping for integers)";
}
def Graph_DivOp : Graph_BinaryOp<"div", Graph_NumericTensor> {
  let summary = "Elementwise lhs / rhs (integers truncate toward zero)";
}
def Graph_PowOp : Graph_BinaryOp<"pow", Graph_NumericTensor> {
  let summary = "Elementwise lhs ^ rhs; the result has lhs's element type";
  let arguments = (ins Graph_NumericTensor:$lhs, Graph_NumericTensor:$rhs);
}
def Graph_MaxOp : Graph_BinaryOp<"max", Graph_NumericTensor, [Commutative]> {
  let summary = "Elementwise maximum (NaN if either is NaN)";
}
def Graph_MinOp : Graph_BinaryOp<"min", Graph_NumericTensor, [Commutative]> {
  let summary = "Elementwise minimum (NaN if either is NaN)";
}
def Graph_ModOp : Graph_BinaryOp<"mod", Graph_NumericTensor> {
  let summary = "Elementwise remainder";
  let description = [{
    With `fmod`, the remainder takes the sign of the dividend (C fmod);
    otherwise (integers only) it takes the sign of the divisor (Python %).
  }];
  let arguments = (ins Graph_NumericTensor:$lhs, Graph_NumericTensor:$rhs,
                       DefaultValuedAttr<BoolAttr, "false">:$fmod);
}
def Graph_PReluOp : Graph_BinaryOp<"prelu", Graph_NumericTensor> {
  let summary = "Elementwise lhs < 0 ? lhs * rhs : lhs (rhs broadcasts to lhs)";
}
def Graph_AndOp : Graph_BinaryOp<"and", Graph_BoolTensor, [Commutative]> {
  let summary = "Elementwise logical and";
}
def Graph_OrOp : Graph_BinaryOp<"or", Graph_BoolTensor, [Commutative]> {
  let summary = "Elementwise logical or";
}
def Graph_XorOp : Graph_BinaryOp<"xor", Graph_BoolTensor, [Commutative]> {
  let summary = "Elementwise logical exclusive or";
}
def Graph_BitShiftOp : Graph_BinaryOp<"bit_shift", Graph_IntTensor> {
  let summary = "Elementwise lhs << rhs or lhs >> rhs (unsigned only)";
  let arguments = (ins Graph_IntTensor:$lhs, Graph_IntTensor:$rhs,
                       BoolAttr:$left);
}

class Graph_CompareOp<string mnemonic, string relation>
    : Graph_BinaryOp<mnemonic, Graph_Tensor> {
  let summary = "Elementwise bool: lhs " # relation # " rhs";
}
def Graph_EqualOp : Graph_CompareOp<"equal", "==">;
def Graph_LessOp : Graph_CompareOp<"less", "<">;
def Graph_LessEqualOp : Graph_CompareOp<"less_equal", "<=">;
def Graph_GreaterOp : Graph_CompareOp<"greater", ">">;
def Graph_GreaterEqualOp : Graph_CompareOp<"greater_equal", ">=">;

def Graph_SelectOp : Graph_Op<"select", [InferTypeOpAdaptor]> {
  let summary = "Elementwise condition ? on_true : on_false, broadcasting";
  let arguments = (ins Graph_BoolTensor:$condition, Graph_Tensor:$on_true,
                       Graph_Tensor:$on_false);
  let results = (outs Graph_Tensor:$output);
  let assemblyFormat = [{
    $condition `,` $on_true `,` $on_false attr-dict `:` type($condition) `,`
    type($on_true) `,` type($on_false) `->` type($output)
  }];
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Linear algebra, convolution, pooling
//===----------------------------------------------------------------------===//

def Graph_MatMulOp : Graph_Op<"matmul", [InferTypeOpAdaptor]> {
  let summary = "numpy.matmul: batched, broadcasting matrix product";
  let description = [{
    A 1-D lhs is a row vector and a 1-D rhs a column vector; the inserted
    dimension is dropped from the result. Batch dimensions broadcast.
    Float operands accumulate in at least fp32.
  }];
  let arguments = (ins Graph_NumericTensor:$lhs, Graph_NumericTensor:$rhs);
  let results = (outs Graph_NumericTensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($output)
  }];
}

def Graph_ConvOp : Graph_Op<"conv", [InferTypeOpAdaptor]> {
  let summary = "N-D grouped, dilated convolution (cross-correlation), NCHW";
  let description = [{
    input `N x C x D1..Dk`, weight `M x C/group x K1..Kk`, optional bias `M`.
    `pads` holds k begin pads then k end pads.
  }];
  let arguments = (ins Graph_NumericTensor:$input, Graph_NumericTensor:$weight,
                       Optional<Graph_NumericTensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pads,
                       DefaultValuedAttr<I64Attr, "1">:$group);
  let results = (outs Graph_NumericTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

def Graph_ConvTransposeOp
    : Graph_Op<"conv_transpose", [InferTypeOpAdaptor]> {
  let summary = "N-D grouped, dilated transposed convolution, NCHW";
  let description = [{
    input `N x C x D1..Dk`, weight `C x M/group x K1..Kk`, optional bias `M`.
    Output size per spatial axis:
    `(D - 1) * stride + (K - 1) * dilation + 1 - pad_begin - pad_end +
    output_padding`.
  }];
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$weight,
                       Optional<Graph_FloatTensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$output_padding,
                       DefaultValuedAttr<I64Attr, "1">:$group);
  let results = (outs Graph_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

class Graph_PoolOp<string mnemonic> : Graph_Op<mnemonic, [InferTypeOpAdaptor]> {
  let results = (outs Graph_NumericTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

def Graph_MaxPoolOp : Graph_PoolOp<"max_pool"> {
  let summary = "N-D max pooling over spatial axes, NCHW";
  let description = [{
    Padding never wins the max. With `ceil_mode`, the output size rounds up,
    but a window that would start in the end padding is dropped.
  }];
  let arguments = (ins Graph_PoolableTensor:$input,
                       DenseI64ArrayAttr:$kernel_shape,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pads,
                       DefaultValuedAttr<BoolAttr, "false">:$ceil_mode);
  let results = (outs Graph_PoolableTensor:$output);
}

def Graph_AvgPoolOp : Graph_PoolOp<"avg_pool"> {
  let summary = "N-D average pooling over spatial axes, NCHW";
  let description = [{
    The divisor counts the window's in-bounds elements, or also its padding
    elements with `count_include_pad` (never the part past the end that only
    `ceil_mode` adds).
  }];
  let arguments = (ins Graph_FloatTensor:$input,
                       DenseI64ArrayAttr:$kernel_shape,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pads,
                       DefaultValuedAttr<BoolAttr, "false">:$ceil_mode,
                       DefaultValuedAttr<BoolAttr, "false">:$count_include_pad);
}

//===----------------------------------------------------------------------===//
// Reductions, normalizations, softmax
//===----------------------------------------------------------------------===//

def Graph_ReduceOp : Graph_Op<"reduce", [InferTypeOpAdaptor]> {
  let summary = "Reduction over a set of axes";
  let description = [{
    `axes` are sorted, unique and non-negative. With `keepdims` the reduced
    axes stay with size 1. An empty `axes` reduces nothing (the op is the
    identity for sum, max, min, prod, mean; it still applies the elementwise
    part of l1, l2, log_sum, log_sum_exp, sum_square).
  }];
  let arguments = (ins Graph_NumericTensor:$input, Graph_ReduceKindAttr:$kind,
                       DenseI64ArrayAttr:$axes,
                       DefaultValuedAttr<BoolAttr, "true">:$keepdims);
  let results = (outs Graph_NumericTensor:$output);
  let assemblyFormat = "$kind $input attr-dict `:` type($input) `->` type($output)";
  let hasFolder = 1;
}

class Graph_ArgReduceOp<string mnemonic, string which>
    : Graph_Op<mnemonic, [InferTypeOpAdaptor]> {
  let summary = "Index (i64) of the " # which # " along an axis";
  let description = [{
    The first such index, or the last with `select_last_index`.
  }];
  let arguments = (ins Graph_NumericTensor:$input, I64Attr:$axis,
                       DefaultValuedAttr<BoolAttr, "true">:$keepdims,
                       DefaultValuedAttr<BoolAttr, "false">:$select_last_index);
  let results = (outs RankedTensorOf<[I64]>:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}
def Graph_ArgMaxOp : Graph_ArgReduceOp<"arg_max", "maximum">;
def Graph_ArgMinOp : Graph_ArgReduceOp<"arg_min", "minimum">;

class Graph_AxisOp<string mnemonic, string summaryText>
    : Graph_Op<mnemonic, [InferTypeOpAdaptor]> {
  let summary = summaryText;
  let arguments = (ins Graph_FloatTensor:$input, I64Attr:$axis);
  let results = (outs Graph_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}
def Graph_SoftmaxOp : Graph_AxisOp<"softmax", "Softmax along one axis">;
def Graph_LogSoftmaxOp
    : Graph_AxisOp<"log_softmax", "Log of softmax along one axis">;
def Graph_HardmaxOp : Graph_AxisOp<"hardmax",
    "1 at the first maximum along one axis, 0 elsewhere">;

def Graph_CumSumOp : Graph_Op<"cumsum", [InferTypeOpAdaptor]> {
  let summary = "Cumulative sum along an axis";
  let arguments = (ins Graph_NumericTensor:$input, I64Attr:$axis,
                       DefaultValuedAttr<BoolAttr, "false">:$exclusive,
                       DefaultValuedAttr<BoolAttr, "false">:$reverse);
  let results = (outs Graph_NumericTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

def Graph_BatchNormOp : Graph_Op<"batch_norm", [InferTypeOpAdaptor]> {
  let summary = "Inference batch normalization over axis 1";
  let description = [{
    `y = (x - mean) / sqrt(variance + epsilon) * scale + bias`, with the
    per-channel operands (each of size C) broadcast over axis 1.
  }];
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$scale,
                       Graph_FloatTensor:$bias, Graph_FloatTensor:$mean,
                       Graph_FloatTensor:$variance, F32Attr:$epsilon);
  let results = (outs Graph_FloatTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  // Folds into a preceding convolution with constant weights.
  let hasCanonicalizer = 1;
}

def Graph_InstanceNormOp : Graph_Op<"instance_norm", [InferTypeOpAdaptor]> {
  let summary = "Normalization per sample and channel over spatial axes";
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$scale,
                       Graph_FloatTensor:$bias, F32Attr:$epsilon);
  let results = (outs Graph_FloatTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Graph_LayerNormOp
    : Graph_Op<"layer_norm", [InferTypeOpAdaptor]> {
  let summary = "Layer normalization over the axes from `axis` on";
  let description = [{
    `y = (x - mean) / sqrt(var + epsilon) * scale + bias`, statistics over
    axes `[axis, rank)`; scale and bias broadcast to those trailing axes.
  }];
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$scale,
                       Optional<Graph_FloatTensor>:$bias, I64Attr:$axis,
                       F32Attr:$epsilon);
  let results = (outs Graph_FloatTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Graph_RmsNormOp : Graph_Op<"rms_norm", [InferTypeOpAdaptor]> {
  let summary = "Root-mean-square normalization over the axes from `axis` on";
  let description = [{
    `y = x / sqrt(mean(x^2) + epsilon) * scale`, as in LLaMA-family and
    EXAONE decoders.
  }];
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$scale,
                       I64Attr:$axis, F32Attr:$epsilon);
  let results = (outs Graph_FloatTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Transformer blocks
//===----------------------------------------------------------------------===//

def Graph_RotaryEmbeddingOp
    : Graph_Op<"rotary_embedding", [InferTypeOpAdaptor]> {
  let summary = "Rotary position embedding of the leading channels of the last axis";
  let description = [{
    With R the last size of `cos` (even, at most the input's last size D):
    `y[..., :R] = x[..., :R] * cos + rot(x[..., :R]) * sin` and
    `y[..., R:] = x[..., R:]` (partial rotary passes the rest through).
    `rot(v)` is `concat(-v[R/2:], v[:R/2])` (rotate-half, LLaMA/EXAONE) or,
    with `interleaved`, `rot(v)[2i] = -v[2i+1], rot(v)[2i+1] = v[2i]`
    (GPT-J). `cos` and `sin` hold one value per rotated channel (the halves
    repeated, as exporters compute them) and broadcast to the input's shape
    with its last size replaced by R.
  }];
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$cos,
                       Graph_FloatTensor:$sin,
                       DefaultValuedAttr<BoolAttr, "false">:$interleaved);
  let results = (outs Graph_FloatTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Graph_AttentionOp
    : Graph_Op<"attention", [InferTypeOpAdaptor, AttrSizedOperandSegments]> {
  let summary = "Scaled dot-product attention with grouped key/value heads";
  let description = [{
    query `B x Hq x S x D`, key `B x Hkv x T x D`, value `B x Hkv x T x Dv`,
    Hkv dividing Hq: query head h reads key/value head `h / (Hq / Hkv)`
    (grouped-query attention without copying the shared heads). Output
    `B x Hq x S x Dv`:
    `out[b,h,i] = sum_j softmax_j(s[b,h,i,j]) * value[b,h/g,j]` over the
    keys j that are allowed, with
    `s = scale * query[b,h,i] . key[b,h/g,j]`, then
    `s = softcap * tanh(s / softcap)` when `softcap > 0`, then `+ mask`.
    `mask` (optional, additive, the query's type) broadcasts to
    `B x Hq x S x T`. `kv_lengths` (optional, `B` integers) is the number
    of valid keys L of each batch row (all T without it); query i sits at
    position `p = L - S + i`. Key j is allowed when `j < L`, when
    `causal` is false or `j <= p`, and when `window` is 0 or `j > p -
    window` (a sliding window of `window` keys, the query's own included).
    A query with no allowed key gets zeros.
  }];
  let arguments = (ins Graph_FloatTensor:$query, Graph_FloatTensor:$key,
                       Graph_FloatTensor:$value,
                       Optional<Graph_FloatTensor>:$mask,
                       Optional<Graph_IndexTensor>:$kv_lengths,
                       F32Attr:$scale,
                       DefaultValuedAttr<BoolAttr, "false">:$causal,
                       DefaultValuedAttr<I64Attr, "0">:$window,
                       DefaultValuedAttr<F32Attr, "0.0f">:$softcap);
  let results = (outs Graph_FloatTensor:$output);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`mask` $mask^)? (`kv_lengths` $kv_lengths^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    /// Hq / Hkv: how many query heads share one key/value head.
    int64_t getGroupSize() {
      return getQuery().getType().getDimSize(1) /
             getKey().getType().getDimSize(1);
    }
  }];
}

def Graph_CacheUpdateOp : Graph_Op<"cache_update", [InferTypeOpAdaptor]> {
  let summary = "Writes new rows into a key/value cache at per-batch positions";
  let description = [{
    `cache` and `update` have one rank and agree on every axis but `axis`
    (1 <= axis < rank), along which `update` has S entries and `cache` M.
    `positions` holds one integer per batch row (axis 0). The result is
    the cache with `result[b, ..., positions[b] + i, ...] =
    update[b, ..., i, ...]` for i < S along `axis`, the rest unchanged. A
    position outside [0, M - S] is an error when the op runs. This is how a
    decoder step appends its keys and values.
  }];
  let arguments = (ins Graph_Tensor:$cache, Graph_Tensor:$update,
                       Graph_IndexTensor:$positions, I64Attr:$axis);
  let results = (outs Graph_Tensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Graph_PositionRowsOp : Graph_Op<"position_rows"> {
  let summary = "Rows of a per-position table at run-time positions";
  let description = [{
    `table` holds one row of R values per position (a rotary embedding's
    cos or sin for every position the cache holds); `positions` one
    integer per batch row. The result, `Bt x 1 x S x R` with Bt 1 or the
    batch, holds `result[b, 0, i] = table[positions[b] + i]`: the rows of a
    step's S tokens. A position whose rows fall outside the table is an
    error when the op runs. gaon-llm-kv-cache computes the tables at
    compile time, so a decoder step reads them instead of recomputing cos
    and sin from the position.
  }];
  let arguments = (ins Graph_FloatTensor:$table, Graph_IndexTensor:$positions);
  let results = (outs Graph_FloatTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_LrnOp : Graph_Op<"lrn", [SameOperandsAndResultType]> {
  let summary = "Local response normalization across channels";
  let description = [{
    `y = x / (bias + alpha / size * sum(x^2 over channels
    [c - floor((size-1)/2), c + ceil((size-1)/2)]))^beta`.
  }];
  let arguments = (ins Graph_FloatTensor:$input, I64Attr:$size, F32Attr:$alpha,
                       F32Attr:$beta, F32Attr:$bias);
  let results = (outs Graph_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($output)";
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def Graph_ReshapeOp : Graph_Op<"reshape"> {
  let summary = "Same elements in row-major order, new static shape";
  let arguments = (ins Graph_Tensor:$input);
  let results = (outs Graph_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Graph_TransposeOp : Graph_Op<"transpose", [InferTypeOpAdaptor]> {
  let summary = "Permutes axes: output axis i is input axis perm[i]";
  let arguments = (ins Graph_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Graph_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Graph_ConcatOp : Graph_Op<"concat", [InferTypeOpAdaptor]> {
  let summary = "Joins tensors along an axis";
  let arguments = (ins Variadic<Graph_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Graph_Tensor:$output);
  let assemblyFormat = "$inputs attr-dict `:` functional-type($inputs, $output)";
  let hasFolder = 1;
}

def Graph_SplitOp : Graph_Op<"split", [InferTypeOpAdaptor]> {
  let summary = "Cuts a tensor along an axis into pieces of given sizes";
  let arguments = (ins Graph_Tensor:$input, I64Attr:$axis,
                       DenseI64ArrayAttr:$sizes);
  let results = (outs Variadic<Graph_Tensor>:$outputs);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($outputs)";
}

def Graph_SliceOp : Graph_Op<"slice"> {
  let summary = "Strided slice: output[i] = input[starts + i * steps]";
  let description = [{
    One start and one non-zero step per axis; the output shape is the
    result type. Every index the slice reads must be in bounds (the
    onnx-to-graph conversion clamps ONNX's starts and ends into this form).
  }];
  let arguments = (ins Graph_Tensor:$input, DenseI64ArrayAttr:$starts,
                       DenseI64ArrayAttr:$steps);
  let results = (outs Graph_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Graph_PadOp : Graph_Op<"pad", [InferTypeOpAdaptor]> {
  let summary = "Pads (or, with negative pads, crops) every axis";
  let description = [{
    `pads` holds rank begin pads then rank end pads. `value` fills in
    `constant` mode; `reflect` mirrors without repeating the edge, `edge`
    repeats it, `wrap` wraps around.
  }];
  let arguments = (ins Graph_Tensor:$input, Graph_PadModeAttr:$mode,
                       DenseI64ArrayAttr:$pads,
                       DefaultValuedAttr<F64Attr, "0.0">:$value);
  let results = (outs Graph_Tensor:$output);
  let assemblyFormat = "$mode $input attr-dict `:` type($input) `->` type($output)";
}

def Graph_GatherOp : Graph_Op<"gather", [InferTypeOpAdaptor]> {
  let summary = "numpy.take: selects slices along an axis by index";
  let description = [{
    Output shape: input[:axis] + indices + input[axis+1:]. Negative indices
    count from the end; an index out of [-d, d) is an error at run time.
  }];
  let arguments = (ins Graph_Tensor:$input, Graph_IndexTensor:$indices,
                       I64Attr:$axis);
  let results = (outs Graph_Tensor:$output);
  let assemblyFormat = [{
    $input `[` $indices `]` attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def Graph_GatherElementsOp : Graph_Op<"gather_elements", [InferTypeOpAdaptor]> {
  let summary = "output[i][j][k] = input[index][j][k] for axis 0, and so on";
  let arguments = (ins Graph_Tensor:$input, Graph_IndexTensor:$indices,
                       I64Attr:$axis);
  let results = (outs Graph_Tensor:$output);
  let assemblyFormat = [{
    $input `[` $indices `]` attr-dict `:` functional-type(operands, results)
  }];
}

def Graph_GatherNdOp : Graph_Op<"gather_nd", [InferTypeOpAdaptor]> {
  let summary = "Gathers slices addressed by index tuples (ONNX GatherND)";
  let arguments = (ins Graph_Tensor:$input, RankedTensorOf<[I64]>:$indices,
                       DefaultValuedAttr<I64Attr, "0">:$batch_dims);
  let results = (outs Graph_Tensor:$output);
  let assemblyFormat = [{
    $input `[` $indices `]` attr-dict `:` functional-type(operands, results)
  }];
}

def Graph_ScatterElementsOp
    : Graph_Op<"scatter_elements", [InferTypeOpAdaptor]> {
  let summary = "Inverse of gather_elements: writes updates into a copy of input";
  let arguments = (ins Graph_Tensor:$input, Graph_IndexTensor:$indices,
                       Graph_Tensor:$updates, I64Attr:$axis,
                       DefaultValuedAttr<Graph_ScatterReductionAttr,
                           "ScatterReduction::none">:$reduction);
  let results = (outs Graph_Tensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Graph_ScatterNdOp : Graph_Op<"scatter_nd", [InferTypeOpAdaptor]> {
  let summary = "Inverse of gather_nd: writes slices into a copy of input";
  let arguments = (ins Graph_Tensor:$input, RankedTensorOf<[I64]>:$indices,
                       Graph_Tensor:$updates,
                       DefaultValuedAttr<Graph_ScatterReductionAttr,
                           "ScatterReduction::none">:$reduction);
  let results = (outs Graph_Tensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Graph_ExpandOp : Graph_Op<"expand"> {
  let summary = "Broadcasts input to the result shape";
  let arguments = (ins Graph_Tensor:$input);
  let results = (outs Graph_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Graph_TileOp : Graph_Op<"tile", [InferTypeOpAdaptor]> {
  let summary = "Repeats the input `repeats[i]` times along axis i";
  let arguments = (ins Graph_Tensor:$input, DenseI64ArrayAttr:$repeats);
  let results = (outs Graph_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

def Graph_CastOp : Graph_Op<"cast"> {
  let summary = "Converts each element to the result element type";
  let description = [{
    Float to integer truncates toward zero and saturates; NaN becomes 0.
    Integer to integer wraps. Any non-zero value becomes true for bool.
  }];
  let arguments = (ins Graph_Tensor:$input);
  let results = (outs Graph_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Graph_ResizeOp : Graph_Op<"resize"> {
  let summary = "Resamples to the result shape by interpolation";
  let description = [{
    For output index o on an axis with input size i and output size s, the
    input coordinate is given by `coordinate_mode` with scale s / i (or the
    explicit `scales` when the model gave them). `nearest` rounds with
    `nearest_mode`; `linear` and `cubic` interpolate separably.
  }];
  let arguments = (ins Graph_FloatTensor:$input, Graph_ResizeModeAttr:$mode,
                       Graph_CoordinateModeAttr:$coordinate_mode,
                       DefaultValuedAttr<Graph_NearestModeAttr,
                           "NearestMode::round_prefer_floor">:$nearest_mode,
                       DenseF64ArrayAttr:$scales,
                       DefaultValuedAttr<F32Attr, "-0.75">:$cubic_coeff_a,
                       DefaultValuedAttr<BoolAttr, "false">:$exclude_outside);
  let results = (outs Graph_FloatTensor:$output);
  let assemblyFormat = "$mode $input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Graph_TopKOp : Graph_Op<"top_k", [InferTypeOpAdaptor]> {
  let summary = "The k largest (or smallest) values along an axis, and indices";
  let description = [{
    Sorted (largest first, or smallest first); ties keep the lower index.
  }];
  let arguments = (ins Graph_NumericTensor:$input, I64Attr:$k, I64Attr:$axis,
                       DefaultValuedAttr<BoolAttr, "true">:$largest);
  let results = (outs Graph_NumericTensor:$values,
                      RankedTensorOf<[I64]>:$indices);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type(results)";
}

def Graph_TriluOp : Graph_Op<"trilu", [SameOperandsAndResultType]> {
  let summary = "Keeps the upper (or lower) triangle of the last two axes";
  let description = [{
    Upper keeps elements with col - row >= k, lower those with
    col - row <= k; the rest become zero.
  }];
  let arguments = (ins Graph_Tensor:$input, BoolAttr:$upper, I64Attr:$k);
  let results = (outs Graph_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($output)";
  let hasVerifier = 1;
}

def Graph_OneHotOp : Graph_Op<"one_hot"> {
  let summary = "on_value where the index matches, off_value elsewhere";
  let description = [{
    Inserts a new axis of size `depth` at `axis` of the result; negative
    indices count from the end of depth.
  }];
  let arguments = (ins Graph_NumericTensor:$indices, I64Attr:$axis,
                       F64Attr:$off_value, F64Attr:$on_value);
  let results = (outs Graph_NumericTensor:$output);
  let assemblyFormat = "$indices attr-dict `:` type($indices) `->` type($output)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

def Graph_QuantizeOp : Graph_Op<"quantize"> {
  let summary = "Float to quantized: saturate(round_half_even(x / scale) + zp)";
  let description = [{
    Scale, zero point and (per-axis) channel axis are those of the result's
    `!quant.uniform` element type.
  }];
  let arguments = (ins Graph_FloatTensor:$input);
  let results = (outs Graph_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Graph_DequantizeOp : Graph_Op<"dequantize"> {
  let summary = "Quantized to float: (q - zp) * scale";
  let arguments = (ins Graph_Tensor:$input);
  let results = (outs Graph_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Graph_StorageCastOp : Graph_Op<"storage_cast"> {
  let summary = "Reinterprets quantized values as their storage integers, or back";
  let arguments = (ins Graph_Tensor:$input);
  let results = (outs Graph_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Integer arithmetic on quantized tensors
//===----------------------------------------------------------------------===//

def Graph_QConvOp : Graph_Op<"qconv", [InferTypeOpAdaptor]> {
  let summary = "Integer convolution: exact int32 sums of (x - zx) * (w - zw)";
  let description = [{
    `graph.conv` on quantized operands. The input is 8-bit and quantized per
    tensor; the weight is quantized per tensor or per output channel (axis
    0) with storage of at most 8 bits. The optional bias is plain i32 and is
    added to the sums. The result holds the int32 sums themselves: a
    quantized i32 type with zero point 0 and scale sx * sw (per channel on
    axis 1 when the weight is per channel). `graph.requantize` turns it into
    8 bits.
  }];
  let arguments = (ins Graph_QuantTensor:$input, Graph_QuantTensor:$weight,
                       Optional<Graph_IntTensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pads,
                       DefaultValuedAttr<I64Attr, "1">:$group);
  let results = (outs Graph_QuantTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

def Graph_QMatMulOp : Graph_Op<"qmatmul", [InferTypeOpAdaptor]> {
  let summary = "Integer matmul: exact int32 sums of (a - za) * (b - zb)";
  let description = [{
    `graph.matmul` on quantized operands. lhs is 8-bit and quantized per
    tensor; rhs is quantized per tensor or per column (its last axis) with
    storage of at most 8 bits. The optional bias is plain i32 of the column
    count. The result is the int32 sums as a quantized i32 type with zero
    point 0 and scale sa * sb (per column on the last axis when rhs is).
  }];
  let arguments = (ins Graph_QuantTensor:$lhs, Graph_QuantTensor:$rhs,
                       Optional<Graph_IntTensor>:$bias);
  let results = (outs Graph_QuantTensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

def Graph_RequantizeOp : Graph_Op<"requantize"> {
  let summary = "Quantized to quantized: a new scale and zero point, clamped";
  let description = [{
    y = clamp(round_half_even((q - zin) * sin / sout) + zout, lo, hi), the
    ratio applied as the NPU's integer multiplier (docs/npu.md,
    "Requantization") whenever it is below 1. The result is 8-bit and
    quantized per tensor; the input may be per channel. `clamp_min` and
    `clamp_max` are real values (a fused ReLU is clamp_min = 0); they clamp
    after rounding, at zout + round_half_even(clamp / sout), which equals
    quantizing the clamped real value.
  }];
  let arguments = (ins Graph_QuantTensor:$input,
                       OptionalAttr<F64Attr>:$clamp_min,
                       OptionalAttr<F64Attr>:$clamp_max);
  let results = (outs Graph_QuantTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Graph_QAddOp : Graph_Op<"qadd", [Commutative]> {
  let summary = "Quantized elementwise add with rescaling";
  let description = [{
    y = clamp(round((sa * (a - za) + sb * (b - zb)) / sy) + zy, lo, hi) on
    same-shape 8-bit per-tensor operands, computed exactly as docs/npu.md
    ("Quantized add") defines. `clamp_min` and `clamp_max` are as for
    `graph.requantize`.
  }];
  let arguments = (ins Graph_QuantTensor:$lhs, Graph_QuantTensor:$rhs,
                       OptionalAttr<F64Attr>:$clamp_min,
                       OptionalAttr<F64Attr>:$clamp_max);
  let results = (outs Graph_QuantTensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($output)
  }];
  let hasVerifier = 1;
}

def Graph_QMeanOp : Graph_Op<"qmean"> {
  let summary = "Mean of 8-bit quantized values over axes, requantized";
  let description = [{
    The integer form of dequantize, reduce mean, quantize (a global average
    pool): int32 sums of (x - zx) over `axes`, then requantized by the ratio
    sx / (sy * count) as `graph.requantize` does (the NPU's multiplier when
    the ratio is below 1). Input and result are 8-bit, quantized per
    tensor. `axes` are sorted, unique and non-negative; with `keepdims` the
    reduced axes stay with size 1.
  }];
  let arguments = (ins Graph_QuantTensor:$input, DenseI64ArrayAttr:$axes,
                       DefaultValuedAttr<BoolAttr, "true">:$keepdims);
  let results = (outs Graph_QuantTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Graph_DynamicQuantizeOp
    : Graph_Op<"dynamic_quantize", [InferTypeOpAdaptor]> {
  let summary = "ONNX DynamicQuantizeLinear: u8 with a range from the data";
  let description = [{
    scale = (max(x, 0) - min(x, 0)) / 255, zero_point =
    saturate(round_half_even(-min(x, 0) / scale)), y = saturate(
    round_half_even(x / scale) + zero_point); an all-zero input has scale 0
    and quantizes to zero_point 0.
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$input);
  let results = (outs RankedTensorOf<[UI8]>:$output,
                      0DTensorOf<[F32]>:$scale,
                      0DTensorOf<[UI8]>:$zero_point);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Graph_QuantizeLinearOp : Graph_Op<"quantize_linear"> {
  let summary = "QuantizeLinear with a scale and zero point known at run time";
  let description = [{
    y = saturate(round_half_even(x / scale) + zero_point) per tensor, for
    scale and zero point that are computed in the graph (DynamicQuantizeLinear
    expanded into its primitives). With constants, `graph.quantize` and a
    `!quant.uniform` type express the same and take part in QDQ folding.
  }];
  let arguments = (ins Graph_FloatTensor:$input, 0DTensorOf<[AnyFloat]>:$scale,
                       0DTensorOf<[I8, UI8]>:$zero_point);
  let results = (outs RankedTensorOf<[I8, UI8]>:$output);
  let assemblyFormat = [{
    $input `,` $scale `,` $zero_point attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Weight-only quantization
//===----------------------------------------------------------------------===//

def Graph_BlockDequantizeOp : Graph_Op<"block_dequantize"> {
  let summary = "Integers to float with one scale per block along an axis";
  let description = [{
    y[i] = (q[i] - zero_point[b(i)]) * scale[b(i)], where b(i) is i with its
    coordinate on `axis` divided by `block_size` (ONNX's blocked
    DequantizeLinear). `scales` has the input's shape except on `axis`,
    where it has ceil(size / block_size) entries (the last block may be
    short); `zero_points`, when present, the same shape and the input's
    integer type. The input is i4 or i8: weight-only quantization
    (`gaonc --quantize=w8a16|w4a16`) stores matmul weights this way, in
    blocks of `--group-size` rows of K, and the NPU dequantizes them as the
    matrix engine reads them.
  }];
  let arguments = (ins RankedTensorOf<[I<4>, I8]>:$input,
                       Graph_FloatTensor:$scales,
                       Optional<RankedTensorOf<[I<4>, I8]>>:$zero_points,
                       I64Attr:$axis, I64Attr:$block_size);
  let results = (outs Graph_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $scales (`,` $zero_points^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // GAON_DIALECTS_GRAPH_GRAPHOPS_TD

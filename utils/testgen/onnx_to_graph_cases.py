#!/usr/bin/python3
"""Source of test/conversion/onnx-to-graph/*.mlir: one case per ONNX op
schema the conversion table handles.

Each case is a function of `onnx` ops. `make_tests.py` runs them through
gaon-opt and writes CHECK lines from the result, which a person reviews
before committing (like MLIR's generate-test-checks.py); the tests then
guard the conversion against regressions.
"""

F = "f32"
T = lambda shape, e=F: "tensor<%s%s>" % ("".join("%dx" % d for d in shape), e)


def node(op, ins, outs, version, attrs="", domain=""):
    a = " attributes {%s}" % attrs if attrs else ""
    d = ' domain "%s"' % domain if domain else ""
    return op, ins, outs, version, a, d


# (file, label, args [(name, type)], body lines, results [(name, type)])
CASES = []


def case(file, label, args, body, results):
    CASES.append((file, label, args, body, results))


def simple(file, op, version, in_types, out_type, attrs="", label=None):
    args = [("x%d" % i, t) for i, t in enumerate(in_types)]
    a = " attributes {%s}" % attrs if attrs else ""
    body = ['%%y = onnx.node "%s"(%s) version %d%s : (%s) -> %s' % (
        op, ", ".join("%" + n for n, _ in args), version, a,
        ", ".join(t for _, t in args), out_type)]
    case(file, label or "%s_v%d" % (op.lower(), version), args, body,
         [("y", out_type)])


# Elementwise ------------------------------------------------------------
E = "elementwise"
x23 = T([2, 3])
for op, versions in [("Exp", [1, 6, 13]), ("Log", [13]), ("Tanh", [13]),
                     ("Sigmoid", [13]), ("Erf", [13]), ("Sqrt", [13]),
                     ("Reciprocal", [13]), ("Sin", [7]), ("Cos", [7]),
                     ("Tan", [7]), ("Asin", [7]), ("Acos", [7]),
                     ("Atan", [7]), ("Sinh", [9]), ("Cosh", [9]),
                     ("Asinh", [9]), ("Acosh", [9]), ("Atanh", [9]),
                     ("Softplus", [1]), ("Softsign", [1]), ("Floor", [13]),
                     ("Ceil", [13]), ("Round", [11]), ("HardSwish", [14]),
                     ("Abs", [13]), ("Neg", [13]), ("Sign", [13]),
                     ("Relu", [14])]:
    for v in versions:
        simple(E, op, v, [x23], x23)
simple(E, "Relu", 14, [T([4], "i32")], T([4], "i32"), label="relu_int")
simple(E, "Not", 1, [T([4], "i1")], T([4], "i1"))
simple(E, "IsNaN", 13, [x23], T([2, 3], "i1"))
simple(E, "IsInf", 10, [x23], T([2, 3], "i1"), "detect_negative = 0 : i64")
simple(E, "Elu", 6, [x23], x23, "alpha = 2.0 : f32")
simple(E, "Elu", 6, [x23], x23, label="elu_default_alpha")
simple(E, "Celu", 12, [x23], x23)
simple(E, "LeakyRelu", 16, [x23], x23)
simple(E, "ThresholdedRelu", 10, [x23], x23, "alpha = 0.5 : f32")
simple(E, "Selu", 6, [x23], x23)
simple(E, "HardSigmoid", 6, [x23], x23, "alpha = 0.1 : f32")
simple(E, "Shrink", 9, [x23], x23, "lambd = 1.5 : f32")
simple(E, "Clip", 6, [x23], x23, "min = -1.0 : f32, max = 1.0 : f32")
case(E, "clip_v13_constant_bounds", [("x", x23)],
     ['%lo = onnx.constant dense<0.0> : tensor<f32>',
      '%hi = onnx.constant dense<6.0> : tensor<f32>',
      '%y = onnx.node "Clip"(%x, %lo, %hi) version 13 : (' + x23 + ', tensor<f32>, tensor<f32>) -> ' + x23],
     [("y", x23)])
case(E, "clip_v13_max_only", [("x", x23)],
     ['%none = onnx.none', '%hi = onnx.constant dense<6.0> : tensor<f32>',
      '%y = onnx.node "Clip"(%x, %none, %hi) version 13 : (' + x23 + ', none, tensor<f32>) -> ' + x23],
     [("y", x23)])
case(E, "clip_v13_dynamic_bounds", [("x", x23), ("lo", T([], F))],
     ['%y = onnx.node "Clip"(%x, %lo) version 13 : (' + x23 + ', tensor<f32>) -> ' + x23],
     [("y", x23)])
for op, versions in [("Add", [7, 13, 14]), ("Sub", [14]), ("Mul", [14]),
                     ("Div", [14]), ("Pow", [15]), ("PRelu", [16])]:
    for v in versions:
        simple(E, op, v, [T([2, 3]), T([3])], T([2, 3]))
case(E, "add_v6_legacy_axis", [("a", T([2, 3, 4])), ("b", T([3]))],
     ['%y = onnx.node "Add"(%a, %b) version 6 attributes {broadcast = 1 : i64, axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<3xf32>) -> tensor<2x3x4xf32>'],
     [("y", T([2, 3, 4]))])
simple(E, "PRelu", 6, [T([1, 3, 4, 4]), T([3])], T([1, 3, 4, 4]), label="prelu_v6_channel_slope")
simple(E, "Pow", 15, [T([2, 3]), T([], "i64")], T([2, 3]), label="pow_int_exponent")
for op in ["And", "Or", "Xor"]:
    simple(E, op, 7, [T([2, 3], "i1"), T([3], "i1")], T([2, 3], "i1"))
for op, v in [("Equal", 13), ("Less", 13), ("Greater", 13),
              ("LessOrEqual", 16), ("GreaterOrEqual", 16)]:
    simple(E, op, v, [T([2, 3]), T([3])], T([2, 3], "i1"))
simple(E, "Mod", 13, [T([4], "i32"), T([4], "i32")], T([4], "i32"))
simple(E, "Mod", 13, [T([4]), T([4])], T([4]), "fmod = 1 : i64", label="mod_fmod")
simple(E, "BitShift", 11, [T([4], "ui8"), T([4], "ui8")], T([4], "ui8"), 'direction = "LEFT"')
simple(E, "Where", 16, [T([2, 3], "i1"), T([3]), T([2, 1])], T([2, 3]))
simple(E, "Max", 13, [T([3]), T([2, 3]), T([1])], T([2, 3]))
simple(E, "Min", 13, [T([3]), T([3])], T([3]))
simple(E, "Sum", 13, [T([3]), T([3]), T([3])], T([3]))
simple(E, "Mean", 13, [T([3]), T([3])], T([3]))

# NN -----------------------------------------------------------------------
N = "nn"
case(N, "conv_v11_bias", [("x", T([1, 3, 8, 8])), ("w", T([4, 3, 3, 3])), ("b", T([4]))],
     ['%y = onnx.node "Conv"(%x, %w, %b) version 11 attributes {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>'],
     [("y", T([1, 4, 4, 4]))])
case(N, "conv_v1_same_upper_grouped", [("x", T([1, 4, 5, 5])), ("w", T([4, 2, 2, 2]))],
     ['%y = onnx.node "Conv"(%x, %w) version 1 attributes {auto_pad = "SAME_UPPER", group = 2 : i64} : (tensor<1x4x5x5xf32>, tensor<4x2x2x2xf32>) -> tensor<1x4x5x5xf32>'],
     [("y", T([1, 4, 5, 5]))])
case(N, "conv_same_lower_1d", [("x", T([1, 1, 5])), ("w", T([1, 1, 2]))],
     ['%y = onnx.node "Conv"(%x, %w) version 11 attributes {auto_pad = "SAME_LOWER"} : (tensor<1x1x5xf32>, tensor<1x1x2xf32>) -> tensor<1x1x5xf32>'],
     [("y", T([1, 1, 5]))])
case(N, "conv_transpose_v11", [("x", T([1, 3, 4, 4])), ("w", T([3, 2, 3, 3]))],
     ['%y = onnx.node "ConvTranspose"(%x, %w) version 11 attributes {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, output_padding = array<i64: 1, 1>} : (tensor<1x3x4x4xf32>, tensor<3x2x3x3xf32>) -> tensor<1x2x8x8xf32>'],
     [("y", T([1, 2, 8, 8]))])
case(N, "conv_transpose_output_shape", [("x", T([1, 1, 3, 3])), ("w", T([1, 2, 3, 3]))],
     ['%y = onnx.node "ConvTranspose"(%x, %w) version 1 attributes {strides = array<i64: 3, 2>, output_shape = array<i64: 10, 8>} : (tensor<1x1x3x3xf32>, tensor<1x2x3x3xf32>) -> tensor<1x2x10x8xf32>'],
     [("y", T([1, 2, 10, 8]))])
simple(N, "MaxPool", 12, [T([1, 3, 8, 8])], T([1, 3, 4, 4]),
       "kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, ceil_mode = 1 : i64")
simple(N, "MaxPool", 8, [T([1, 3, 8, 8])], T([1, 3, 8, 8]),
       'kernel_shape = array<i64: 3, 3>, auto_pad = "SAME_UPPER"', label="maxpool_v8_same")
simple(N, "AveragePool", 11, [T([1, 3, 8, 8])], T([1, 3, 8, 8]),
       "kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, count_include_pad = 1 : i64")
simple(N, "GlobalAveragePool", 1, [T([1, 3, 8, 8])], T([1, 3, 1, 1]))
simple(N, "GlobalMaxPool", 1, [T([1, 3, 5])], T([1, 3, 1]))
simple(N, "MatMul", 13, [T([5, 2, 3]), T([3, 4])], T([5, 2, 4]))
case(N, "gemm_v13_all_attributes", [("a", T([3, 2])), ("b", T([4, 3])), ("c", T([4]))],
     ['%y = onnx.node "Gemm"(%a, %b, %c) version 13 attributes {transA = 1 : i64, transB = 1 : i64, alpha = 2.0 : f32, beta = 0.5 : f32} : (tensor<3x2xf32>, tensor<4x3xf32>, tensor<4xf32>) -> tensor<2x4xf32>'],
     [("y", T([2, 4]))])
simple(N, "Gemm", 6, [T([2, 3]), T([3, 4]), T([2, 4])], T([2, 4]), "broadcast = 0 : i64")
case(N, "batchnorm_v15", [("x", T([2, 3, 4])), ("s", T([3])), ("b", T([3])), ("m", T([3])), ("v", T([3]))],
     ['%y = onnx.node "BatchNormalization"(%x, %s, %b, %m, %v) version 15 attributes {epsilon = 1.0e-3 : f32} : (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4xf32>'],
     [("y", T([2, 3, 4]))])
simple(N, "InstanceNormalization", 6, [T([2, 3, 4]), T([3]), T([3])], T([2, 3, 4]))
simple(N, "LayerNormalization", 17, [T([2, 3, 4]), T([4]), T([4])], T([2, 3, 4]))
case(N, "layernorm_with_statistics", [("x", T([2, 3])), ("s", T([3]))],
     ['%y:3 = onnx.node "LayerNormalization"(%x, %s) version 17 attributes {axis = 1 : i64} : (tensor<2x3xf32>, tensor<3xf32>) -> (tensor<2x3xf32>, tensor<2x1xf32>, tensor<2x1xf32>)'],
     [("y#0", T([2, 3])), ("y#1", T([2, 1])), ("y#2", T([2, 1]))])
simple(N, "LRN", 13, [T([1, 5, 4, 4])], T([1, 5, 4, 4]), "size = 3 : i64")
simple(N, "MeanVarianceNormalization", 13, [T([2, 3, 4, 4])], T([2, 3, 4, 4]))
simple(N, "LpNormalization", 1, [T([2, 3])], T([2, 3]), "p = 1 : i64")
simple(N, "Softmax", 13, [T([2, 3, 4])], T([2, 3, 4]), "axis = 1 : i64")
simple(N, "Softmax", 11, [T([2, 3, 4])], T([2, 3, 4]), label="softmax_v11_flattens")
simple(N, "LogSoftmax", 13, [T([2, 3])], T([2, 3]))
simple(N, "Hardmax", 13, [T([2, 3])], T([2, 3]), "axis = 0 : i64")
for op, kind in [("ReduceMean", 13), ("ReduceMax", 13), ("ReduceMin", 13),
                 ("ReduceProd", 13), ("ReduceL1", 13), ("ReduceL2", 13),
                 ("ReduceLogSum", 13), ("ReduceLogSumExp", 13),
                 ("ReduceSumSquare", 13)]:
    simple(N, op, 13, [T([2, 3, 4])], T([2, 4]), "axes = array<i64: -2>, keepdims = 0 : i64")
simple(N, "ReduceMean", 13, [T([2, 3])], T([1, 1]), label="reducemean_all_axes")
case(N, "reducesum_v13_axes_input", [("x", T([2, 3, 4]))],
     ['%axes = onnx.constant dense<[0, 2]> : tensor<2xi64>',
      '%y = onnx.node "ReduceSum"(%x, %axes) version 13 : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<1x3x1xf32>'],
     [("y", T([1, 3, 1]))])
case(N, "reducesum_noop_with_empty_axes", [("x", T([2, 3]))],
     ['%y = onnx.node "ReduceSum"(%x) version 13 attributes {noop_with_empty_axes = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>'],
     [("y", T([2, 3]))])
simple(N, "ArgMax", 13, [T([2, 3])], T([2], "i64"), "axis = -1 : i64, keepdims = 0 : i64")
simple(N, "ArgMin", 12, [T([2, 3])], T([1, 3], "i64"), "select_last_index = 1 : i64")
case(N, "cumsum_v14", [("x", T([2, 3]))],
     ['%axis = onnx.constant dense<-1> : tensor<i32>',
      '%y = onnx.node "CumSum"(%x, %axis) version 14 attributes {reverse = 1 : i64} : (tensor<2x3xf32>, tensor<i32>) -> tensor<2x3xf32>'],
     [("y", T([2, 3]))])
case(N, "nll_loss_mean_weighted_ignore", [("x", T([2, 3, 4])), ("t", T([2, 4], "i64")), ("w", T([3]))],
     ['%y = onnx.node "NegativeLogLikelihoodLoss"(%x, %t, %w) version 13 attributes {ignore_index = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x4xi64>, tensor<3xf32>) -> tensor<f32>'],
     [("y", T([]))])
case(N, "softmax_cross_entropy_none", [("x", T([2, 3])), ("t", T([2], "i64"))],
     ['%y:2 = onnx.node "SoftmaxCrossEntropyLoss"(%x, %t) version 13 attributes {reduction = "none"} : (tensor<2x3xf32>, tensor<2xi64>) -> (tensor<2xf32>, tensor<2x3xf32>)'],
     [("y#0", T([2])), ("y#1", T([2, 3]))])

# Tensor -------------------------------------------------------------------
S = "tensor"
simple(S, "Identity", 16, [T([2, 3])], T([2, 3]))
simple(S, "Dropout", 13, [T([2, 3])], T([2, 3]))
case(S, "dropout_mask", [("x", T([2]))],
     ['%y:2 = onnx.node "Dropout"(%x) version 12 : (tensor<2xf32>) -> (tensor<2xf32>, tensor<2xi1>)'],
     [("y#0", T([2])), ("y#1", T([2], "i1"))])
case(S, "constant_v13_value_ints", [],
     ['%y = onnx.node "Constant"() version 13 attributes {value_ints = array<i64: 1, 2>} : () -> tensor<2xi64>'],
     [("y", T([2], "i64"))])
case(S, "constant_v13_value_float", [],
     ['%y = onnx.node "Constant"() version 13 attributes {value_float = 2.5 : f32} : () -> tensor<f32>'],
     [("y", T([]))])
simple(S, "Shape", 15, [T([2, 3, 4])], T([2], "i64"), "start = 1 : i64")
simple(S, "Size", 13, [T([2, 3, 4])], T([], "i64"))
case(S, "constantofshape_v9", [],
     ['%s = onnx.constant dense<[2, 3]> : tensor<2xi64>',
      '%y = onnx.node "ConstantOfShape"(%s) version 9 attributes {value = dense<7> : tensor<1xi32>} : (tensor<2xi64>) -> tensor<2x3xi32>'],
     [("y", T([2, 3], "i32"))])
simple(S, "EyeLike", 9, [T([2, 3])], T([2, 3], "i64"), "dtype = 7 : i64, k = 1 : i64")
case(S, "range_v11", [],
     ['%a = onnx.constant dense<1.0> : tensor<f32>',
      '%b = onnx.constant dense<2.5> : tensor<f32>',
      '%c = onnx.constant dense<0.5> : tensor<f32>',
      '%y = onnx.node "Range"(%a, %b, %c) version 11 : (tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<3xf32>'],
     [("y", T([3]))])
case(S, "reshape_v14_zero_and_minus_one", [("x", T([2, 3, 4]))],
     ['%s = onnx.constant dense<[0, -1]> : tensor<2xi64>',
      '%y = onnx.node "Reshape"(%x, %s) version 14 : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x12xf32>'],
     [("y", T([2, 12]))])
case(S, "reshape_from_shape_arithmetic", [("x", T([2, 3, 4]))],
     ['%shape = onnx.node "Shape"(%x) version 13 : (tensor<2x3x4xf32>) -> tensor<3xi64>',
      '%i = onnx.constant dense<0> : tensor<i64>',
      '%d = onnx.node "Gather"(%shape, %i) version 13 : (tensor<3xi64>, tensor<i64>) -> tensor<i64>',
      '%u = onnx.node "Unsqueeze"(%d) version 11 attributes {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>',
      '%m = onnx.constant dense<-1> : tensor<1xi64>',
      '%s = onnx.node "Concat"(%u, %m) version 13 attributes {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>',
      '%y = onnx.node "Reshape"(%x, %s) version 14 : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>'],
     [("y", "tensor<?x?xf32>")])
simple(S, "Flatten", 13, [T([2, 3, 4])], T([6, 4]), "axis = -1 : i64")
simple(S, "Squeeze", 11, [T([1, 3, 1])], T([3, 1]), "axes = array<i64: 0>")
simple(S, "Squeeze", 13, [T([1, 3, 1])], T([3]), label="squeeze_v13_all")
case(S, "unsqueeze_v13", [("x", T([3]))],
     ['%a = onnx.constant dense<[0, -1]> : tensor<2xi64>',
      '%y = onnx.node "Unsqueeze"(%x, %a) version 13 : (tensor<3xf32>, tensor<2xi64>) -> tensor<1x3x1xf32>'],
     [("y", T([1, 3, 1]))])
simple(S, "Transpose", 13, [T([2, 3, 4])], T([4, 3, 2]))
simple(S, "Concat", 13, [T([2, 3]), T([2, 1])], T([2, 4]), "axis = -1 : i64")
case(S, "split_v13_equal", [("x", T([6, 2]))],
     ['%y:3 = onnx.node "Split"(%x) version 13 : (tensor<6x2xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>)'],
     [("y#0", T([2, 2])), ("y#1", T([2, 2])), ("y#2", T([2, 2]))])
case(S, "split_v11_sizes", [("x", T([6, 2]))],
     ['%y:2 = onnx.node "Split"(%x) version 11 attributes {split = array<i64: 1, 5>} : (tensor<6x2xf32>) -> (tensor<1x2xf32>, tensor<5x2xf32>)'],
     [("y#0", T([1, 2])), ("y#1", T([5, 2]))])
case(S, "slice_v13_negative_step", [("x", T([5, 4]))],
     ['%s = onnx.constant dense<[-1, 100]> : tensor<2xi64>',
      '%e = onnx.constant dense<[-100, 0]> : tensor<2xi64>',
      '%a = onnx.constant dense<[0, 1]> : tensor<2xi64>',
      '%st = onnx.constant dense<[-2, -1]> : tensor<2xi64>',
      '%y = onnx.node "Slice"(%x, %s, %e, %a, %st) version 13 : (tensor<5x4xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<3x3xf32>'],
     [("y", T([3, 3]))])
simple(S, "Slice", 1, [T([5, 4])], T([2, 4]), "starts = array<i64: 1>, ends = array<i64: 3>, axes = array<i64: 0>")
case(S, "pad_v13_reflect", [("x", T([2, 3]))],
     ['%p = onnx.constant dense<[0, 1, 0, 2]> : tensor<4xi64>',
      '%y = onnx.node "Pad"(%x, %p) version 13 attributes {mode = "reflect"} : (tensor<2x3xf32>, tensor<4xi64>) -> tensor<2x6xf32>'],
     [("y", T([2, 6]))])
simple(S, "Pad", 2, [T([2, 3])], T([4, 3]), "pads = array<i64: 1, 0, 1, 0>, value = 1.5 : f32")
case(S, "expand_v13", [("x", T([3, 1]))],
     ['%s = onnx.constant dense<[2, 1, 4]> : tensor<3xi64>',
      '%y = onnx.node "Expand"(%x, %s) version 13 : (tensor<3x1xf32>, tensor<3xi64>) -> tensor<2x3x4xf32>'],
     [("y", T([2, 3, 4]))])
case(S, "tile_v13", [("x", T([2, 3]))],
     ['%r = onnx.constant dense<[2, 1]> : tensor<2xi64>',
      '%y = onnx.node "Tile"(%x, %r) version 13 : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<4x3xf32>'],
     [("y", T([4, 3]))])
simple(S, "DepthToSpace", 13, [T([1, 8, 2, 3])], T([1, 2, 4, 6]), 'blocksize = 2 : i64, mode = "CRD"')
simple(S, "SpaceToDepth", 13, [T([1, 2, 4, 6])], T([1, 8, 2, 3]), "blocksize = 2 : i64")
simple(S, "Gather", 13, [T([5, 4]), T([2, 3], "i64")], T([2, 3, 4]))
simple(S, "GatherElements", 13, [T([3, 4]), T([3, 2], "i32")], T([3, 2], "f32"), "axis = 1 : i64")
simple(S, "GatherND", 13, [T([2, 3, 4]), T([2, 1], "i64")], T([2, 4]), "batch_dims = 1 : i64")
simple(S, "ScatterElements", 16, [T([3, 4]), T([1, 2], "i64"), T([1, 2])], T([3, 4]), 'axis = 1 : i64, reduction = "add"')
simple(S, "Scatter", 9, [T([3, 4]), T([1, 2], "i64"), T([1, 2])], T([3, 4]))
simple(S, "ScatterND", 16, [T([3, 4]), T([2, 1], "i64"), T([2, 4])], T([3, 4]), 'reduction = "mul"')
simple(S, "Cast", 13, [T([2, 3])], T([2, 3], "ui8"), "to = 2 : i64")
simple(S, "CastLike", 15, [T([2, 3], "i32"), T([1], "f16")], T([2, 3], "f16"))
case(S, "topk_v11", [("x", T([3, 5]))],
     ['%k = onnx.constant dense<2> : tensor<1xi64>',
      '%y:2 = onnx.node "TopK"(%x, %k) version 11 attributes {largest = 0 : i64} : (tensor<3x5xf32>, tensor<1xi64>) -> (tensor<3x2xf32>, tensor<3x2xi64>)'],
     [("y#0", T([3, 2])), ("y#1", T([3, 2], "i64"))])
case(S, "trilu_v14", [("x", T([3, 4]))],
     ['%k = onnx.constant dense<-1> : tensor<i64>',
      '%y = onnx.node "Trilu"(%x, %k) version 14 attributes {upper = 0 : i64} : (tensor<3x4xf32>, tensor<i64>) -> tensor<3x4xf32>'],
     [("y", T([3, 4]))])
case(S, "onehot_v11", [("i", T([3], "i64"))],
     ['%d = onnx.constant dense<5> : tensor<i64>',
      '%v = onnx.constant dense<[0.0, 3.0]> : tensor<2xf32>',
      '%y = onnx.node "OneHot"(%i, %d, %v) version 11 attributes {axis = 0 : i64} : (tensor<3xi64>, tensor<i64>, tensor<2xf32>) -> tensor<5x3xf32>'],
     [("y", T([5, 3]))])
case(S, "resize_v13_sizes_cubic", [("x", T([1, 1, 4, 4]))],
     ['%none = onnx.none',
      '%s = onnx.constant dense<[1, 1, 3, 5]> : tensor<4xi64>',
      '%y = onnx.node "Resize"(%x, %none, %none, %s) version 13 attributes {mode = "cubic", coordinate_transformation_mode = "align_corners"} : (tensor<1x1x4x4xf32>, none, none, tensor<4xi64>) -> tensor<1x1x3x5xf32>'],
     [("y", T([1, 1, 3, 5]))])
case(S, "resize_v11_scales_nearest", [("x", T([1, 1, 2, 2]))],
     ['%roi = onnx.constant dense<> : tensor<0xf32>',
      '%s = onnx.constant dense<[1.0, 1.0, 2.0, 3.0]> : tensor<4xf32>',
      '%y = onnx.node "Resize"(%x, %roi, %s) version 11 attributes {nearest_mode = "ceil"} : (tensor<1x1x2x2xf32>, tensor<0xf32>, tensor<4xf32>) -> tensor<1x1x4x6xf32>'],
     [("y", T([1, 1, 4, 6]))])
simple(S, "Upsample", 7, [T([1, 1, 2, 2])], T([1, 1, 4, 4]), 'scales = array<f32: 1.0, 1.0, 2.0, 2.0>, mode = "linear"')


# Quantization -------------------------------------------------------------
Q = "quant"
case(Q, "quantizelinear_v13_per_axis", [("x", T([2, 3]))],
     ['%s = onnx.constant dense<[0.5, 0.25, 0.125]> : tensor<3xf32>',
      '%z = onnx.constant dense<[0, 1, -1]> : tensor<3xi8>',
      '%y = onnx.node "QuantizeLinear"(%x, %s, %z) version 13 attributes {axis = 1 : i64} : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xi8>) -> tensor<2x3xi8>'],
     [("y", T([2, 3], "i8"))])
case(Q, "dequantizelinear_v13", [("x", T([4], "ui8"))],
     ['%s = onnx.constant dense<0.5> : tensor<f32>',
      '%z = onnx.constant dense<128> : tensor<ui8>',
      '%y = onnx.node "DequantizeLinear"(%x, %s, %z) version 13 : (tensor<4xui8>, tensor<f32>, tensor<ui8>) -> tensor<4xf32>'],
     [("y", T([4]))])
case(Q, "qlinearconv_v10", [("x", T([1, 2, 4, 4], "ui8"))],
     ['%xs = onnx.constant dense<0.5> : tensor<f32>',
      '%xz = onnx.constant dense<3> : tensor<ui8>',
      '%w = onnx.constant dense<1> : tensor<3x2x3x3xi8>',
      '%ws = onnx.constant dense<[0.25, 0.5, 1.0]> : tensor<3xf32>',
      '%wz = onnx.constant dense<0> : tensor<3xi8>',
      '%ys = onnx.constant dense<0.2> : tensor<f32>',
      '%yz = onnx.constant dense<10> : tensor<ui8>',
      '%b = onnx.constant dense<[1, 2, 3]> : tensor<3xi32>',
      '%y = onnx.node "QLinearConv"(%x, %xs, %xz, %w, %ws, %wz, %ys, %yz, %b) version 10 attributes {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x2x4x4xui8>, tensor<f32>, tensor<ui8>, tensor<3x2x3x3xi8>, tensor<3xf32>, tensor<3xi8>, tensor<f32>, tensor<ui8>, tensor<3xi32>) -> tensor<1x3x4x4xui8>'],
     [("y", T([1, 3, 4, 4], "ui8"))])
case(Q, "convinteger_v10", [("x", T([1, 1, 3, 3], "ui8")), ("w", T([1, 1, 2, 2], "ui8"))],
     ['%xz = onnx.constant dense<1> : tensor<ui8>',
      '%y = onnx.node "ConvInteger"(%x, %w, %xz) version 10 : (tensor<1x1x3x3xui8>, tensor<1x1x2x2xui8>, tensor<ui8>) -> tensor<1x1x2x2xi32>'],
     [("y", T([1, 1, 2, 2], "i32"))])
case(Q, "qlinearmatmul_v10", [("a", T([2, 4], "i8"))],
     ['%as = onnx.constant dense<0.5> : tensor<f32>',
      '%az = onnx.constant dense<-1> : tensor<i8>',
      '%b = onnx.constant dense<2> : tensor<4x3xi8>',
      '%bs = onnx.constant dense<0.25> : tensor<f32>',
      '%bz = onnx.constant dense<0> : tensor<i8>',
      '%ys = onnx.constant dense<0.1> : tensor<f32>',
      '%yz = onnx.constant dense<0> : tensor<i8>',
      '%y = onnx.node "QLinearMatMul"(%a, %as, %az, %b, %bs, %bz, %ys, %yz) version 10 : (tensor<2x4xi8>, tensor<f32>, tensor<i8>, tensor<4x3xi8>, tensor<f32>, tensor<i8>, tensor<f32>, tensor<i8>) -> tensor<2x3xi8>'],
     [("y", T([2, 3], "i8"))])
case(Q, "matmulinteger_v10", [("a", T([2, 4], "ui8")), ("b", T([4, 3], "ui8"))],
     ['%bz = onnx.constant dense<[1, 2, 3]> : tensor<3xui8>',
      '%none = onnx.none',
      '%y = onnx.node "MatMulInteger"(%a, %b, %none, %bz) version 10 : (tensor<2x4xui8>, tensor<4x3xui8>, none, tensor<3xui8>) -> tensor<2x3xi32>'],
     [("y", T([2, 3], "i32"))])
case(Q, "dynamicquantizelinear_v11", [("x", T([2, 3]))],
     ['%y:3 = onnx.node "DynamicQuantizeLinear"(%x) version 11 : (tensor<2x3xf32>) -> (tensor<2x3xui8>, tensor<f32>, tensor<ui8>)'],
     [("y#0", T([2, 3], "ui8")), ("y#1", T([])), ("y#2", T([], "ui8"))])
case(Q, "quantizelinear_v13_runtime_scale", [("x", T([3])), ("s", T([])), ("z", T([], "ui8"))],
     ['%y = onnx.node "QuantizeLinear"(%x, %s, %z) version 13 : (tensor<3xf32>, tensor<f32>, tensor<ui8>) -> tensor<3xui8>'],
     [("y", T([3], "ui8"))])

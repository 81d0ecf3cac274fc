#!/usr/bin/python3
"""Writes test/dialects/graph/invalid.mlir: one case per error that a graph
op's verifier or type inference reports, each with the exact message.
Ops whose checks run in type inference also report MLIR's own "failed to
infer returned types"; the cases expect both.
Usage: make_graph_invalid_tests.py (from anywhere)
"""
import os

# (description, body, expected-error)
cases = [
# elementwise / broadcasting
("add shapes", "%0 = graph.add %a, %b : tensor<2x3xf32>, tensor<4xf32> -> tensor<2x3xf32>", "operand shapes 'tensor<2x3xf32>' and 'tensor<4xf32>' do not broadcast", "%a: tensor<2x3xf32>, %b: tensor<4xf32>"),
("add element types", "%0 = graph.add %a, %b : tensor<3xf32>, tensor<3xf16> -> tensor<3xf32>", "operand element types differ: 'f32' vs 'f16'", "%a: tensor<3xf32>, %b: tensor<3xf16>"),
("add result type", "%0 = graph.add %a, %a : tensor<3xf32>, tensor<3xf32> -> tensor<4xf32>", "inferred type(s) 'tensor<3xf32>' are incompatible with return type(s) of operation 'tensor<4xf32>'", "%a: tensor<3xf32>"),
("prelu slope", "%0 = graph.prelu %a, %b : tensor<3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>", "slope shape 'tensor<2x3xf32>' must broadcast to the input shape 'tensor<3xf32>'", "%a: tensor<3xf32>, %b: tensor<2x3xf32>"),
("select branches", "%0 = graph.select %c, %a, %b : tensor<3xi1>, tensor<3xf32>, tensor<3xi32> -> tensor<3xf32>", "branch element types differ: 'f32' vs 'i32'", "%c: tensor<3xi1>, %a: tensor<3xf32>, %b: tensor<3xi32>"),
("select shapes", "%0 = graph.select %c, %a, %a : tensor<4xi1>, tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>", "shapes 'tensor<4xi1>', 'tensor<3xf32>' and 'tensor<3xf32>' do not broadcast", "%c: tensor<4xi1>, %a: tensor<3xf32>"),
("exp on integers", "%0 = graph.exp %a : tensor<3xi32>", "operand #0 must be ranked tensor of floating-point values", "%a: tensor<3xi32>"),
("clip bounds", "%0 = graph.clip %a {min = 2.0 : f64, max = 1.0 : f64} : tensor<3xf32>", "min 2.000000e+00 exceeds max 1.000000e+00", "%a: tensor<3xf32>"),
# matmul
("matmul scalar", "%0 = graph.matmul %a, %b : tensor<f32>, tensor<3xf32> -> tensor<f32>", "operands must have rank >= 1", "%a: tensor<f32>, %b: tensor<3xf32>"),
("matmul contraction", "%0 = graph.matmul %a, %b : tensor<2x3xf32>, tensor<4x5xf32> -> tensor<2x5xf32>", "contracting dimensions differ: lhs 'tensor<2x3xf32>' has 3, rhs 'tensor<4x5xf32>' has 4", "%a: tensor<2x3xf32>, %b: tensor<4x5xf32>"),
("matmul batch", "%0 = graph.matmul %a, %b : tensor<2x2x3xf32>, tensor<4x3x5xf32> -> tensor<2x2x5xf32>", "batch dimensions of 'tensor<2x2x3xf32>' and 'tensor<4x3x5xf32>' do not broadcast", "%a: tensor<2x2x3xf32>, %b: tensor<4x3x5xf32>"),
("matmul element types", "%0 = graph.matmul %a, %b : tensor<2x3xf32>, tensor<3x5xbf16> -> tensor<2x5xf32>", "operand element types differ: 'f32' vs 'bf16'", "%a: tensor<2x3xf32>, %b: tensor<3x5xbf16>"),
# conv
("conv rank", "%0 = graph.conv %x, %w {strides = array<i64: 1>, dilations = array<i64: 1>, pads = array<i64: 0, 0>} : (tensor<1x3xf32>, tensor<4x3xf32>) -> tensor<1x4xf32>", "input and weight must have the same rank >= 3 (N, C, spatial...); got 'tensor<1x3xf32>' and 'tensor<4x3xf32>'", "%x: tensor<1x3xf32>, %w: tensor<4x3xf32>"),
("conv attr counts", "%0 = graph.conv %x, %w {strides = array<i64: 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>", "expects 2 strides, 2 dilations and 4 pads for 2 spatial axes; got 1, 2 and 4", "%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>"),
("conv stride", "%0 = graph.conv %x, %w {strides = array<i64: 0, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>", "strides and dilations must be >= 1", "%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>"),
("conv pads", "%0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: -1, 0, 0, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>", "pads must be >= 0", "%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>"),
("conv group", "%0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, group = 2 : i64} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>", "group 2 must divide input channels 3 and filters 4", "%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>"),
("conv channels", "%0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>", "weight has 2 channels per group, expected 3", "%x: tensor<1x3x8x8xf32>, %w: tensor<4x2x3x3xf32>"),
("conv bias", "%0 = graph.conv %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<3xf32>) -> tensor<1x4x6x6xf32>", "bias must be 1-D of size 4, got 'tensor<3xf32>'", "%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>"),
("conv kernel too large", "%0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x3x2x2xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x1x1xf32>", "kernel is larger than the padded input on spatial axis 0", "%x: tensor<1x3x2x2xf32>, %w: tensor<4x3x3x3xf32>"),
("conv element types", "%0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf16>) -> tensor<1x4x6x6xf32>", "input and weight element types differ: 'f32' vs 'f16'", "%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf16>"),
("conv_transpose rank", "%0 = graph.conv_transpose %x, %w {strides = array<i64: 1>, dilations = array<i64: 1>, pads = array<i64: 0, 0>, output_padding = array<i64: 0>} : (tensor<1x3xf32>, tensor<3x4xf32>) -> tensor<1x4xf32>", "input and weight must have the same rank >= 3; got 'tensor<1x3xf32>' and 'tensor<3x4xf32>'", "%x: tensor<1x3xf32>, %w: tensor<3x4xf32>"),
("conv_transpose output_padding", "%0 = graph.conv_transpose %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, output_padding = array<i64: 0>} : (tensor<1x3x4x4xf32>, tensor<3x2x2x2xf32>) -> tensor<1x2x5x5xf32>", "expects 2 output_padding", "%x: tensor<1x3x4x4xf32>, %w: tensor<3x2x2x2xf32>"),
("conv_transpose channels", "%0 = graph.conv_transpose %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, output_padding = array<i64: 0, 0>} : (tensor<1x3x4x4xf32>, tensor<2x2x2x2xf32>) -> tensor<1x2x5x5xf32>", "weight must have 3 input channels divisible by group 1", "%x: tensor<1x3x4x4xf32>, %w: tensor<2x2x2x2xf32>"),
("conv_transpose bias", "%0 = graph.conv_transpose %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, output_padding = array<i64: 0, 0>} : (tensor<1x3x4x4xf32>, tensor<3x2x2x2xf32>, tensor<3xf32>) -> tensor<1x2x5x5xf32>", "bias must be 1-D of size 2", "%x: tensor<1x3x4x4xf32>, %w: tensor<3x2x2x2xf32>, %b: tensor<3xf32>"),
("conv_transpose output size", "%0 = graph.conv_transpose %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 3, 3, 3, 3>, output_padding = array<i64: 0, 0>} : (tensor<1x3x1x1xf32>, tensor<3x2x2x2xf32>) -> tensor<1x2x1x1xf32>", "output size on spatial axis 0 would be -4", "%x: tensor<1x3x1x1xf32>, %w: tensor<3x2x2x2xf32>"),
# pooling
("pool rank", "%0 = graph.max_pool %x {kernel_shape = array<i64: 2>, strides = array<i64: 1>, dilations = array<i64: 1>, pads = array<i64: 0, 0>} : tensor<1x3xf32> -> tensor<1x3xf32>", "input must have rank >= 3 (N, C, spatial...), got 'tensor<1x3xf32>'", "%x: tensor<1x3xf32>"),
("pool kernel count", "%0 = graph.max_pool %x {kernel_shape = array<i64: 2>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : tensor<1x3x4x4xf32> -> tensor<1x3x3x3xf32>", "expects 2 kernel sizes, got 1", "%x: tensor<1x3x4x4xf32>"),
("pool kernel size", "%0 = graph.avg_pool %x {kernel_shape = array<i64: 0, 2>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : tensor<1x3x4x4xf32> -> tensor<1x3x3x3xf32>", "kernel sizes must be in [1, 2^40]", "%x: tensor<1x3x4x4xf32>"),
("pool window", "%0 = graph.max_pool %x {kernel_shape = array<i64: 5, 5>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : tensor<1x3x4x4xf32> -> tensor<1x3x1x1xf32>", "window is larger than the padded input on spatial axis 0", "%x: tensor<1x3x4x4xf32>"),
("avg_pool integers", "%0 = graph.avg_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : tensor<1x3x4x4xi8> -> tensor<1x3x3x3xi8>", "operand #0 must be ranked tensor of floating-point values", "%x: tensor<1x3x4x4xi8>"),
# reductions and norms
("reduce axis range", "%0 = graph.reduce <sum> %x {axes = array<i64: 3>} : tensor<2x3xf32> -> tensor<2x3xf32>", "axis 3 is out of range for rank 2 (graph axes are normalized to [0, rank))", "%x: tensor<2x3xf32>"),
("reduce axes order", "%0 = graph.reduce <max> %x {axes = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<1x1xf32>", "axes must be sorted and unique", "%x: tensor<2x3xf32>"),
("arg_max axis", "%0 = graph.arg_max %x {axis = 2 : i64} : tensor<2x3xf32> -> tensor<2x3xi64>", "axis 2 is out of range for rank 2", "%x: tensor<2x3xf32>"),
("softmax axis", "%0 = graph.softmax %x {axis = -1 : i64} : tensor<2x3xf32> -> tensor<2x3xf32>", "axis -1 is out of range for rank 2", "%x: tensor<2x3xf32>"),
("batch_norm rank", "%0 = graph.batch_norm %x, %c, %c, %c, %c {epsilon = 1.0e-5 : f32} : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>", "input must have rank >= 2, got 'tensor<3xf32>'", "%x: tensor<3xf32>, %c: tensor<3xf32>"),
("batch_norm channels", "%0 = graph.batch_norm %x, %c, %c, %c, %c {epsilon = 1.0e-5 : f32} : (tensor<2x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x4xf32>", "per-channel operand 'tensor<3xf32>' must be 1-D of size 4", "%x: tensor<2x4xf32>, %c: tensor<3xf32>"),
("instance_norm element types", "%0 = graph.instance_norm %x, %c, %c {epsilon = 1.0e-5 : f32} : (tensor<1x3x4xf32>, tensor<3xf16>, tensor<3xf16>) -> tensor<1x3x4xf32>", "input and parameter element types differ: 'f32' vs 'f16'", "%x: tensor<1x3x4xf32>, %c: tensor<3xf16>"),
("layer_norm scale", "%0 = graph.layer_norm %x, %s {axis = 1 : i64, epsilon = 1.0e-5 : f32} : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>", "parameter 'tensor<4xf32>' does not broadcast to the normalized shape", "%x: tensor<2x3xf32>, %s: tensor<4xf32>"),
("rms_norm axis", "%0 = graph.rms_norm %x, %s {axis = 2 : i64, epsilon = 1.0e-5 : f32} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>", "axis 2 is out of range for rank 2", "%x: tensor<2x3xf32>, %s: tensor<3xf32>"),
# data movement
("reshape count", "%0 = graph.reshape %x : tensor<2x3xf32> -> tensor<7xf32>", "cannot reshape 6 elements of 'tensor<2x3xf32>' into 7 elements of 'tensor<7xf32>'", "%x: tensor<2x3xf32>"),
("reshape element type", "%0 = graph.reshape %x : tensor<2x3xf32> -> tensor<6xf16>", "input element type 'f32' differs from result element type 'f16'", "%x: tensor<2x3xf32>"),
("transpose length", "%0 = graph.transpose %x {perm = array<i64: 0>} : tensor<2x3xf32> -> tensor<2xf32>", "perm has 1 entries for rank 2", "%x: tensor<2x3xf32>"),
("transpose permutation", "%0 = graph.transpose %x {perm = array<i64: 0, 0>} : tensor<2x3xf32> -> tensor<2x2xf32>", "perm is not a permutation of [0, 2)", "%x: tensor<2x3xf32>"),
("concat empty", '%0 = "graph.concat"() {axis = 0 : i64} : () -> tensor<2xf32>', "needs at least one input", ""),
("concat ranks", "%0 = graph.concat %x, %y {axis = 0 : i64} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<5x3xf32>", "inputs have different ranks", "%x: tensor<2x3xf32>, %y: tensor<3xf32>"),
("concat off-axis", "%0 = graph.concat %x, %y {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<4x3xf32>", "input 'tensor<2x4xf32>' differs from 'tensor<2x3xf32>' off the concatenation axis", "%x: tensor<2x3xf32>, %y: tensor<2x4xf32>"),
("concat element types", "%0 = graph.concat %x, %y {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xi32>) -> tensor<4x3xf32>", "input element types differ: 'f32' vs 'i32'", "%x: tensor<2x3xf32>, %y: tensor<2x3xi32>"),
("split negative", "%0:2 = graph.split %x {axis = 0 : i64, sizes = array<i64: -1, 3>} : tensor<2x3xf32> -> tensor<1x3xf32>, tensor<1x3xf32>", "split sizes must be >= 0", "%x: tensor<2x3xf32>"),
("split sum", "%0:2 = graph.split %x {axis = 0 : i64, sizes = array<i64: 1, 2>} : tensor<2x3xf32> -> tensor<1x3xf32>, tensor<2x3xf32>", "split sizes sum to 3 but the axis has size 2", "%x: tensor<2x3xf32>"),
("slice counts", "%0 = graph.slice %x {starts = array<i64: 0>, steps = array<i64: 1>} : tensor<2x3xf32> -> tensor<2x3xf32>", "needs one start and one step per axis of rank 2 and a result of the same rank", "%x: tensor<2x3xf32>"),
("slice step", "%0 = graph.slice %x {starts = array<i64: 0, 0>, steps = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<2x3xf32>", "step on axis 1 is zero", "%x: tensor<2x3xf32>"),
("slice bounds", "%0 = graph.slice %x {starts = array<i64: 0, 1>, steps = array<i64: 1, 1>} : tensor<2x3xf32> -> tensor<2x3xf32>", "axis 1 reads indices 1 to 3, outside [0, 3)", "%x: tensor<2x3xf32>"),
("slice element type", "%0 = graph.slice %x {starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : tensor<2x3xf32> -> tensor<2x3xi32>", "input element type 'f32' differs from result element type 'i32'", "%x: tensor<2x3xf32>"),
("pad count", "%0 = graph.pad <constant> %x {pads = array<i64: 1, 1>} : tensor<2x3xf32> -> tensor<4x3xf32>", "expects 4 pads, got 2", "%x: tensor<2x3xf32>"),
("pad crop", "%0 = graph.pad <constant> %x {pads = array<i64: -2, 0, -1, 0>} : tensor<2x3xf32> -> tensor<0x3xf32>", "pads crop axis 0 below size 0", "%x: tensor<2x3xf32>"),
("pad empty axis", "%0 = graph.pad <edge> %x {pads = array<i64: 1, 0, 0, 0>} : tensor<0x3xf32> -> tensor<1x3xf32>", "cannot pad an empty axis in this mode", "%x: tensor<0x3xf32>"),
("pad reflect", "%0 = graph.pad <reflect> %x {pads = array<i64: 2, 0, 0, 0>} : tensor<2x3xf32> -> tensor<4x3xf32>", "reflect pads on axis 0 must be smaller than its size 2", "%x: tensor<2x3xf32>"),
("gather axis", "%0 = graph.gather %x[%i] {axis = 2 : i64} : (tensor<2x3xf32>, tensor<4xi64>) -> tensor<2x3xf32>", "axis 2 is out of range for rank 2", "%x: tensor<2x3xf32>, %i: tensor<4xi64>"),
("gather index type", "%0 = graph.gather %x[%i] {axis = 0 : i64} : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<4x3xf32>", "operand #1 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values", "%x: tensor<2x3xf32>, %i: tensor<4xf32>"),
("gather_elements rank", "%0 = graph.gather_elements %x[%i] {axis = 0 : i64} : (tensor<2x3xf32>, tensor<4xi64>) -> tensor<4xf32>", "indices must have the input's rank 2", "%x: tensor<2x3xf32>, %i: tensor<4xi64>"),
("gather_nd batch_dims", "%0 = graph.gather_nd %x[%i] {batch_dims = 2 : i64} : (tensor<2x3xf32>, tensor<2x1xi64>) -> tensor<2xf32>", "batch_dims 2 must be below both ranks", "%x: tensor<2x3xf32>, %i: tensor<2x1xi64>"),
("gather_nd tuple", "%0 = graph.gather_nd %x[%i] : (tensor<2x3xf32>, tensor<2x3xi64>) -> tensor<2xf32>", "index tuples of length 3 do not fit input rank 2", "%x: tensor<2x3xf32>, %i: tensor<2x3xi64>"),
("gather_nd batch", "%0 = graph.gather_nd %x[%i] {batch_dims = 1 : i64} : (tensor<2x3xf32>, tensor<3x1xi64>) -> tensor<3xf32>", "batch dimension 0 differs", "%x: tensor<2x3xf32>, %i: tensor<3x1xi64>"),
("scatter_elements shapes", "%0 = graph.scatter_elements %x, %i, %u {axis = 0 : i64} : (tensor<2x3xf32>, tensor<1x3xi64>, tensor<1x2xf32>) -> tensor<2x3xf32>", "indices and updates must have one shape of the input's rank", "%x: tensor<2x3xf32>, %i: tensor<1x3xi64>, %u: tensor<1x2xf32>"),
("scatter_elements types", "%0 = graph.scatter_elements %x, %i, %u {axis = 0 : i64} : (tensor<2x3xf32>, tensor<1x3xi64>, tensor<1x3xf16>) -> tensor<2x3xf32>", "input and updates element types differ: 'f32' vs 'f16'", "%x: tensor<2x3xf32>, %i: tensor<1x3xi64>, %u: tensor<1x3xf16>"),
("scatter_nd rank", "%0 = graph.scatter_nd %x, %i, %u : (tensor<2x3xf32>, tensor<i64>, tensor<3xf32>) -> tensor<2x3xf32>", "indices must have rank >= 1", "%x: tensor<2x3xf32>, %i: tensor<i64>, %u: tensor<3xf32>"),
("scatter_nd tuple", "%0 = graph.scatter_nd %x, %i, %u : (tensor<2x3xf32>, tensor<1x3xi64>, tensor<1xf32>) -> tensor<2x3xf32>", "index tuples of length 3 do not fit input rank 2", "%x: tensor<2x3xf32>, %i: tensor<1x3xi64>, %u: tensor<1xf32>"),
("scatter_nd updates", "%0 = graph.scatter_nd %x, %i, %u : (tensor<2x3xf32>, tensor<4x1xi64>, tensor<4x2xf32>) -> tensor<2x3xf32>", "updates shape 'tensor<4x2xf32>' does not match indices and input", "%x: tensor<2x3xf32>, %i: tensor<4x1xi64>, %u: tensor<4x2xf32>"),
("expand", "%0 = graph.expand %x : tensor<2x3xf32> -> tensor<2x4xf32>", "input 'tensor<2x3xf32>' does not broadcast to 'tensor<2x4xf32>'", "%x: tensor<2x3xf32>"),
("tile count", "%0 = graph.tile %x {repeats = array<i64: 2>} : tensor<2x3xf32> -> tensor<4x3xf32>", "expects 2 repeats, got 1", "%x: tensor<2x3xf32>"),
("tile negative", "%0 = graph.tile %x {repeats = array<i64: 2, -1>} : tensor<2x3xf32> -> tensor<4x3xf32>", "repeats must be >= 0", "%x: tensor<2x3xf32>"),
("cast shape", "%0 = graph.cast %x : tensor<2x3xf32> -> tensor<3x2xi32>", "input shape 'tensor<2x3xf32>' differs from result shape 'tensor<3x2xi32>'", "%x: tensor<2x3xf32>"),
("resize scales", "%0 = graph.resize <nearest> %x {coordinate_mode = #graph.coordinate_mode<asymmetric>, scales = array<f64: 2.0>} : tensor<2x3xf32> -> tensor<4x6xf32>", "needs one scale per axis and a result of the input's rank 2", "%x: tensor<2x3xf32>"),
("resize positive", "%0 = graph.resize <nearest> %x {coordinate_mode = #graph.coordinate_mode<asymmetric>, scales = array<f64: 2.0, 0.0>} : tensor<2x3xf32> -> tensor<4x6xf32>", "scales must be positive", "%x: tensor<2x3xf32>"),
("resize element type", "%0 = graph.resize <nearest> %x {coordinate_mode = #graph.coordinate_mode<asymmetric>, scales = array<f64: 2.0, 2.0>} : tensor<2x3xf32> -> tensor<4x6xf16>", "input element type 'f32' differs from result element type 'f16'", "%x: tensor<2x3xf32>"),
("top_k k", "%0:2 = graph.top_k %x {k = 4 : i64, axis = 1 : i64} : tensor<2x3xf32> -> tensor<2x4xf32>, tensor<2x4xi64>", "k = 4 is outside [0, 3]", "%x: tensor<2x3xf32>"),
("trilu rank", "%0 = graph.trilu %x {upper = true, k = 0 : i64} : tensor<3xf32>", "needs rank >= 2", "%x: tensor<3xf32>"),
("one_hot rank", "%0 = graph.one_hot %i {axis = 0 : i64, off_value = 0.0 : f64, on_value = 1.0 : f64} : tensor<3xi64> -> tensor<3xf32>", "result must add one axis at a position in [0, 1)", "%i: tensor<3xi64>"),
("one_hot shape", "%0 = graph.one_hot %i {axis = 0 : i64, off_value = 0.0 : f64, on_value = 1.0 : f64} : tensor<3xi64> -> tensor<5x4xf32>", "result shape 'tensor<5x4xf32>' does not extend indices 'tensor<3xi64>'", "%i: tensor<3xi64>"),
# quantization
("quantize result", "%0 = graph.quantize %x : tensor<3xf32> -> tensor<3xi8>", "result element type must be a quantized type, got 'i8'", "%x: tensor<3xf32>"),
("quantize expressed", "%0 = graph.quantize %x : tensor<3xf16> -> tensor<3x!quant.uniform<i8:f32, 0.5>>", "input element type 'f16' differs from the expressed type 'f32'", "%x: tensor<3xf16>"),
("quantize shape", "%0 = graph.quantize %x : tensor<3xf32> -> tensor<4x!quant.uniform<i8:f32, 0.5>>", "input shape 'tensor<3xf32>' differs from result shape", "%x: tensor<3xf32>"),
("quantize per-axis", "%0 = graph.quantize %x : tensor<2x3xf32> -> tensor<2x3x!quant.uniform<i8:f32:1, {0.1, 0.2}>>", "per-axis quantization on axis 1 with 2 scales does not fit", "%x: tensor<2x3xf32>"),
("dequantize input", "%0 = graph.dequantize %x : tensor<3xi8> -> tensor<3xf32>", "input element type must be a quantized type, got 'i8'", "%x: tensor<3xi8>"),
("dequantize expressed", "%0 = graph.dequantize %x : tensor<3x!quant.uniform<i8:f32, 0.5>> -> tensor<3xf16>", "result element type 'f16' differs from the expressed type 'f32'", "%x: tensor<3x!quant.uniform<i8:f32, 0.5>>"),
("storage_cast sides", "%0 = graph.storage_cast %x : tensor<3xi8> -> tensor<3xi8>", "exactly one side must be quantized", "%x: tensor<3xi8>"),
("storage_cast storage", "%0 = graph.storage_cast %x : tensor<3x!quant.uniform<i8:f32, 0.5>> -> tensor<3xui8>", "integer type 'ui8' is not the storage type of", "%x: tensor<3x!quant.uniform<i8:f32, 0.5>>"),
# integer ops on quantized tensors
("qconv input", "%0 = graph.qconv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x5x5xi8>, tensor<3x2x3x3x!quant.uniform<i8:f32, 0.25>>) -> tensor<1x3x3x3x!quant.uniform<i32:f32, 0.125>>", "operand #0 must be ranked tensor of quantized type values, but got 'tensor<1x2x5x5xi8>'", "%x: tensor<1x2x5x5xi8>, %w: tensor<3x2x3x3x!quant.uniform<i8:f32, 0.25>>"),
("qconv input per-axis", "%0 = graph.qconv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x5x5x!quant.uniform<i8:f32:1, {0.5, 0.5}>>, tensor<3x2x3x3x!quant.uniform<i8:f32, 0.25>>) -> tensor<1x3x3x3x!quant.uniform<i32:f32, 0.125>>", "input may only be quantized per tensor, got", "%x: tensor<1x2x5x5x!quant.uniform<i8:f32:1, {0.5, 0.5}>>, %w: tensor<3x2x3x3x!quant.uniform<i8:f32, 0.25>>"),
("qconv weight axis", "%0 = graph.qconv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x5x5x!quant.uniform<u8:f32, 0.5:10>>, tensor<3x2x3x3x!quant.uniform<i8:f32:1, {0.5, 0.5}>>) -> tensor<1x3x3x3x!quant.uniform<i32:f32, 0.125>>", "weight may only be quantized per tensor or per axis 0, got", "%x: tensor<1x2x5x5x!quant.uniform<u8:f32, 0.5:10>>, %w: tensor<3x2x3x3x!quant.uniform<i8:f32:1, {0.5, 0.5}>>"),
("qconv weight scales", "%0 = graph.qconv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x5x5x!quant.uniform<u8:f32, 0.5:10>>, tensor<3x2x3x3x!quant.uniform<i8:f32:0, {0.5, 0.5}>>) -> tensor<1x3x3x3x!quant.uniform<i32:f32, 0.125>>", "weight: 2 scales do not fit", "%x: tensor<1x2x5x5x!quant.uniform<u8:f32, 0.5:10>>, %w: tensor<3x2x3x3x!quant.uniform<i8:f32:0, {0.5, 0.5}>>"),
("qconv bias", "%0 = graph.qconv %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x5x5x!quant.uniform<u8:f32, 0.5:10>>, tensor<3x2x3x3x!quant.uniform<i8:f32, 0.25>>, tensor<3xi64>) -> tensor<1x3x3x3x!quant.uniform<i32:f32, 0.125>>", "bias must be i32 of shape [3], got 'tensor<3xi64>'", "%x: tensor<1x2x5x5x!quant.uniform<u8:f32, 0.5:10>>, %w: tensor<3x2x3x3x!quant.uniform<i8:f32, 0.25>>, %b: tensor<3xi64>"),
("qconv expressed", "%0 = graph.qconv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x5x5x!quant.uniform<u8:f32, 0.5:10>>, tensor<3x2x3x3x!quant.uniform<i8:f16, 0.25>>) -> tensor<1x3x3x3x!quant.uniform<i32:f32, 0.125>>", "input and weight express different types", "%x: tensor<1x2x5x5x!quant.uniform<u8:f32, 0.5:10>>, %w: tensor<3x2x3x3x!quant.uniform<i8:f16, 0.25>>"),
("qconv shape", "%0 = graph.qconv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x5x5x!quant.uniform<u8:f32, 0.5:10>>, tensor<3x4x3x3x!quant.uniform<i8:f32, 0.25>>) -> tensor<1x3x3x3x!quant.uniform<i32:f32, 0.125>>", "weight has 4 channels per group, expected 2", "%x: tensor<1x2x5x5x!quant.uniform<u8:f32, 0.5:10>>, %w: tensor<3x4x3x3x!quant.uniform<i8:f32, 0.25>>"),
("qmatmul lhs", "%0 = graph.qmatmul %a, %b : (tensor<4x6x!quant.uniform<i16:f32, 0.5>>, tensor<6x2x!quant.uniform<i8:f32, 0.25>>) -> tensor<4x2x!quant.uniform<i32:f32, 0.125>>", "lhs must be quantized with storage of at most 8 bits", "%a: tensor<4x6x!quant.uniform<i16:f32, 0.5>>, %b: tensor<6x2x!quant.uniform<i8:f32, 0.25>>"),
("qmatmul rhs axis", "%0 = graph.qmatmul %a, %b : (tensor<4x6x!quant.uniform<i8:f32, 0.5>>, tensor<6x2x!quant.uniform<i8:f32:0, {0.25, 0.25, 0.25, 0.25, 0.25, 0.25}>>) -> tensor<4x2x!quant.uniform<i32:f32, 0.125>>", "rhs may only be quantized per tensor or per axis 1", "%a: tensor<4x6x!quant.uniform<i8:f32, 0.5>>, %b: tensor<6x2x!quant.uniform<i8:f32:0, {0.25, 0.25, 0.25, 0.25, 0.25, 0.25}>>"),
("qmatmul contracting", "%0 = graph.qmatmul %a, %b : (tensor<4x6x!quant.uniform<i8:f32, 0.5>>, tensor<5x2x!quant.uniform<i8:f32, 0.25>>) -> tensor<4x2x!quant.uniform<i32:f32, 0.125>>", "contracting dimensions differ", "%a: tensor<4x6x!quant.uniform<i8:f32, 0.5>>, %b: tensor<5x2x!quant.uniform<i8:f32, 0.25>>"),
("qmatmul expressed", "%0 = graph.qmatmul %a, %b : (tensor<4x6x!quant.uniform<i8:f32, 0.5>>, tensor<6x2x!quant.uniform<i8:f16, 0.25>>) -> tensor<4x2x!quant.uniform<i32:f32, 0.125>>", "lhs and rhs express different types", "%a: tensor<4x6x!quant.uniform<i8:f32, 0.5>>, %b: tensor<6x2x!quant.uniform<i8:f16, 0.25>>"),
("qmatmul vector bias", "%0 = graph.qmatmul %a, %b, %c : (tensor<4x6x!quant.uniform<i8:f32, 0.5>>, tensor<6x!quant.uniform<i8:f32, 0.25>>, tensor<6xi32>) -> tensor<4x!quant.uniform<i32:f32, 0.125>>", "a bias needs a rhs of rank >= 2", "%a: tensor<4x6x!quant.uniform<i8:f32, 0.5>>, %b: tensor<6x!quant.uniform<i8:f32, 0.25>>, %c: tensor<6xi32>"),
("requantize shape", "%0 = graph.requantize %x : tensor<4x!quant.uniform<i8:f32, 0.5>> -> tensor<5x!quant.uniform<i8:f32, 0.5>>", "differs from result shape", "%x: tensor<4x!quant.uniform<i8:f32, 0.5>>"),
("requantize wide input", "%0 = graph.requantize %x : tensor<4x!quant.uniform<i32:f32, 0.5:3>> -> tensor<4x!quant.uniform<i8:f32, 0.5>>", "an input wider than 8 bits must be i32 sums with zero point 0", "%x: tensor<4x!quant.uniform<i32:f32, 0.5:3>>"),
("requantize per-axis fit", "%0 = graph.requantize %x : tensor<4x!quant.uniform<i32:f32:0, {0.5, 0.5}>> -> tensor<4x!quant.uniform<i8:f32, 0.5>>", "per-axis quantization on axis 0 with 2 scales does not fit", "%x: tensor<4x!quant.uniform<i32:f32:0, {0.5, 0.5}>>"),
("requantize result", "%0 = graph.requantize %x : tensor<4x!quant.uniform<i8:f32, 0.5>> -> tensor<4x!quant.uniform<i16:f32, 0.5>>", "result must be quantized per tensor with 8-bit storage", "%x: tensor<4x!quant.uniform<i8:f32, 0.5>>"),
("requantize expressed", "%0 = graph.requantize %x : tensor<4x!quant.uniform<i8:f32, 0.5>> -> tensor<4x!quant.uniform<i8:f16, 0.5>>", "input and result express different types", "%x: tensor<4x!quant.uniform<i8:f32, 0.5>>"),
("requantize clamp", "%0 = graph.requantize %x {clamp_min = 6.0 : f64, clamp_max = 0.0 : f64} : tensor<4x!quant.uniform<i8:f32, 0.5>> -> tensor<4x!quant.uniform<i8:f32, 0.5>>", "clamp_min 6.000000e+00 exceeds clamp_max 0.000000e+00", "%x: tensor<4x!quant.uniform<i8:f32, 0.5>>"),
("requantize clamp finite", "%0 = graph.requantize %x {clamp_max = 0x7FF0000000000000 : f64} : tensor<4x!quant.uniform<i8:f32, 0.5>> -> tensor<4x!quant.uniform<i8:f32, 0.5>>", "clamp bounds must be finite", "%x: tensor<4x!quant.uniform<i8:f32, 0.5>>"),
("qadd shape", "%0 = graph.qadd %x, %y : tensor<4x!quant.uniform<i8:f32, 0.5>>, tensor<5x!quant.uniform<i8:f32, 0.5>> -> tensor<4x!quant.uniform<i8:f32, 0.5>>", "differs from result shape", "%x: tensor<4x!quant.uniform<i8:f32, 0.5>>, %y: tensor<5x!quant.uniform<i8:f32, 0.5>>"),
("qadd types", "%0 = graph.qadd %x, %y : tensor<4x!quant.uniform<i8:f32, 0.5>>, tensor<4x!quant.uniform<i32:f32, 0.5>> -> tensor<4x!quant.uniform<i8:f32, 0.5>>", "operands and result must be quantized per tensor with 8-bit storage", "%x: tensor<4x!quant.uniform<i8:f32, 0.5>>, %y: tensor<4x!quant.uniform<i32:f32, 0.5>>"),
("qadd expressed", "%0 = graph.qadd %x, %y : tensor<4x!quant.uniform<i8:f32, 0.5>>, tensor<4x!quant.uniform<i8:f16, 0.5>> -> tensor<4x!quant.uniform<i8:f32, 0.5>>", "operands and result express different types", "%x: tensor<4x!quant.uniform<i8:f32, 0.5>>, %y: tensor<4x!quant.uniform<i8:f16, 0.5>>"),
("qadd clamp", "%0 = graph.qadd %x, %x {clamp_min = 1.0 : f64, clamp_max = 0.0 : f64} : tensor<4x!quant.uniform<i8:f32, 0.5>>, tensor<4x!quant.uniform<i8:f32, 0.5>> -> tensor<4x!quant.uniform<i8:f32, 0.5>>", "exceeds clamp_max", "%x: tensor<4x!quant.uniform<i8:f32, 0.5>>"),
("quantize_linear scale", "%0 = graph.quantize_linear %x, %s, %z : (tensor<3xf32>, tensor<f16>, tensor<ui8>) -> tensor<3xui8>", "scale type 'f16' differs from the input type 'f32'", "%x: tensor<3xf32>, %s: tensor<f16>, %z: tensor<ui8>"),
("quantize_linear zero point", "%0 = graph.quantize_linear %x, %s, %z : (tensor<3xf32>, tensor<f32>, tensor<i8>) -> tensor<3xui8>", "zero point type 'i8' differs from the result type 'ui8'", "%x: tensor<3xf32>, %s: tensor<f32>, %z: tensor<i8>"),
("quantize_linear shape", "%0 = graph.quantize_linear %x, %s, %z : (tensor<3xf32>, tensor<f32>, tensor<ui8>) -> tensor<4xui8>", "differs from result shape", "%x: tensor<3xf32>, %s: tensor<f32>, %z: tensor<ui8>"),
("block_dequantize axis", "%0 = graph.block_dequantize %q, %s {axis = 2 : i64, block_size = 4 : i64} : (tensor<8x4xi4>, tensor<2x4xf32>) -> tensor<8x4xf32>", "axis 2 is outside the input's rank 2", "%q: tensor<8x4xi4>, %s: tensor<2x4xf32>"),
("block_dequantize block size", "%0 = graph.block_dequantize %q, %s {axis = 0 : i64, block_size = 0 : i64} : (tensor<8x4xi4>, tensor<2x4xf32>) -> tensor<8x4xf32>", "block_size must be at least 1, got 0", "%q: tensor<8x4xi4>, %s: tensor<2x4xf32>"),
("block_dequantize scale type", "%0 = graph.block_dequantize %q, %s {axis = 0 : i64, block_size = 4 : i64} : (tensor<8x4xi4>, tensor<2x4xf32>) -> tensor<8x4xf16>", "scale type 'f32' differs from the result type 'f16'", "%q: tensor<8x4xi4>, %s: tensor<2x4xf32>"),
("block_dequantize scale rank", "%0 = graph.block_dequantize %q, %s {axis = 0 : i64, block_size = 4 : i64} : (tensor<8x4xi4>, tensor<8xf32>) -> tensor<8x4xf32>", "scales have rank 1; the input's is 2", "%q: tensor<8x4xi4>, %s: tensor<8xf32>"),
("block_dequantize block count", "%0 = graph.block_dequantize %q, %s {axis = 0 : i64, block_size = 3 : i64} : (tensor<8x4xi4>, tensor<2x4xf32>) -> tensor<8x4xf32>", "scales have 2 entries on dimension 0; blocks of 3 over 8 need 3", "%q: tensor<8x4xi4>, %s: tensor<2x4xf32>"),
("block_dequantize other dim", "%0 = graph.block_dequantize %q, %s {axis = 0 : i64, block_size = 4 : i64} : (tensor<8x4xi4>, tensor<2x3xf32>) -> tensor<8x4xf32>", "scales have 3 entries on dimension 1; blocks of 4 over 4 need 4", "%q: tensor<8x4xi4>, %s: tensor<2x3xf32>"),
("block_dequantize zero points", "%0 = graph.block_dequantize %q, %s, %z {axis = 0 : i64, block_size = 4 : i64} : (tensor<8x4xi4>, tensor<2x4xf32>, tensor<2x4xi8>) -> tensor<8x4xf32>", "zero points must have the scales' shape and the input's type", "%q: tensor<8x4xi4>, %s: tensor<2x4xf32>, %z: tensor<2x4xi8>"),
("block_dequantize shape", "%0 = graph.block_dequantize %q, %s {axis = 0 : i64, block_size = 4 : i64} : (tensor<8x4xi4>, tensor<2x4xf32>) -> tensor<8x5xf32>", "differs from result shape", "%q: tensor<8x4xi4>, %s: tensor<2x4xf32>"),
('qmean types', '%0 = graph.qmean %x {axes = array<i64: 2, 3>} : tensor<1x4x3x3x!quant.uniform<u8:f32:1, {0.5,0.5,0.5,0.5}>> -> tensor<1x4x1x1x!quant.uniform<u8:f32, 0.5>>', 'input and result must be quantized per tensor with 8-bit storage', '%x: tensor<1x4x3x3x!quant.uniform<u8:f32:1, {0.5,0.5,0.5,0.5}>>'),
('qmean axes', '%0 = graph.qmean %x {axes = array<i64: 3, 2>} : tensor<1x4x3x3x!quant.uniform<u8:f32, 0.5>> -> tensor<1x4x1x1x!quant.uniform<u8:f32, 0.5>>', 'axes must be sorted, unique and within the rank 4', '%x: tensor<1x4x3x3x!quant.uniform<u8:f32, 0.5>>'),
('qmean shape', '%0 = graph.qmean %x {axes = array<i64: 2, 3>, keepdims = false} : tensor<1x4x3x3x!quant.uniform<u8:f32, 0.5>> -> tensor<1x4x1x1x!quant.uniform<u8:f32, 0.5>>', "is not the input's with axes reduced", '%x: tensor<1x4x3x3x!quant.uniform<u8:f32, 0.5>>'),
]
NOT_INFERRED = {"graph.exp", "graph.clip", "graph.reshape", "graph.slice", "graph.expand", "graph.cast",
  "graph.resize", "graph.trilu", "graph.one_hot", "graph.quantize", "graph.dequantize", "graph.storage_cast",
  "graph.requantize", "graph.qadd", "graph.quantize_linear", "graph.block_dequantize", "graph.qmean"}
out = ["// RUN: gaon-opt %s -split-input-file -verify-diagnostics", "",
       "// One case per error a graph op's verifier or type inference reports.",
       "// Generated by utils/testgen/make_graph_invalid_tests.py."]
for i, (desc, body, err, args) in enumerate(cases):
    if i:
        out.append("// -----")
    out.append("")
    out.append("// %s" % desc)
    name = desc.replace(" ", "_").replace("-", "_")
    out.append("func.func @%s(%s) {" % (name, args))
    op = body.split("=", 1)[1].strip().split()[0].strip('"')
    inferred = op not in NOT_INFERRED and "must be ranked tensor" not in err
    if inferred:
        out.append("  // expected-error @+2 {{%s}}" % err)
        out.append("  // expected-error @+1 {{failed to infer returned types}}")
    else:
        out.append("  // expected-error @+1 {{%s}}" % err)
    out.append("  " + body)
    out.append("  return")
    out.append("}")
    out.append("")
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "dialects", "graph", "invalid.mlir"), "w").write("\n".join(out))
print(len(cases))

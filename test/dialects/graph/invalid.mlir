// RUN: gaon-opt %s -split-input-file -verify-diagnostics

// One case per error a graph op's verifier or type inference reports.

// add shapes
func.func @add_shapes(%a: tensor<2x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{operand shapes 'tensor<2x3xf32>' and 'tensor<4xf32>' do not broadcast}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.add %a, %b : tensor<2x3xf32>, tensor<4xf32> -> tensor<2x3xf32>
  return
}

// -----

// add element types
func.func @add_element_types(%a: tensor<3xf32>, %b: tensor<3xf16>) {
  // expected-error @+2 {{operand element types differ: 'f32' vs 'f16'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.add %a, %b : tensor<3xf32>, tensor<3xf16> -> tensor<3xf32>
  return
}

// -----

// add result type
func.func @add_result_type(%a: tensor<3xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<3xf32>' are incompatible with return type(s) of operation 'tensor<4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.add %a, %a : tensor<3xf32>, tensor<3xf32> -> tensor<4xf32>
  return
}

// -----

// prelu slope
func.func @prelu_slope(%a: tensor<3xf32>, %b: tensor<2x3xf32>) {
  // expected-error @+2 {{slope shape 'tensor<2x3xf32>' must broadcast to the input shape 'tensor<3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.prelu %a, %b : tensor<3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

// select branches
func.func @select_branches(%c: tensor<3xi1>, %a: tensor<3xf32>, %b: tensor<3xi32>) {
  // expected-error @+2 {{branch element types differ: 'f32' vs 'i32'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.select %c, %a, %b : tensor<3xi1>, tensor<3xf32>, tensor<3xi32> -> tensor<3xf32>
  return
}

// -----

// select shapes
func.func @select_shapes(%c: tensor<4xi1>, %a: tensor<3xf32>) {
  // expected-error @+2 {{shapes 'tensor<4xi1>', 'tensor<3xf32>' and 'tensor<3xf32>' do not broadcast}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.select %c, %a, %a : tensor<4xi1>, tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  return
}

// -----

// exp on integers
func.func @exp_on_integers(%a: tensor<3xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point values}}
  %0 = graph.exp %a : tensor<3xi32>
  return
}

// -----

// clip bounds
func.func @clip_bounds(%a: tensor<3xf32>) {
  // expected-error @+1 {{min 2.000000e+00 exceeds max 1.000000e+00}}
  %0 = graph.clip %a {min = 2.0 : f64, max = 1.0 : f64} : tensor<3xf32>
  return
}

// -----

// matmul scalar
func.func @matmul_scalar(%a: tensor<f32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{operands must have rank >= 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.matmul %a, %b : tensor<f32>, tensor<3xf32> -> tensor<f32>
  return
}

// -----

// matmul contraction
func.func @matmul_contraction(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+2 {{contracting dimensions differ: lhs 'tensor<2x3xf32>' has 3, rhs 'tensor<4x5xf32>' has 4}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.matmul %a, %b : tensor<2x3xf32>, tensor<4x5xf32> -> tensor<2x5xf32>
  return
}

// -----

// matmul batch
func.func @matmul_batch(%a: tensor<2x2x3xf32>, %b: tensor<4x3x5xf32>) {
  // expected-error @+2 {{batch dimensions of 'tensor<2x2x3xf32>' and 'tensor<4x3x5xf32>' do not broadcast}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.matmul %a, %b : tensor<2x2x3xf32>, tensor<4x3x5xf32> -> tensor<2x2x5xf32>
  return
}

// -----

// matmul element types
func.func @matmul_element_types(%a: tensor<2x3xf32>, %b: tensor<3x5xbf16>) {
  // expected-error @+2 {{operand element types differ: 'f32' vs 'bf16'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.matmul %a, %b : tensor<2x3xf32>, tensor<3x5xbf16> -> tensor<2x5xf32>
  return
}

// -----

// conv rank
func.func @conv_rank(%x: tensor<1x3xf32>, %w: tensor<4x3xf32>) {
  // expected-error @+2 {{input and weight must have the same rank >= 3 (N, C, spatial...); got 'tensor<1x3xf32>' and 'tensor<4x3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.conv %x, %w {strides = array<i64: 1>, dilations = array<i64: 1>, pads = array<i64: 0, 0>} : (tensor<1x3xf32>, tensor<4x3xf32>) -> tensor<1x4xf32>
  return
}

// -----

// conv attr counts
func.func @conv_attr_counts(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{expects 2 strides, 2 dilations and 4 pads for 2 spatial axes; got 1, 2 and 4}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.conv %x, %w {strides = array<i64: 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// conv stride
func.func @conv_stride(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{strides and dilations must be >= 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.conv %x, %w {strides = array<i64: 0, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// conv pads
func.func @conv_pads(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{pads must be >= 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: -1, 0, 0, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// conv group
func.func @conv_group(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{group 2 must divide input channels 3 and filters 4}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, group = 2 : i64} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// conv channels
func.func @conv_channels(%x: tensor<1x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) {
  // expected-error @+2 {{weight has 2 channels per group, expected 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// conv bias
func.func @conv_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{bias must be 1-D of size 4, got 'tensor<3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.conv %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// conv kernel too large
func.func @conv_kernel_too_large(%x: tensor<1x3x2x2xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{kernel is larger than the padded input on spatial axis 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x3x2x2xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x1x1xf32>
  return
}

// -----

// conv element types
func.func @conv_element_types(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf16>) {
  // expected-error @+2 {{input and weight element types differ: 'f32' vs 'f16'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf16>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// conv_transpose rank
func.func @conv_transpose_rank(%x: tensor<1x3xf32>, %w: tensor<3x4xf32>) {
  // expected-error @+2 {{input and weight must have the same rank >= 3; got 'tensor<1x3xf32>' and 'tensor<3x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.conv_transpose %x, %w {strides = array<i64: 1>, dilations = array<i64: 1>, pads = array<i64: 0, 0>, output_padding = array<i64: 0>} : (tensor<1x3xf32>, tensor<3x4xf32>) -> tensor<1x4xf32>
  return
}

// -----

// conv_transpose output_padding
func.func @conv_transpose_output_padding(%x: tensor<1x3x4x4xf32>, %w: tensor<3x2x2x2xf32>) {
  // expected-error @+2 {{expects 2 output_padding}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.conv_transpose %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, output_padding = array<i64: 0>} : (tensor<1x3x4x4xf32>, tensor<3x2x2x2xf32>) -> tensor<1x2x5x5xf32>
  return
}

// -----

// conv_transpose channels
func.func @conv_transpose_channels(%x: tensor<1x3x4x4xf32>, %w: tensor<2x2x2x2xf32>) {
  // expected-error @+2 {{weight must have 3 input channels divisible by group 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.conv_transpose %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, output_padding = array<i64: 0, 0>} : (tensor<1x3x4x4xf32>, tensor<2x2x2x2xf32>) -> tensor<1x2x5x5xf32>
  return
}

// -----

// conv_transpose bias
func.func @conv_transpose_bias(%x: tensor<1x3x4x4xf32>, %w: tensor<3x2x2x2xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{bias must be 1-D of size 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.conv_transpose %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, output_padding = array<i64: 0, 0>} : (tensor<1x3x4x4xf32>, tensor<3x2x2x2xf32>, tensor<3xf32>) -> tensor<1x2x5x5xf32>
  return
}

// -----

// conv_transpose output size
func.func @conv_transpose_output_size(%x: tensor<1x3x1x1xf32>, %w: tensor<3x2x2x2xf32>) {
  // expected-error @+2 {{output size on spatial axis 0 would be -4}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.conv_transpose %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 3, 3, 3, 3>, output_padding = array<i64: 0, 0>} : (tensor<1x3x1x1xf32>, tensor<3x2x2x2xf32>) -> tensor<1x2x1x1xf32>
  return
}

// -----

// pool rank
func.func @pool_rank(%x: tensor<1x3xf32>) {
  // expected-error @+2 {{input must have rank >= 3 (N, C, spatial...), got 'tensor<1x3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.max_pool %x {kernel_shape = array<i64: 2>, strides = array<i64: 1>, dilations = array<i64: 1>, pads = array<i64: 0, 0>} : tensor<1x3xf32> -> tensor<1x3xf32>
  return
}

// -----

// pool kernel count
func.func @pool_kernel_count(%x: tensor<1x3x4x4xf32>) {
  // expected-error @+2 {{expects 2 kernel sizes, got 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.max_pool %x {kernel_shape = array<i64: 2>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : tensor<1x3x4x4xf32> -> tensor<1x3x3x3xf32>
  return
}

// -----

// pool kernel size
func.func @pool_kernel_size(%x: tensor<1x3x4x4xf32>) {
  // expected-error @+2 {{kernel sizes must be >= 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.avg_pool %x {kernel_shape = array<i64: 0, 2>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : tensor<1x3x4x4xf32> -> tensor<1x3x3x3xf32>
  return
}

// -----

// pool window
func.func @pool_window(%x: tensor<1x3x4x4xf32>) {
  // expected-error @+2 {{window is larger than the padded input on spatial axis 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.max_pool %x {kernel_shape = array<i64: 5, 5>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : tensor<1x3x4x4xf32> -> tensor<1x3x1x1xf32>
  return
}

// -----

// avg_pool integers
func.func @avg_pool_integers(%x: tensor<1x3x4x4xi8>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point values}}
  %0 = graph.avg_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : tensor<1x3x4x4xi8> -> tensor<1x3x3x3xi8>
  return
}

// -----

// reduce axis range
func.func @reduce_axis_range(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{axis 3 is out of range for rank 2 (graph axes are normalized to [0, rank))}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.reduce <sum> %x {axes = array<i64: 3>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

// reduce axes order
func.func @reduce_axes_order(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{axes must be sorted and unique}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.reduce <max> %x {axes = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<1x1xf32>
  return
}

// -----

// arg_max axis
func.func @arg_max_axis(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{axis 2 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.arg_max %x {axis = 2 : i64} : tensor<2x3xf32> -> tensor<2x3xi64>
  return
}

// -----

// softmax axis
func.func @softmax_axis(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{axis -1 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.softmax %x {axis = -1 : i64} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

// batch_norm rank
func.func @batch_norm_rank(%x: tensor<3xf32>, %c: tensor<3xf32>) {
  // expected-error @+2 {{input must have rank >= 2, got 'tensor<3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.batch_norm %x, %c, %c, %c, %c {epsilon = 1.0e-5 : f32} : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

// batch_norm channels
func.func @batch_norm_channels(%x: tensor<2x4xf32>, %c: tensor<3xf32>) {
  // expected-error @+2 {{per-channel operand 'tensor<3xf32>' must be 1-D of size 4}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.batch_norm %x, %c, %c, %c, %c {epsilon = 1.0e-5 : f32} : (tensor<2x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x4xf32>
  return
}

// -----

// instance_norm element types
func.func @instance_norm_element_types(%x: tensor<1x3x4xf32>, %c: tensor<3xf16>) {
  // expected-error @+2 {{input and parameter element types differ: 'f32' vs 'f16'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.instance_norm %x, %c, %c {epsilon = 1.0e-5 : f32} : (tensor<1x3x4xf32>, tensor<3xf16>, tensor<3xf16>) -> tensor<1x3x4xf32>
  return
}

// -----

// layer_norm scale
func.func @layer_norm_scale(%x: tensor<2x3xf32>, %s: tensor<4xf32>) {
  // expected-error @+2 {{parameter 'tensor<4xf32>' does not broadcast to the normalized shape}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.layer_norm %x, %s {axis = 1 : i64, epsilon = 1.0e-5 : f32} : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return
}

// -----

// rms_norm axis
func.func @rms_norm_axis(%x: tensor<2x3xf32>, %s: tensor<3xf32>) {
  // expected-error @+2 {{axis 2 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.rms_norm %x, %s {axis = 2 : i64, epsilon = 1.0e-5 : f32} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return
}

// -----

// reshape count
func.func @reshape_count(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{cannot reshape 6 elements of 'tensor<2x3xf32>' into 7 elements of 'tensor<7xf32>'}}
  %0 = graph.reshape %x : tensor<2x3xf32> -> tensor<7xf32>
  return
}

// -----

// reshape element type
func.func @reshape_element_type(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{input element type 'f32' differs from result element type 'f16'}}
  %0 = graph.reshape %x : tensor<2x3xf32> -> tensor<6xf16>
  return
}

// -----

// transpose length
func.func @transpose_length(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{perm has 1 entries for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.transpose %x {perm = array<i64: 0>} : tensor<2x3xf32> -> tensor<2xf32>
  return
}

// -----

// transpose permutation
func.func @transpose_permutation(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{perm is not a permutation of [0, 2)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.transpose %x {perm = array<i64: 0, 0>} : tensor<2x3xf32> -> tensor<2x2xf32>
  return
}

// -----

// concat empty
func.func @concat_empty() {
  // expected-error @+2 {{needs at least one input}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "graph.concat"() {axis = 0 : i64} : () -> tensor<2xf32>
  return
}

// -----

// concat ranks
func.func @concat_ranks(%x: tensor<2x3xf32>, %y: tensor<3xf32>) {
  // expected-error @+2 {{inputs have different ranks}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.concat %x, %y {axis = 0 : i64} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<5x3xf32>
  return
}

// -----

// concat off-axis
func.func @concat_off_axis(%x: tensor<2x3xf32>, %y: tensor<2x4xf32>) {
  // expected-error @+2 {{input 'tensor<2x4xf32>' differs from 'tensor<2x3xf32>' off the concatenation axis}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.concat %x, %y {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<4x3xf32>
  return
}

// -----

// concat element types
func.func @concat_element_types(%x: tensor<2x3xf32>, %y: tensor<2x3xi32>) {
  // expected-error @+2 {{input element types differ: 'f32' vs 'i32'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.concat %x, %y {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xi32>) -> tensor<4x3xf32>
  return
}

// -----

// split negative
func.func @split_negative(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{split sizes must be >= 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = graph.split %x {axis = 0 : i64, sizes = array<i64: -1, 3>} : tensor<2x3xf32> -> tensor<1x3xf32>, tensor<1x3xf32>
  return
}

// -----

// split sum
func.func @split_sum(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{split sizes sum to 3 but the axis has size 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = graph.split %x {axis = 0 : i64, sizes = array<i64: 1, 2>} : tensor<2x3xf32> -> tensor<1x3xf32>, tensor<2x3xf32>
  return
}

// -----

// slice counts
func.func @slice_counts(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{needs one start and one step per axis of rank 2 and a result of the same rank}}
  %0 = graph.slice %x {starts = array<i64: 0>, steps = array<i64: 1>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

// slice step
func.func @slice_step(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{step on axis 1 is zero}}
  %0 = graph.slice %x {starts = array<i64: 0, 0>, steps = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

// slice bounds
func.func @slice_bounds(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{axis 1 reads indices 1 to 3, outside [0, 3)}}
  %0 = graph.slice %x {starts = array<i64: 0, 1>, steps = array<i64: 1, 1>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

// slice element type
func.func @slice_element_type(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{input element type 'f32' differs from result element type 'i32'}}
  %0 = graph.slice %x {starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : tensor<2x3xf32> -> tensor<2x3xi32>
  return
}

// -----

// pad count
func.func @pad_count(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{expects 4 pads, got 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.pad <constant> %x {pads = array<i64: 1, 1>} : tensor<2x3xf32> -> tensor<4x3xf32>
  return
}

// -----

// pad crop
func.func @pad_crop(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{pads crop axis 0 below size 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.pad <constant> %x {pads = array<i64: -2, 0, -1, 0>} : tensor<2x3xf32> -> tensor<0x3xf32>
  return
}

// -----

// pad empty axis
func.func @pad_empty_axis(%x: tensor<0x3xf32>) {
  // expected-error @+2 {{cannot pad an empty axis in this mode}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.pad <edge> %x {pads = array<i64: 1, 0, 0, 0>} : tensor<0x3xf32> -> tensor<1x3xf32>
  return
}

// -----

// pad reflect
func.func @pad_reflect(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{reflect pads on axis 0 must be smaller than its size 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.pad <reflect> %x {pads = array<i64: 2, 0, 0, 0>} : tensor<2x3xf32> -> tensor<4x3xf32>
  return
}

// -----

// gather axis
func.func @gather_axis(%x: tensor<2x3xf32>, %i: tensor<4xi64>) {
  // expected-error @+2 {{axis 2 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.gather %x[%i] {axis = 2 : i64} : (tensor<2x3xf32>, tensor<4xi64>) -> tensor<2x3xf32>
  return
}

// -----

// gather index type
func.func @gather_index_type(%x: tensor<2x3xf32>, %i: tensor<4xf32>) {
  // expected-error @+1 {{operand #1 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values}}
  %0 = graph.gather %x[%i] {axis = 0 : i64} : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<4x3xf32>
  return
}

// -----

// gather_elements rank
func.func @gather_elements_rank(%x: tensor<2x3xf32>, %i: tensor<4xi64>) {
  // expected-error @+2 {{indices must have the input's rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.gather_elements %x[%i] {axis = 0 : i64} : (tensor<2x3xf32>, tensor<4xi64>) -> tensor<4xf32>
  return
}

// -----

// gather_nd batch_dims
func.func @gather_nd_batch_dims(%x: tensor<2x3xf32>, %i: tensor<2x1xi64>) {
  // expected-error @+2 {{batch_dims 2 must be below both ranks}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.gather_nd %x[%i] {batch_dims = 2 : i64} : (tensor<2x3xf32>, tensor<2x1xi64>) -> tensor<2xf32>
  return
}

// -----

// gather_nd tuple
func.func @gather_nd_tuple(%x: tensor<2x3xf32>, %i: tensor<2x3xi64>) {
  // expected-error @+2 {{index tuples of length 3 do not fit input rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.gather_nd %x[%i] : (tensor<2x3xf32>, tensor<2x3xi64>) -> tensor<2xf32>
  return
}

// -----

// gather_nd batch
func.func @gather_nd_batch(%x: tensor<2x3xf32>, %i: tensor<3x1xi64>) {
  // expected-error @+2 {{batch dimension 0 differs}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.gather_nd %x[%i] {batch_dims = 1 : i64} : (tensor<2x3xf32>, tensor<3x1xi64>) -> tensor<3xf32>
  return
}

// -----

// scatter_elements shapes
func.func @scatter_elements_shapes(%x: tensor<2x3xf32>, %i: tensor<1x3xi64>, %u: tensor<1x2xf32>) {
  // expected-error @+2 {{indices and updates must have one shape of the input's rank}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.scatter_elements %x, %i, %u {axis = 0 : i64} : (tensor<2x3xf32>, tensor<1x3xi64>, tensor<1x2xf32>) -> tensor<2x3xf32>
  return
}

// -----

// scatter_elements types
func.func @scatter_elements_types(%x: tensor<2x3xf32>, %i: tensor<1x3xi64>, %u: tensor<1x3xf16>) {
  // expected-error @+2 {{input and updates element types differ: 'f32' vs 'f16'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.scatter_elements %x, %i, %u {axis = 0 : i64} : (tensor<2x3xf32>, tensor<1x3xi64>, tensor<1x3xf16>) -> tensor<2x3xf32>
  return
}

// -----

// scatter_nd rank
func.func @scatter_nd_rank(%x: tensor<2x3xf32>, %i: tensor<i64>, %u: tensor<3xf32>) {
  // expected-error @+2 {{indices must have rank >= 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.scatter_nd %x, %i, %u : (tensor<2x3xf32>, tensor<i64>, tensor<3xf32>) -> tensor<2x3xf32>
  return
}

// -----

// scatter_nd tuple
func.func @scatter_nd_tuple(%x: tensor<2x3xf32>, %i: tensor<1x3xi64>, %u: tensor<1xf32>) {
  // expected-error @+2 {{index tuples of length 3 do not fit input rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.scatter_nd %x, %i, %u : (tensor<2x3xf32>, tensor<1x3xi64>, tensor<1xf32>) -> tensor<2x3xf32>
  return
}

// -----

// scatter_nd updates
func.func @scatter_nd_updates(%x: tensor<2x3xf32>, %i: tensor<4x1xi64>, %u: tensor<4x2xf32>) {
  // expected-error @+2 {{updates shape 'tensor<4x2xf32>' does not match indices and input}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.scatter_nd %x, %i, %u : (tensor<2x3xf32>, tensor<4x1xi64>, tensor<4x2xf32>) -> tensor<2x3xf32>
  return
}

// -----

// expand
func.func @expand(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{input 'tensor<2x3xf32>' does not broadcast to 'tensor<2x4xf32>'}}
  %0 = graph.expand %x : tensor<2x3xf32> -> tensor<2x4xf32>
  return
}

// -----

// tile count
func.func @tile_count(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{expects 2 repeats, got 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.tile %x {repeats = array<i64: 2>} : tensor<2x3xf32> -> tensor<4x3xf32>
  return
}

// -----

// tile negative
func.func @tile_negative(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{repeats must be >= 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = graph.tile %x {repeats = array<i64: 2, -1>} : tensor<2x3xf32> -> tensor<4x3xf32>
  return
}

// -----

// cast shape
func.func @cast_shape(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{input shape 'tensor<2x3xf32>' differs from result shape 'tensor<3x2xi32>'}}
  %0 = graph.cast %x : tensor<2x3xf32> -> tensor<3x2xi32>
  return
}

// -----

// resize scales
func.func @resize_scales(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{needs one scale per axis and a result of the input's rank 2}}
  %0 = graph.resize <nearest> %x {coordinate_mode = #graph.coordinate_mode<asymmetric>, scales = array<f64: 2.0>} : tensor<2x3xf32> -> tensor<4x6xf32>
  return
}

// -----

// resize positive
func.func @resize_positive(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{scales must be positive}}
  %0 = graph.resize <nearest> %x {coordinate_mode = #graph.coordinate_mode<asymmetric>, scales = array<f64: 2.0, 0.0>} : tensor<2x3xf32> -> tensor<4x6xf32>
  return
}

// -----

// resize element type
func.func @resize_element_type(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{input element type 'f32' differs from result element type 'f16'}}
  %0 = graph.resize <nearest> %x {coordinate_mode = #graph.coordinate_mode<asymmetric>, scales = array<f64: 2.0, 2.0>} : tensor<2x3xf32> -> tensor<4x6xf16>
  return
}

// -----

// top_k k
func.func @top_k_k(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{k = 4 is outside [0, 3]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = graph.top_k %x {k = 4 : i64, axis = 1 : i64} : tensor<2x3xf32> -> tensor<2x4xf32>, tensor<2x4xi64>
  return
}

// -----

// trilu rank
func.func @trilu_rank(%x: tensor<3xf32>) {
  // expected-error @+1 {{needs rank >= 2}}
  %0 = graph.trilu %x {upper = true, k = 0 : i64} : tensor<3xf32>
  return
}

// -----

// one_hot rank
func.func @one_hot_rank(%i: tensor<3xi64>) {
  // expected-error @+1 {{result must add one axis at a position in [0, 1)}}
  %0 = graph.one_hot %i {axis = 0 : i64, off_value = 0.0 : f64, on_value = 1.0 : f64} : tensor<3xi64> -> tensor<3xf32>
  return
}

// -----

// one_hot shape
func.func @one_hot_shape(%i: tensor<3xi64>) {
  // expected-error @+1 {{result shape 'tensor<5x4xf32>' does not extend indices 'tensor<3xi64>'}}
  %0 = graph.one_hot %i {axis = 0 : i64, off_value = 0.0 : f64, on_value = 1.0 : f64} : tensor<3xi64> -> tensor<5x4xf32>
  return
}

// -----

// quantize result
func.func @quantize_result(%x: tensor<3xf32>) {
  // expected-error @+1 {{result element type must be a quantized type, got 'i8'}}
  %0 = graph.quantize %x : tensor<3xf32> -> tensor<3xi8>
  return
}

// -----

// quantize expressed
func.func @quantize_expressed(%x: tensor<3xf16>) {
  // expected-error @+1 {{input element type 'f16' differs from the expressed type 'f32'}}
  %0 = graph.quantize %x : tensor<3xf16> -> tensor<3x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

// quantize shape
func.func @quantize_shape(%x: tensor<3xf32>) {
  // expected-error @+1 {{input shape 'tensor<3xf32>' differs from result shape}}
  %0 = graph.quantize %x : tensor<3xf32> -> tensor<4x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

// quantize per-axis
func.func @quantize_per_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{per-axis quantization on axis 1 with 2 scales does not fit}}
  %0 = graph.quantize %x : tensor<2x3xf32> -> tensor<2x3x!quant.uniform<i8:f32:1, {0.1, 0.2}>>
  return
}

// -----

// dequantize input
func.func @dequantize_input(%x: tensor<3xi8>) {
  // expected-error @+1 {{input element type must be a quantized type, got 'i8'}}
  %0 = graph.dequantize %x : tensor<3xi8> -> tensor<3xf32>
  return
}

// -----

// dequantize expressed
func.func @dequantize_expressed(%x: tensor<3x!quant.uniform<i8:f32, 0.5>>) {
  // expected-error @+1 {{result element type 'f16' differs from the expressed type 'f32'}}
  %0 = graph.dequantize %x : tensor<3x!quant.uniform<i8:f32, 0.5>> -> tensor<3xf16>
  return
}

// -----

// storage_cast sides
func.func @storage_cast_sides(%x: tensor<3xi8>) {
  // expected-error @+1 {{exactly one side must be quantized}}
  %0 = graph.storage_cast %x : tensor<3xi8> -> tensor<3xi8>
  return
}

// -----

// storage_cast storage
func.func @storage_cast_storage(%x: tensor<3x!quant.uniform<i8:f32, 0.5>>) {
  // expected-error @+1 {{integer type 'ui8' is not the storage type of}}
  %0 = graph.storage_cast %x : tensor<3x!quant.uniform<i8:f32, 0.5>> -> tensor<3xui8>
  return
}

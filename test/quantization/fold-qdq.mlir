// RUN: gaon-opt %s -gaon-fold-qdq -split-input-file | FileCheck %s

!x = tensor<1x2x4x4x!quant.uniform<u8:f32, 0.5>>
!w = tensor<3x2x3x3x!quant.uniform<i8:f32:0, {0.25, 0.5, 1.0}>>

// Conv + bias + ReLU between dequantize and quantize: qconv with the bias in
// int32 at the sums' scales (0.125, 0.25, 0.5), and the ReLU as the clamp.
// CHECK-LABEL: func @conv_relu
// CHECK: %[[B:.*]] = graph.constant dense<[8, -4, 2]> : tensor<3xi32>
// CHECK: %[[S:.*]] = graph.qconv %arg0, %arg1, %[[B]]
// CHECK-SAME: -> tensor<1x3x4x4x!quant.uniform<i32:f32:1, {1.250000e-01,2.500000e-01,5.000000e-01}>>
// CHECK: %[[Y:.*]] = graph.requantize %[[S]] {clamp_min = 0.000000e+00 : f64}
// CHECK-SAME: -> tensor<1x3x4x4x!quant.uniform<u8:f32, 2.000000e-01>>
// CHECK: return %[[Y]]
func.func @conv_relu(%x: !x, %w: !w) -> tensor<1x3x4x4x!quant.uniform<u8:f32, 0.2>> {
  %b = graph.constant dense<[1.0, -1.0, 1.0]> : tensor<3xf32>
  %xf = graph.dequantize %x : !x -> tensor<1x2x4x4xf32>
  %wf = graph.dequantize %w : !w -> tensor<3x2x3x3xf32>
  %c = graph.conv %xf, %wf, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x2x4x4xf32>, tensor<3x2x3x3xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  %r = graph.relu %c : tensor<1x3x4x4xf32>
  %y = graph.quantize %r : tensor<1x3x4x4xf32> -> tensor<1x3x4x4x!quant.uniform<u8:f32, 0.2>>
  return %y : tensor<1x3x4x4x!quant.uniform<u8:f32, 0.2>>
}

// -----

// MatMul + a constant bias row + Clip: qmatmul with the bias, the clip as
// the clamp.
// CHECK-LABEL: func @matmul_bias_clip
// CHECK: %[[B:.*]] = graph.constant dense<[4, 8]> : tensor<2xi32>
// CHECK: %[[S:.*]] = graph.qmatmul %arg0, %arg1, %[[B]]
// CHECK: graph.requantize %[[S]] {clamp_max = 6.000000e+00 : f64, clamp_min = 0.000000e+00 : f64}
func.func @matmul_bias_clip(%a: tensor<4x3x!quant.uniform<i8:f32, 0.5>>, %b: tensor<3x2x!quant.uniform<i8:f32, 0.25>>) -> tensor<4x2x!quant.uniform<u8:f32, 0.1>> {
  %bias = graph.constant dense<[[0.5, 1.0]]> : tensor<1x2xf32>
  %af = graph.dequantize %a : tensor<4x3x!quant.uniform<i8:f32, 0.5>> -> tensor<4x3xf32>
  %bf = graph.dequantize %b : tensor<3x2x!quant.uniform<i8:f32, 0.25>> -> tensor<3x2xf32>
  %m = graph.matmul %af, %bf : tensor<4x3xf32>, tensor<3x2xf32> -> tensor<4x2xf32>
  %s = graph.add %m, %bias : tensor<4x2xf32>, tensor<1x2xf32> -> tensor<4x2xf32>
  %c = graph.clip %s {min = 0.0 : f64, max = 6.0 : f64} : tensor<4x2xf32>
  %y = graph.quantize %c : tensor<4x2xf32> -> tensor<4x2x!quant.uniform<u8:f32, 0.1>>
  return %y : tensor<4x2x!quant.uniform<u8:f32, 0.1>>
}

// -----

// CHECK-LABEL: func @add_relu
// CHECK: %[[Y:.*]] = graph.qadd %arg0, %arg1 {clamp_min = 0.000000e+00 : f64}
// CHECK-SAME: -> tensor<8x!quant.uniform<i8:f32, 2.000000e-01>>
// CHECK: return %[[Y]]
func.func @add_relu(%a: tensor<8x!quant.uniform<i8:f32, 0.5>>, %b: tensor<8x!quant.uniform<u8:f32, 0.25:3>>) -> tensor<8x!quant.uniform<i8:f32, 0.2>> {
  %af = graph.dequantize %a : tensor<8x!quant.uniform<i8:f32, 0.5>> -> tensor<8xf32>
  %bf = graph.dequantize %b : tensor<8x!quant.uniform<u8:f32, 0.25:3>> -> tensor<8xf32>
  %s = graph.add %af, %bf : tensor<8xf32>, tensor<8xf32> -> tensor<8xf32>
  %r = graph.relu %s : tensor<8xf32>
  %y = graph.quantize %r : tensor<8xf32> -> tensor<8x!quant.uniform<i8:f32, 0.2>>
  return %y : tensor<8x!quant.uniform<i8:f32, 0.2>>
}

// -----

// Max pooling runs on the integers; a different output scale adds a
// requantize.
// CHECK-LABEL: func @max_pool
// CHECK: %[[P:.*]] = graph.max_pool %arg0 {{.*}} -> tensor<1x1x2x2x!quant.uniform<u8:f32, 5.000000e-01>>
// CHECK: %[[Y:.*]] = graph.requantize %[[P]] {{.*}} -> tensor<1x1x2x2x!quant.uniform<u8:f32, 2.500000e-01>>
// CHECK: return %[[Y]]
func.func @max_pool(%x: tensor<1x1x4x4x!quant.uniform<u8:f32, 0.5>>) -> tensor<1x1x2x2x!quant.uniform<u8:f32, 0.25>> {
  %xf = graph.dequantize %x : tensor<1x1x4x4x!quant.uniform<u8:f32, 0.5>> -> tensor<1x1x4x4xf32>
  %p = graph.max_pool %xf {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : tensor<1x1x4x4xf32> -> tensor<1x1x2x2xf32>
  %y = graph.quantize %p : tensor<1x1x2x2xf32> -> tensor<1x1x2x2x!quant.uniform<u8:f32, 0.25>>
  return %y : tensor<1x1x2x2x!quant.uniform<u8:f32, 0.25>>
}

// -----

// A global average pool and a flatten between QDQ pairs: the quantize sinks
// through the flatten and the mean becomes qmean (int32 sums, one
// requantization).
// CHECK-LABEL: func @global_pool
// CHECK: %[[M:.*]] = graph.qmean %arg0 {axes = array<i64: 2, 3>} : tensor<1x8x4x4x!quant.uniform<u8:f32, 5.000000e-01>> -> tensor<1x8x1x1x!quant.uniform<u8:f32, 2.500000e-01>>
// CHECK: %[[F:.*]] = graph.reshape %[[M]] {{.*}} -> tensor<1x8x!quant.uniform<u8:f32, 2.500000e-01>>
// CHECK: return %[[F]]
func.func @global_pool(%x: tensor<1x8x4x4x!quant.uniform<u8:f32, 0.5>>) -> tensor<1x8x!quant.uniform<u8:f32, 0.25>> {
  %xf = graph.dequantize %x : tensor<1x8x4x4x!quant.uniform<u8:f32, 0.5>> -> tensor<1x8x4x4xf32>
  %m = graph.reduce <mean> %xf {axes = array<i64: 2, 3>, keepdims = true} : tensor<1x8x4x4xf32> -> tensor<1x8x1x1xf32>
  %f = graph.reshape %m : tensor<1x8x1x1xf32> -> tensor<1x8xf32>
  %y = graph.quantize %f : tensor<1x8xf32> -> tensor<1x8x!quant.uniform<u8:f32, 0.25>>
  return %y : tensor<1x8x!quant.uniform<u8:f32, 0.25>>
}

// -----

// quantize(dequantize(x)) of one type is x; of another, a requantize.
// CHECK-LABEL: func @round_trips
// CHECK: %[[R:.*]] = graph.requantize %arg0 : tensor<4x!quant.uniform<i8:f32, 5.000000e-01>> -> tensor<4x!quant.uniform<i8:f32, 1.000000e-01>>
// CHECK: return %arg0, %[[R]]
func.func @round_trips(%x: tensor<4x!quant.uniform<i8:f32, 0.5>>) -> (tensor<4x!quant.uniform<i8:f32, 0.5>>, tensor<4x!quant.uniform<i8:f32, 0.1>>) {
  %f = graph.dequantize %x : tensor<4x!quant.uniform<i8:f32, 0.5>> -> tensor<4xf32>
  %same = graph.quantize %f : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.5>>
  %other = graph.quantize %f : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.1>>
  return %same, %other : tensor<4x!quant.uniform<i8:f32, 0.5>>, tensor<4x!quant.uniform<i8:f32, 0.1>>
}

// -----

// Softmax has no integer form: it stays float between the two.
// CHECK-LABEL: func @softmax_stays_float
// CHECK: graph.dequantize
// CHECK: graph.softmax
// CHECK: graph.quantize
func.func @softmax_stays_float(%x: tensor<4x!quant.uniform<i8:f32, 0.5>>) -> tensor<4x!quant.uniform<u8:f32, 0.00390625>> {
  %f = graph.dequantize %x : tensor<4x!quant.uniform<i8:f32, 0.5>> -> tensor<4xf32>
  %s = graph.softmax %f {axis = 0 : i64} : tensor<4xf32> -> tensor<4xf32>
  %y = graph.quantize %s : tensor<4xf32> -> tensor<4x!quant.uniform<u8:f32, 0.00390625>>
  return %y : tensor<4x!quant.uniform<u8:f32, 0.00390625>>
}

// -----

// A conv whose result is also used as a float stays float.
// CHECK-LABEL: func @shared_conv_stays_float
// CHECK-NOT: graph.qconv
// CHECK: graph.conv
func.func @shared_conv_stays_float(%x: tensor<1x1x2x2x!quant.uniform<u8:f32, 0.5>>, %w: tensor<1x1x1x1x!quant.uniform<i8:f32, 0.5>>) -> (tensor<1x1x2x2x!quant.uniform<u8:f32, 0.5>>, tensor<1x1x2x2xf32>) {
  %xf = graph.dequantize %x : tensor<1x1x2x2x!quant.uniform<u8:f32, 0.5>> -> tensor<1x1x2x2xf32>
  %wf = graph.dequantize %w : tensor<1x1x1x1x!quant.uniform<i8:f32, 0.5>> -> tensor<1x1x1x1xf32>
  %c = graph.conv %xf, %wf {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x1x2x2xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x2x2xf32>
  %y = graph.quantize %c : tensor<1x1x2x2xf32> -> tensor<1x1x2x2x!quant.uniform<u8:f32, 0.5>>
  return %y, %c : tensor<1x1x2x2x!quant.uniform<u8:f32, 0.5>>, tensor<1x1x2x2xf32>
}

// RUN: gaon-opt %s -gaon-graph-recompose -split-input-file | FileCheck %s

// torch.onnx's RMSNorm: pow, mean, add eps, sqrt, 1/x, times x, times w.
// CHECK-LABEL: func @div_one_by_sqrt
// CHECK: %[[N:.*]] = graph.rms_norm %arg0, %arg1 {axis = 2 : i64, epsilon = 9.99999997E-7 : f32}
// CHECK-NEXT: return %[[N]]
func.func @div_one_by_sqrt(%x: tensor<1x3x8xf32>, %w: tensor<8xf32>) -> tensor<1x3x8xf32> {
  %two = graph.constant dense<2.0> : tensor<f32>
  %eps = graph.constant dense<1.0e-6> : tensor<f32>
  %one = graph.constant dense<1.0> : tensor<f32>
  %0 = graph.pow %x, %two : tensor<1x3x8xf32>, tensor<f32> -> tensor<1x3x8xf32>
  %1 = graph.reduce <mean> %0 {axes = array<i64: 2>} : tensor<1x3x8xf32> -> tensor<1x3x1xf32>
  %2 = graph.add %1, %eps : tensor<1x3x1xf32>, tensor<f32> -> tensor<1x3x1xf32>
  %3 = graph.sqrt %2 : tensor<1x3x1xf32>
  %4 = graph.div %one, %3 : tensor<f32>, tensor<1x3x1xf32> -> tensor<1x3x1xf32>
  %5 = graph.mul %x, %4 : tensor<1x3x8xf32>, tensor<1x3x1xf32> -> tensor<1x3x8xf32>
  %6 = graph.mul %w, %5 : tensor<8xf32>, tensor<1x3x8xf32> -> tensor<1x3x8xf32>
  return %6 : tensor<1x3x8xf32>
}

// -----

// x * x, rsqrt, no weight: the scale is ones.
// CHECK-LABEL: func @rsqrt_no_weight
// CHECK: %[[ONES:.*]] = graph.constant dense<1.000000e+00> : tensor<8xf32>
// CHECK: graph.rms_norm %arg0, %[[ONES]] {axis = 2 : i64, epsilon = 9.99999974E-6 : f32}
func.func @rsqrt_no_weight(%x: tensor<1x3x8xf32>) -> tensor<1x3x8xf32> {
  %eps = graph.constant dense<1.0e-5> : tensor<f32>
  %0 = graph.mul %x, %x : tensor<1x3x8xf32>, tensor<1x3x8xf32> -> tensor<1x3x8xf32>
  %1 = graph.reduce <mean> %0 {axes = array<i64: 2>} : tensor<1x3x8xf32> -> tensor<1x3x1xf32>
  %2 = graph.add %eps, %1 : tensor<f32>, tensor<1x3x1xf32> -> tensor<1x3x1xf32>
  %3 = graph.rsqrt %2 : tensor<1x3x1xf32>
  %4 = graph.mul %3, %x : tensor<1x3x1xf32>, tensor<1x3x8xf32> -> tensor<1x3x8xf32>
  return %4 : tensor<1x3x8xf32>
}

// -----

// x / sqrt(...), the way some exporters divide.
// CHECK-LABEL: func @divide_by_sqrt
// CHECK: graph.rms_norm %arg0, %arg1
func.func @divide_by_sqrt(%x: tensor<2x8xf32>, %w: tensor<8xf32>) -> tensor<2x8xf32> {
  %two = graph.constant dense<2.0> : tensor<f32>
  %eps = graph.constant dense<1.0e-6> : tensor<f32>
  %0 = graph.pow %x, %two : tensor<2x8xf32>, tensor<f32> -> tensor<2x8xf32>
  %1 = graph.reduce <mean> %0 {axes = array<i64: 1>} : tensor<2x8xf32> -> tensor<2x1xf32>
  %2 = graph.add %1, %eps : tensor<2x1xf32>, tensor<f32> -> tensor<2x1xf32>
  %3 = graph.sqrt %2 : tensor<2x1xf32>
  %4 = graph.div %x, %3 : tensor<2x8xf32>, tensor<2x1xf32> -> tensor<2x8xf32>
  %5 = graph.mul %4, %w : tensor<2x8xf32>, tensor<8xf32> -> tensor<2x8xf32>
  return %5 : tensor<2x8xf32>
}

// -----

// Near misses stay as they are: the mean over a leading axis, a cube, the
// statistics of another tensor.
// CHECK-LABEL: func @near_misses
// CHECK-NOT: graph.rms_norm
func.func @near_misses(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %two = graph.constant dense<2.0> : tensor<f32>
  %three = graph.constant dense<3.0> : tensor<f32>
  %eps = graph.constant dense<1.0e-6> : tensor<f32>
  %0 = graph.pow %x, %two : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf32>
  %1 = graph.reduce <mean> %0 {axes = array<i64: 0>} : tensor<4x8xf32> -> tensor<1x8xf32>
  %2 = graph.add %1, %eps : tensor<1x8xf32>, tensor<f32> -> tensor<1x8xf32>
  %3 = graph.rsqrt %2 : tensor<1x8xf32>
  %4 = graph.mul %x, %3 : tensor<4x8xf32>, tensor<1x8xf32> -> tensor<4x8xf32>
  %5 = graph.pow %x, %three : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf32>
  %6 = graph.reduce <mean> %5 {axes = array<i64: 1>} : tensor<4x8xf32> -> tensor<4x1xf32>
  %7 = graph.add %6, %eps : tensor<4x1xf32>, tensor<f32> -> tensor<4x1xf32>
  %8 = graph.rsqrt %7 : tensor<4x1xf32>
  %9 = graph.mul %x, %8 : tensor<4x8xf32>, tensor<4x1xf32> -> tensor<4x8xf32>
  %10 = graph.pow %y, %two : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf32>
  %11 = graph.reduce <mean> %10 {axes = array<i64: 1>} : tensor<4x8xf32> -> tensor<4x1xf32>
  %12 = graph.add %11, %eps : tensor<4x1xf32>, tensor<f32> -> tensor<4x1xf32>
  %13 = graph.rsqrt %12 : tensor<4x1xf32>
  %14 = graph.mul %x, %13 : tensor<4x8xf32>, tensor<4x1xf32> -> tensor<4x8xf32>
  return %4, %9, %14 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}

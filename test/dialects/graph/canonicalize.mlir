// RUN: gaon-opt %s -canonicalize -split-input-file | FileCheck %s

// Folders collapse the shape arithmetic exported models compute at run time.

// CHECK-LABEL: func @shape_arithmetic
// CHECK-NEXT: %[[C:.*]] = graph.constant dense<[6, 4]> : tensor<2xi64>
// CHECK-NEXT: return %[[C]]
func.func @shape_arithmetic() -> tensor<2xi64> {
  %shape = graph.constant dense<[2, 3, 4]> : tensor<3xi64>
  %i0 = graph.constant dense<0> : tensor<1xi64>
  %i1 = graph.constant dense<1> : tensor<1xi64>
  %i2 = graph.constant dense<2> : tensor<1xi64>
  %d0 = graph.gather %shape[%i0] {axis = 0 : i64} : (tensor<3xi64>, tensor<1xi64>) -> tensor<1xi64>
  %d1 = graph.gather %shape[%i1] {axis = 0 : i64} : (tensor<3xi64>, tensor<1xi64>) -> tensor<1xi64>
  %d2 = graph.gather %shape[%i2] {axis = 0 : i64} : (tensor<3xi64>, tensor<1xi64>) -> tensor<1xi64>
  %rows = graph.mul %d0, %d1 : tensor<1xi64>, tensor<1xi64> -> tensor<1xi64>
  %r = graph.concat %rows, %d2 {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  return %r : tensor<2xi64>
}

// -----

// CHECK-LABEL: func @int_arithmetic
// CHECK-DAG: dense<[5, 7, 9]> : tensor<3xi64>
// CHECK-DAG: dense<-3> : tensor<3xi64>
// CHECK-DAG: dense<[0, 1, 1]> : tensor<3xi64>
// CHECK-DAG: dense<[0, 1, 0]> : tensor<3xi64>
// CHECK-DAG: dense<[4, 5, 6]> : tensor<3xi64>
func.func @int_arithmetic() -> (tensor<3xi64>, tensor<3xi64>, tensor<3xi64>, tensor<3xi64>, tensor<3xi64>) {
  %a = graph.constant dense<[1, 2, 3]> : tensor<3xi64>
  %b = graph.constant dense<[4, 5, 6]> : tensor<3xi64>
  %two = graph.constant dense<2> : tensor<i64>
  %m = graph.constant dense<[-3]> : tensor<1xi64>
  %0 = graph.add %a, %b : tensor<3xi64>, tensor<3xi64> -> tensor<3xi64>
  %1 = graph.sub %a, %b : tensor<3xi64>, tensor<3xi64> -> tensor<3xi64>
  // Integer division truncates toward zero.
  %2 = graph.div %a, %two : tensor<3xi64>, tensor<i64> -> tensor<3xi64>
  // Python-style remainder takes the divisor's sign: -3 mod [1, 2, 3].
  %3 = graph.mod %m, %a : tensor<1xi64>, tensor<3xi64> -> tensor<3xi64>
  %4 = graph.max %a, %b : tensor<3xi64>, tensor<3xi64> -> tensor<3xi64>
  return %0, %1, %2, %4, %3 : tensor<3xi64>, tensor<3xi64>, tensor<3xi64>, tensor<3xi64>, tensor<3xi64>
}

// -----

// CHECK-LABEL: func @no_fold_division_by_zero
// CHECK: graph.div
func.func @no_fold_division_by_zero() -> tensor<2xi32> {
  %a = graph.constant dense<[1, 2]> : tensor<2xi32>
  %z = graph.constant dense<[1, 0]> : tensor<2xi32>
  %0 = graph.div %a, %z : tensor<2xi32>, tensor<2xi32> -> tensor<2xi32>
  return %0 : tensor<2xi32>
}

// -----

// CHECK-LABEL: func @float_arithmetic
// CHECK-DAG: dense<[1.500000e+00, 3.000000e+00]> : tensor<2xf32>
// CHECK-DAG: dense<[1.000000e+00, 8.000000e+00]> : tensor<2xf32>
// CHECK-DAG: dense<[true, false]> : tensor<2xi1>
func.func @float_arithmetic() -> (tensor<2xf32>, tensor<2xf32>, tensor<2xi1>) {
  %a = graph.constant dense<[3.0, 6.0]> : tensor<2xf32>
  %b = graph.constant dense<2.0> : tensor<f32>
  %e = graph.constant dense<[0.0, 3.0]> : tensor<2xf32>
  %0 = graph.div %a, %b : tensor<2xf32>, tensor<f32> -> tensor<2xf32>
  %1 = graph.pow %b, %e : tensor<f32>, tensor<2xf32> -> tensor<2xf32>
  %4 = graph.less %e, %0 : tensor<2xf32>, tensor<2xf32> -> tensor<2xi1>
  return %0, %1, %4 : tensor<2xf32>, tensor<2xf32>, tensor<2xi1>
}

// -----

// CHECK-LABEL: func @identities
// CHECK-SAME: (%[[X:.*]]: tensor<2xi32>, %[[F:.*]]: tensor<2xf32>)
// CHECK-NEXT: return %[[X]], %[[F]], %[[F]]
func.func @identities(%x: tensor<2xi32>, %f: tensor<2xf32>) -> (tensor<2xi32>, tensor<2xf32>, tensor<2xf32>) {
  %zero = graph.constant dense<0> : tensor<i32>
  %one = graph.constant dense<1.0> : tensor<f32>
  %0 = graph.add %x, %zero : tensor<2xi32>, tensor<i32> -> tensor<2xi32>
  %1 = graph.mul %f, %one : tensor<2xf32>, tensor<f32> -> tensor<2xf32>
  %2 = graph.div %1, %one : tensor<2xf32>, tensor<f32> -> tensor<2xf32>
  return %0, %1, %2 : tensor<2xi32>, tensor<2xf32>, tensor<2xf32>
}

// -----

// Adding +0.0 is not an identity for floats (-0.0 + 0.0 = +0.0).
// CHECK-LABEL: func @float_add_zero_kept
// CHECK: graph.add
func.func @float_add_zero_kept(%f: tensor<2xf32>) -> tensor<2xf32> {
  %zero = graph.constant dense<0.0> : tensor<f32>
  %0 = graph.add %f, %zero : tensor<2xf32>, tensor<f32> -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// CHECK-LABEL: func @unary_and_select
// CHECK-DAG: dense<[-1, 2]> : tensor<2xi64>
// CHECK-DAG: dense<[false, true]> : tensor<2xi1>
// CHECK-DAG: dense<[1, 20]> : tensor<2xi64>
func.func @unary_and_select(%x: tensor<2xi64>) -> (tensor<2xi64>, tensor<2xi1>, tensor<2xi64>, tensor<2xi64>) {
  %a = graph.constant dense<[1, -2]> : tensor<2xi64>
  %b = graph.constant dense<[10, 20]> : tensor<2xi64>
  %t = graph.constant dense<[true, false]> : tensor<2xi1>
  %all = graph.constant dense<true> : tensor<i1>
  %0 = graph.neg %a : tensor<2xi64>
  %1 = graph.not %t : tensor<2xi1>
  %2 = graph.select %t, %a, %b : tensor<2xi1>, tensor<2xi64>, tensor<2xi64> -> tensor<2xi64>
  // A splat condition picks a branch without constants.
  %3 = graph.select %all, %x, %b : tensor<i1>, tensor<2xi64>, tensor<2xi64> -> tensor<2xi64>
  return %0, %1, %2, %3 : tensor<2xi64>, tensor<2xi1>, tensor<2xi64>, tensor<2xi64>
}

// -----

// CHECK-LABEL: func @reductions
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-DAG: dense<[6, 15]> : tensor<2xi64>
// CHECK-DAG: dense<[4, 10, 18]> : tensor<3xi64>
// CHECK: return %[[X]]
func.func @reductions(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2xi64>, tensor<3xi64>) {
  %c = graph.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  %0 = graph.reduce <sum> %x {axes = array<i64>} : tensor<2x3xf32> -> tensor<2x3xf32>
  %1 = graph.reduce <sum> %c {axes = array<i64: 1>, keepdims = false} : tensor<2x3xi64> -> tensor<2xi64>
  %2 = graph.reduce <prod> %c {axes = array<i64: 0>, keepdims = false} : tensor<2x3xi64> -> tensor<3xi64>
  return %0, %1, %2 : tensor<2x3xf32>, tensor<2xi64>, tensor<3xi64>
}

// -----

// CHECK-LABEL: func @reshapes
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-DAG: graph.constant dense<{{\[}}[1, 2], [3, 4]]> : tensor<2x2xi32>
// CHECK-DAG: graph.reshape %[[X]] : tensor<2x3xf32> -> tensor<3x2xf32>
// CHECK: return %[[X]]
func.func @reshapes(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<3x2xf32>, tensor<2x2xi32>) {
  %c = graph.constant dense<[1, 2, 3, 4]> : tensor<4xi32>
  %0 = graph.reshape %x : tensor<2x3xf32> -> tensor<2x3xf32>
  %1 = graph.reshape %x : tensor<2x3xf32> -> tensor<6xf32>
  %2 = graph.reshape %1 : tensor<6xf32> -> tensor<3x2xf32>
  %3 = graph.reshape %c : tensor<4xi32> -> tensor<2x2xi32>
  return %0, %2, %3 : tensor<2x3xf32>, tensor<3x2xf32>, tensor<2x2xi32>
}

// -----

// CHECK-LABEL: func @transposes
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-DAG: graph.constant dense<{{\[}}[1, 4], [2, 5], [3, 6]]> : tensor<3x2xi32>
// CHECK-DAG: graph.transpose %[[X]] {perm = array<i64: 2, 0, 1>}
// CHECK: return %[[X]]
func.func @transposes(%x: tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<4x2x3xf32>, tensor<3x2xi32>) {
  %c = graph.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi32>
  %0 = graph.transpose %x {perm = array<i64: 0, 1, 2>} : tensor<2x3x4xf32> -> tensor<2x3x4xf32>
  %1 = graph.transpose %x {perm = array<i64: 1, 2, 0>} : tensor<2x3x4xf32> -> tensor<3x4x2xf32>
  %2 = graph.transpose %1 {perm = array<i64: 1, 2, 0>} : tensor<3x4x2xf32> -> tensor<4x2x3xf32>
  %3 = graph.transpose %c {perm = array<i64: 1, 0>} : tensor<2x3xi32> -> tensor<3x2xi32>
  return %0, %2, %3 : tensor<2x3x4xf32>, tensor<4x2x3xf32>, tensor<3x2xi32>
}

// -----

// CHECK-LABEL: func @slices_and_gathers
// CHECK-DAG: dense<[5, 3, 1]> : tensor<3xi64>
// CHECK-DAG: dense<[6, 1]> : tensor<2xi64>
// CHECK-DAG: dense<{{\[}}[1.000000e+00, 2.000000e+00], [1.000000e+00, 2.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG: dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>
func.func @slices_and_gathers() -> (tensor<3xi64>, tensor<2xi64>, tensor<2x2xf32>, tensor<4xf32>) {
  %c = graph.constant dense<[1, 2, 3, 4, 5, 6]> : tensor<6xi64>
  %f = graph.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %g = graph.constant dense<[3.0, 4.0]> : tensor<2xf32>
  %idx = graph.constant dense<[-1, 0]> : tensor<2xi64>
  %0 = graph.slice %c {starts = array<i64: 4>, steps = array<i64: -2>} : tensor<6xi64> -> tensor<3xi64>
  %1 = graph.gather %c[%idx] {axis = 0 : i64} : (tensor<6xi64>, tensor<2xi64>) -> tensor<2xi64>
  %2 = graph.expand %f : tensor<2xf32> -> tensor<2x2xf32>
  %3 = graph.concat %f, %g {axis = 0 : i64} : (tensor<2xf32>, tensor<2xf32>) -> tensor<4xf32>
  return %0, %1, %2, %3 : tensor<3xi64>, tensor<2xi64>, tensor<2x2xf32>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func @casts
// CHECK-DAG: dense<[2.000000e+00, -3.000000e+00]> : tensor<2xf32>
// CHECK-DAG: dense<[2, -3]> : tensor<2xi32>
// CHECK-DAG: dense<[255, 1]> : tensor<2xui8>
// CHECK-DAG: dense<[true, false]> : tensor<2xi1>
func.func @casts() -> (tensor<2xf32>, tensor<2xi32>, tensor<2xui8>, tensor<2xi1>) {
  %f = graph.constant dense<[2.7, -3.9]> : tensor<2xf32>
  %i = graph.constant dense<[2, -3]> : tensor<2xi64>
  %u = graph.constant dense<[-1, 1]> : tensor<2xi64>
  %z = graph.constant dense<[0.5, 0.0]> : tensor<2xf32>
  %0 = graph.cast %i : tensor<2xi64> -> tensor<2xf32>
  // Float to integer truncates toward zero.
  %1 = graph.cast %f : tensor<2xf32> -> tensor<2xi32>
  // Integer to integer wraps.
  %2 = graph.cast %u : tensor<2xi64> -> tensor<2xui8>
  %3 = graph.cast %z : tensor<2xf32> -> tensor<2xi1>
  return %0, %1, %2, %3 : tensor<2xf32>, tensor<2xi32>, tensor<2xui8>, tensor<2xi1>
}

// -----

// CHECK-LABEL: func @storage_casts
// CHECK-SAME: (%[[X:.*]]: tensor<4xui8>)
// CHECK-NEXT: return %[[X]]
func.func @storage_casts(%x: tensor<4xui8>) -> tensor<4xui8> {
  %0 = graph.storage_cast %x : tensor<4xui8> -> tensor<4x!quant.uniform<u8:f32, 0.5:3>>
  %1 = graph.storage_cast %0 : tensor<4x!quant.uniform<u8:f32, 0.5:3>> -> tensor<4xui8>
  return %1 : tensor<4xui8>
}

// -----

// Batch normalization folds into the convolution before it: s = 2 / sqrt(3 + 1)
// = 1, so W' = W and b' = (b - mean) * s + bias = (1 - 2) + 5 = 4; channel 1
// has s = 4 / sqrt(15 + 1) = 1, b' = (0 - 0) + 0 = 0.
// CHECK-LABEL: func @fold_batch_norm
// CHECK-DAG: %[[W:.*]] = graph.constant dense<{{\[\[\[\[}}1.000000e+00]]], {{\[\[\[}}2.000000e+00]]]]>
// CHECK-DAG: %[[B:.*]] = graph.constant dense<[4.000000e+00, 0.000000e+00]>
// CHECK: %[[Y:.*]] = graph.conv %arg0, %[[W]], %[[B]]
// CHECK-NOT: graph.batch_norm
// CHECK: return %[[Y]]
func.func @fold_batch_norm(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = graph.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>
  %b = graph.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %scale = graph.constant dense<[2.0, 4.0]> : tensor<2xf32>
  %bias = graph.constant dense<[5.0, 0.0]> : tensor<2xf32>
  %mean = graph.constant dense<[2.0, 0.0]> : tensor<2xf32>
  %var = graph.constant dense<[3.0, 15.0]> : tensor<2xf32>
  %c = graph.conv %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %y = graph.batch_norm %c, %scale, %bias, %mean, %var {epsilon = 1.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// A convolution with another user keeps its batch normalization.
// CHECK-LABEL: func @keep_batch_norm
// CHECK: graph.batch_norm
func.func @keep_batch_norm(%x: tensor<1x1x4x4xf32>) -> (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) {
  %w = graph.constant dense<1.0> : tensor<1x1x1x1xf32>
  %p = graph.constant dense<1.0> : tensor<1xf32>
  %c = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x1x4x4xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x4x4xf32>
  %y = graph.batch_norm %c, %p, %p, %p, %p {epsilon = 1.0 : f32} : (tensor<1x1x4x4xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x4x4xf32>
  return %c, %y : tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>
}

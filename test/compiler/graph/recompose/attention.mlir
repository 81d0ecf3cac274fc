// RUN: gaon-opt %s -gaon-graph-recompose -split-input-file | FileCheck %s

// Eager attention with grouped heads repeated by reshape/expand/reshape:
// the fused op reads the two key/value heads directly.
// CHECK-LABEL: func @grouped
// CHECK: %[[A:.*]] = graph.attention %arg0, %arg1, %arg2 mask %arg3 {scale = 2.500000e-01 : f32} : (tensor<1x4x3x16xf32>, tensor<1x2x5x16xf32>, tensor<1x2x5x16xf32>, tensor<1x1x3x5xf32>) -> tensor<1x4x3x16xf32>
// CHECK-NEXT: return %[[A]]
func.func @grouped(%q: tensor<1x4x3x16xf32>, %k: tensor<1x2x5x16xf32>, %v: tensor<1x2x5x16xf32>, %m: tensor<1x1x3x5xf32>) -> tensor<1x4x3x16xf32> {
  %four = graph.constant dense<4.0> : tensor<f32>
  %k1 = graph.reshape %k : tensor<1x2x5x16xf32> -> tensor<1x2x1x5x16xf32>
  %k2 = graph.expand %k1 : tensor<1x2x1x5x16xf32> -> tensor<1x2x2x5x16xf32>
  %k3 = graph.reshape %k2 : tensor<1x2x2x5x16xf32> -> tensor<1x4x5x16xf32>
  %v1 = graph.reshape %v : tensor<1x2x5x16xf32> -> tensor<1x2x1x5x16xf32>
  %v2 = graph.expand %v1 : tensor<1x2x1x5x16xf32> -> tensor<1x2x2x5x16xf32>
  %v3 = graph.reshape %v2 : tensor<1x2x2x5x16xf32> -> tensor<1x4x5x16xf32>
  %kt = graph.transpose %k3 {perm = array<i64: 0, 1, 3, 2>} : tensor<1x4x5x16xf32> -> tensor<1x4x16x5xf32>
  %s = graph.matmul %q, %kt : tensor<1x4x3x16xf32>, tensor<1x4x16x5xf32> -> tensor<1x4x3x5xf32>
  %s2 = graph.div %s, %four : tensor<1x4x3x5xf32>, tensor<f32> -> tensor<1x4x3x5xf32>
  %s3 = graph.add %s2, %m : tensor<1x4x3x5xf32>, tensor<1x1x3x5xf32> -> tensor<1x4x3x5xf32>
  %p = graph.softmax %s3 {axis = 3 : i64} : tensor<1x4x3x5xf32> -> tensor<1x4x3x5xf32>
  %o = graph.matmul %p, %v3 : tensor<1x4x3x5xf32>, tensor<1x4x5x16xf32> -> tensor<1x4x3x16xf32>
  return %o : tensor<1x4x3x16xf32>
}

// -----

// SDPA's export: the scale split as sqrt(scale) over q and k, no mask.
// CHECK-LABEL: func @split_scale
// CHECK: graph.attention %arg0, %arg1, %arg2 {scale = 2.500000e-01 : f32}
func.func @split_scale(%q: tensor<1x2x3x16xf32>, %k: tensor<1x2x3x16xf32>, %v: tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32> {
  %half = graph.constant dense<0.5> : tensor<f32>
  %qs = graph.mul %q, %half : tensor<1x2x3x16xf32>, tensor<f32> -> tensor<1x2x3x16xf32>
  %kt = graph.transpose %k {perm = array<i64: 0, 1, 3, 2>} : tensor<1x2x3x16xf32> -> tensor<1x2x16x3xf32>
  %ks = graph.mul %half, %kt : tensor<f32>, tensor<1x2x16x3xf32> -> tensor<1x2x16x3xf32>
  %s = graph.matmul %qs, %ks : tensor<1x2x3x16xf32>, tensor<1x2x16x3xf32> -> tensor<1x2x3x3xf32>
  %p = graph.softmax %s {axis = 3 : i64} : tensor<1x2x3x3xf32> -> tensor<1x2x3x3xf32>
  %o = graph.matmul %p, %v : tensor<1x2x3x3xf32>, tensor<1x2x3x8xf32> -> tensor<1x2x3x8xf32>
  return %o : tensor<1x2x3x8xf32>
}

// -----

// Near misses: softmax over the query axis; a key transposed another way;
// a scale that is not a constant.
// CHECK-LABEL: func @near_misses
// CHECK-NOT: graph.attention
func.func @near_misses(%q: tensor<1x2x3x16xf32>, %k: tensor<1x2x3x16xf32>, %v: tensor<1x2x3x16xf32>, %c: tensor<f32>) -> (tensor<1x2x3x16xf32>, tensor<1x2x3x16xf32>, tensor<1x2x3x16xf32>) {
  %kt = graph.transpose %k {perm = array<i64: 0, 1, 3, 2>} : tensor<1x2x3x16xf32> -> tensor<1x2x16x3xf32>
  %s = graph.matmul %q, %kt : tensor<1x2x3x16xf32>, tensor<1x2x16x3xf32> -> tensor<1x2x3x3xf32>
  %p = graph.softmax %s {axis = 2 : i64} : tensor<1x2x3x3xf32> -> tensor<1x2x3x3xf32>
  %o = graph.matmul %p, %v : tensor<1x2x3x3xf32>, tensor<1x2x3x16xf32> -> tensor<1x2x3x16xf32>
  %kx = graph.transpose %k {perm = array<i64: 1, 0, 3, 2>} : tensor<1x2x3x16xf32> -> tensor<2x1x16x3xf32>
  %s2 = graph.matmul %q, %kx : tensor<1x2x3x16xf32>, tensor<2x1x16x3xf32> -> tensor<2x2x3x3xf32>
  %s3 = graph.reshape %s2 : tensor<2x2x3x3xf32> -> tensor<1x4x3x3xf32>
  %s4 = graph.slice %s3 {starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x4x3x3xf32> -> tensor<1x2x3x3xf32>
  %p2 = graph.softmax %s4 {axis = 3 : i64} : tensor<1x2x3x3xf32> -> tensor<1x2x3x3xf32>
  %o2 = graph.matmul %p2, %v : tensor<1x2x3x3xf32>, tensor<1x2x3x16xf32> -> tensor<1x2x3x16xf32>
  %s5 = graph.mul %s, %c : tensor<1x2x3x3xf32>, tensor<f32> -> tensor<1x2x3x3xf32>
  %p3 = graph.softmax %s5 {axis = 3 : i64} : tensor<1x2x3x3xf32> -> tensor<1x2x3x3xf32>
  %o3 = graph.matmul %p3, %v : tensor<1x2x3x3xf32>, tensor<1x2x3x16xf32> -> tensor<1x2x3x16xf32>
  return %o, %o2, %o3 : tensor<1x2x3x16xf32>, tensor<1x2x3x16xf32>, tensor<1x2x3x16xf32>
}

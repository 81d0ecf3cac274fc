// RUN: gaon-opt %s -gaon-graph-recompose -split-input-file | FileCheck %s

// rotate_half as torch.onnx writes it: slices, neg, concat; then
// x * cos + rotate_half(x) * sin.
// CHECK-LABEL: func @rotate_half
// CHECK: %[[R:.*]] = graph.rotary_embedding %arg0, %arg1, %arg2 : (tensor<1x4x3x16xf32>, tensor<1x1x3x16xf32>, tensor<1x1x3x16xf32>) -> tensor<1x4x3x16xf32>
// CHECK-NEXT: return %[[R]]
func.func @rotate_half(%x: tensor<1x4x3x16xf32>, %cos: tensor<1x1x3x16xf32>, %sin: tensor<1x1x3x16xf32>) -> tensor<1x4x3x16xf32> {
  %lo = graph.slice %x {starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x4x3x16xf32> -> tensor<1x4x3x8xf32>
  %hi = graph.slice %x {starts = array<i64: 0, 0, 0, 8>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x4x3x16xf32> -> tensor<1x4x3x8xf32>
  %n = graph.neg %hi : tensor<1x4x3x8xf32>
  %rot = graph.concat %n, %lo {axis = 3 : i64} : (tensor<1x4x3x8xf32>, tensor<1x4x3x8xf32>) -> tensor<1x4x3x16xf32>
  %a = graph.mul %x, %cos : tensor<1x4x3x16xf32>, tensor<1x1x3x16xf32> -> tensor<1x4x3x16xf32>
  %b = graph.mul %sin, %rot : tensor<1x1x3x16xf32>, tensor<1x4x3x16xf32> -> tensor<1x4x3x16xf32>
  %y = graph.add %b, %a : tensor<1x4x3x16xf32>, tensor<1x4x3x16xf32> -> tensor<1x4x3x16xf32>
  return %y : tensor<1x4x3x16xf32>
}

// -----

// Partial rotary (the first 8 of 16 channels), the rest concatenated back.
// CHECK-LABEL: func @partial
// CHECK: %[[R:.*]] = graph.rotary_embedding %arg0, %arg1, %arg2 : (tensor<1x2x3x16xf32>, tensor<3x8xf32>, tensor<3x8xf32>) -> tensor<1x2x3x16xf32>
// CHECK-NEXT: return %[[R]]
func.func @partial(%x: tensor<1x2x3x16xf32>, %cos: tensor<3x8xf32>, %sin: tensor<3x8xf32>) -> tensor<1x2x3x16xf32> {
  %head = graph.slice %x {starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x2x3x16xf32> -> tensor<1x2x3x8xf32>
  %tail = graph.slice %x {starts = array<i64: 0, 0, 0, 8>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x2x3x16xf32> -> tensor<1x2x3x8xf32>
  %lo = graph.slice %head {starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x2x3x8xf32> -> tensor<1x2x3x4xf32>
  %hi = graph.slice %head {starts = array<i64: 0, 0, 0, 4>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x2x3x8xf32> -> tensor<1x2x3x4xf32>
  %n = graph.neg %hi : tensor<1x2x3x4xf32>
  %rot = graph.concat %n, %lo {axis = 3 : i64} : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>) -> tensor<1x2x3x8xf32>
  %a = graph.mul %head, %cos : tensor<1x2x3x8xf32>, tensor<3x8xf32> -> tensor<1x2x3x8xf32>
  %b = graph.mul %rot, %sin : tensor<1x2x3x8xf32>, tensor<3x8xf32> -> tensor<1x2x3x8xf32>
  %r = graph.add %a, %b : tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32> -> tensor<1x2x3x8xf32>
  %y = graph.concat %r, %tail {axis = 3 : i64} : (tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>) -> tensor<1x2x3x16xf32>
  return %y : tensor<1x2x3x16xf32>
}

// -----

// Near misses: the halves not swapped (no negation of the upper half), and
// cos applied to another tensor than the rotated one.
// CHECK-LABEL: func @near_misses
// CHECK-NOT: graph.rotary_embedding
func.func @near_misses(%x: tensor<1x3x8xf32>, %z: tensor<1x3x8xf32>, %cos: tensor<3x8xf32>, %sin: tensor<3x8xf32>) -> (tensor<1x3x8xf32>, tensor<1x3x8xf32>) {
  %lo = graph.slice %x {starts = array<i64: 0, 0, 0>, steps = array<i64: 1, 1, 1>} : tensor<1x3x8xf32> -> tensor<1x3x4xf32>
  %hi = graph.slice %x {starts = array<i64: 0, 0, 4>, steps = array<i64: 1, 1, 1>} : tensor<1x3x8xf32> -> tensor<1x3x4xf32>
  %n = graph.neg %lo : tensor<1x3x4xf32>
  %swapped = graph.concat %n, %hi {axis = 2 : i64} : (tensor<1x3x4xf32>, tensor<1x3x4xf32>) -> tensor<1x3x8xf32>
  %a = graph.mul %x, %cos : tensor<1x3x8xf32>, tensor<3x8xf32> -> tensor<1x3x8xf32>
  %b = graph.mul %swapped, %sin : tensor<1x3x8xf32>, tensor<3x8xf32> -> tensor<1x3x8xf32>
  %y = graph.add %a, %b : tensor<1x3x8xf32>, tensor<1x3x8xf32> -> tensor<1x3x8xf32>
  %nh = graph.neg %hi : tensor<1x3x4xf32>
  %rot = graph.concat %nh, %lo {axis = 2 : i64} : (tensor<1x3x4xf32>, tensor<1x3x4xf32>) -> tensor<1x3x8xf32>
  %c = graph.mul %z, %cos : tensor<1x3x8xf32>, tensor<3x8xf32> -> tensor<1x3x8xf32>
  %d = graph.mul %rot, %sin : tensor<1x3x8xf32>, tensor<3x8xf32> -> tensor<1x3x8xf32>
  %w = graph.add %c, %d : tensor<1x3x8xf32>, tensor<1x3x8xf32> -> tensor<1x3x8xf32>
  return %y, %w : tensor<1x3x8xf32>, tensor<1x3x8xf32>
}

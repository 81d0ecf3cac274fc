// RUN: gaon-opt %s -gaon-graph-recompose | FileCheck %s

// CHECK-LABEL: func @silu
// CHECK: %[[A:.*]] = graph.silu %arg0
// CHECK: %[[B:.*]] = graph.silu %arg0
// CHECK: %[[C:.*]] = graph.sigmoid %arg1
// CHECK: graph.mul %arg0, %[[C]]
func.func @silu(%x: tensor<4xf32>, %y: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %s = graph.sigmoid %x : tensor<4xf32>
  %0 = graph.mul %x, %s : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  %1 = graph.mul %s, %x : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  // A near miss: the sigmoid of another tensor.
  %t = graph.sigmoid %y : tensor<4xf32>
  %2 = graph.mul %x, %t : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  return %0, %1, %2 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

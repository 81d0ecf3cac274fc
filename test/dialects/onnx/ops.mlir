// RUN: gaon-opt %s | gaon-opt | FileCheck %s
// RUN: gaon-opt %s --mlir-print-op-generic | gaon-opt | FileCheck %s

// CHECK-LABEL: func @nodes
func.func @nodes(%x: tensor<1x3x8x8xf32>) -> (tensor<1x4x6x6xf32>, tensor<*xf32>) {
  // CHECK: %[[W:.*]] = onnx.constant "conv.weight" dense<5.000000e-01> : tensor<4x3x3x3xf32>
  %w = onnx.constant "conv.weight" dense<0.5> : tensor<4x3x3x3xf32>
  // CHECK: onnx.constant dense<1> : tensor<2xi64>
  %s = onnx.constant dense<1> : tensor<2xi64>
  // CHECK: %[[NONE:.*]] = onnx.none
  %none = onnx.none
  // CHECK: onnx.node "Conv"(%{{.*}}, %[[W]], %[[NONE]]) version 11 attributes {strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, none) -> tensor<1x4x6x6xf32>
  %y = onnx.node "Conv"(%x, %w, %none) version 11 attributes {strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, none) -> tensor<1x4x6x6xf32>
  // CHECK: onnx.node "MyOp"(%{{.*}}) domain "com.example" version 1 : (tensor<1x4x6x6xf32>) -> tensor<*xf32>
  %z = onnx.node "MyOp"(%y) domain "com.example" version 1 : (tensor<1x4x6x6xf32>) -> tensor<*xf32>
  // CHECK: onnx.node "Split"(%{{.*}}) version 13 attributes {axis = 1 : i64} : (tensor<1x4x6x6xf32>) -> (tensor<1x2x6x6xf32>, tensor<1x2x6x6xf32>)
  %a:2 = onnx.node "Split"(%y) version 13 attributes {axis = 1 : i64} : (tensor<1x4x6x6xf32>) -> (tensor<1x2x6x6xf32>, tensor<1x2x6x6xf32>)
  return %y, %z : tensor<1x4x6x6xf32>, tensor<*xf32>
}

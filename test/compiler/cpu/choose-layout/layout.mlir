// RUN: gaon-opt %s --gaon-cpu-fuse-activations --gaon-cpu-choose-layout | FileCheck %s

// Between two convolutions (and through the ReLU fused into the first and
// the elementwise add) activations are channels-last; what the function
// returns is row-major.

// CHECK-LABEL: func @chain
func.func @chain(%x: tensor<1x3x8x8xf32>) -> tensor<1x4x8x8xf32> {
  %w = graph.constant dense<1.0> : tensor<4x3x3x3xf32>
  %v = graph.constant dense<1.0> : tensor<4x4x3x3xf32>
  // CHECK: graph.conv
  // CHECK-NOT: cpu.layout
  // CHECK-SAME: -> tensor<1x4x8x8xf32>
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  // CHECK: graph.relu {{.*}}{cpu.fused, cpu.layout = "nhwc"}
  %1 = graph.relu %0 : tensor<1x4x8x8xf32>
  // CHECK: graph.add {{.*}}{cpu.layout = "nhwc"}
  %2 = graph.add %1, %1 : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32> -> tensor<1x4x8x8xf32>
  // CHECK: graph.conv
  // CHECK-NOT: cpu.layout
  // CHECK: return
  %3 = graph.conv %2, %v {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %3 : tensor<1x4x8x8xf32>
}

// A tensor some op needs row-major keeps its group row-major.
// CHECK-LABEL: func @reshaped
func.func @reshaped(%x: tensor<1x3x8x8xf32>) -> tensor<1x256xf32> {
  // CHECK-NOT: cpu.layout
  %w = graph.constant dense<1.0> : tensor<4x3x3x3xf32>
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  %1 = graph.reshape %0 : tensor<1x4x8x8xf32> -> tensor<1x256xf32>
  return %1 : tensor<1x256xf32>
}

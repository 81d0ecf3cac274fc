// RUN: gaon-opt %s --gaon-cpu-fuse-activations | FileCheck %s

// CHECK-LABEL: func @fused
func.func @fused(%x: tensor<1x3x8x8xf32>) -> (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) {
  %w = graph.constant dense<1.0> : tensor<4x3x3x3xf32>
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  // A ReLU, the convolution's only user, runs as its post-op.
  // CHECK: graph.relu {{.*}}{cpu.fused}
  %1 = graph.relu %0 : tensor<1x4x8x8xf32>
  %2 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  // So does a clip with both bounds.
  // CHECK: graph.clip {{.*}}cpu.fused
  %3 = graph.clip %2 {min = 0.0 : f64, max = 6.0 : f64} : tensor<1x4x8x8xf32>
  return %1, %3 : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>
}

!i8 = !quant.uniform<i8:f32, 0.5>
!w8 = !quant.uniform<i8:f32, 0.25>
!s32 = !quant.uniform<i32:f32, 0.125>
!o8 = !quant.uniform<i8:f32, 0.2>

// An integer convolution requantizes as it writes.
// CHECK-LABEL: func @requantized
func.func @requantized(%x: tensor<1x2x5x5x!i8>) -> tensor<1x3x3x3x!o8> {
  %w0 = graph.constant dense<1> : tensor<3x2x3x3xi8>
  %w = graph.storage_cast %w0 : tensor<3x2x3x3xi8> -> tensor<3x2x3x3x!w8>
  %0 = graph.qconv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x5x5x!i8>, tensor<3x2x3x3x!w8>) -> tensor<1x3x3x3x!s32>
  // CHECK: graph.requantize {{.*}}{cpu.fused}
  %1 = graph.requantize %0 : tensor<1x3x3x3x!s32> -> tensor<1x3x3x3x!o8>
  return %1 : tensor<1x3x3x3x!o8>
}

// CHECK-LABEL: func @not_fused
func.func @not_fused(%x: tensor<1x3x8x8xf32>) -> (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) {
  // CHECK-NOT: cpu.fused
  %w = graph.constant dense<1.0> : tensor<4x3x3x3xf32>
  // Two users: the convolution's own output is needed.
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  %1 = graph.relu %0 : tensor<1x4x8x8xf32>
  // An open clip is not a post-op.
  %2 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  %3 = graph.clip %2 {min = 0.0 : f64} : tensor<1x4x8x8xf32>
  // The NPU runs this one.
  %4 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, npu.device = "npu", npu.group = 0} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  %5 = graph.relu %4 {npu.device = "cpu", npu.reason = "test"} : tensor<1x4x8x8xf32>
  return %0, %1, %3, %5 : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>
}

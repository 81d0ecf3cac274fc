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

// A residual add runs in an f32 convolution's call (operands reordered to
// convolution, residual), and a ReLU after it too.
// CHECK-LABEL: func @residual
func.func @residual(%x: tensor<1x4x8x8xf32>) -> (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) {
  %w = graph.constant dense<1.0> : tensor<4x4x3x3xf32>
  // CHECK: %[[R:.*]] = graph.relu %{{.*}} : tensor
  %r = graph.relu %x : tensor<1x4x8x8xf32>
  // CHECK: %[[C:.*]] = graph.conv
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  // CHECK: graph.add %[[C]], %[[R]] {cpu.fused}
  %1 = graph.add %r, %0 : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32> -> tensor<1x4x8x8xf32>
  // CHECK: graph.relu {{.*}}{cpu.fused}
  %2 = graph.relu %1 : tensor<1x4x8x8xf32>
  // A function argument is a residual too; no activation follows here.
  // CHECK: %[[D:.*]] = graph.conv
  %3 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  // CHECK: graph.add %[[D]], %{{.*}} {cpu.fused}
  %4 = graph.add %3, %x : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32> -> tensor<1x4x8x8xf32>
  return %2, %4 : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>
}

// CHECK-LABEL: func @residual_not_fused
func.func @residual_not_fused(%x: tensor<1x4x8x8xf32>, %b: tensor<1x4x1x1xf32>, %h: tensor<1x4x8x8xf16>) -> (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf16>) {
  // CHECK-NOT: cpu.fused
  %w = graph.constant dense<1.0> : tensor<4x4x3x3xf32>
  %wh = graph.constant dense<1.0> : tensor<4x4x3x3xf16>
  // The residual is computed after the convolution: its call cannot read it.
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  %r = graph.relu %x : tensor<1x4x8x8xf32>
  %1 = graph.add %0, %r : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32> -> tensor<1x4x8x8xf32>
  // A broadcast operand (a bias) is not a residual of the output's shape.
  %2 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  %3 = graph.add %2, %b : tensor<1x4x8x8xf32>, tensor<1x4x1x1xf32> -> tensor<1x4x8x8xf32>
  // Only f32 convolutions add a residual.
  %4 = graph.conv %h, %wh {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf16>, tensor<4x4x3x3xf16>) -> tensor<1x4x8x8xf16>
  %5 = graph.add %4, %h : tensor<1x4x8x8xf16>, tensor<1x4x8x8xf16> -> tensor<1x4x8x8xf16>
  return %1, %3, %5 : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf16>
}

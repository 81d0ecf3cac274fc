// RUN: gaon-opt %s --gaon-npu-outline | FileCheck %s

// Consecutive NPU ops become one tile.region, placed before the next CPU
// op; constants between them stay where they are and do not break the run.
// Its results are the values used after it, in order.

// CHECK-LABEL: func @two_runs
func.func @two_runs(%x: tensor<1x3x8x8xf32>) -> (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) {
  %w = graph.constant dense<1.0> : tensor<4x3x3x3xf32>
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, npu.device = "npu", npu.group = 0} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  %c = graph.constant dense<2.0> : tensor<1x4x8x8xf32>
  %1 = graph.relu %0 {npu.device = "npu", npu.fused_into = 0} : tensor<1x4x8x8xf32>
  %2 = graph.exp %1 {npu.device = "cpu", npu.reason = "no NPU lowering for graph.exp yet"} : tensor<1x4x8x8xf32>
  %3 = graph.add %2, %1 {npu.device = "npu", npu.group = 1} : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32> -> tensor<1x4x8x8xf32>
  return %3, %c : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>
}
// CHECK:      %[[W:.*]] = graph.constant dense<1.000000e+00> : tensor<4x3x3x3xf32>
// CHECK-NEXT: %[[C:.*]] = graph.constant dense<2.000000e+00>
// CHECK-NEXT: %[[R:.*]] = tile.region -> tensor<1x4x8x8xf32> {
// CHECK-NEXT:   %[[CONV:.*]] = graph.conv %arg0, %[[W]]
// CHECK-NEXT:   %[[RELU:.*]] = graph.relu %[[CONV]]
// CHECK-NEXT:   tile.yield %[[RELU]] : tensor<1x4x8x8xf32>
// CHECK-NEXT: }
// CHECK-NEXT: %[[E:.*]] = graph.exp %[[R]]
// CHECK-NEXT: %[[R2:.*]] = tile.region -> tensor<1x4x8x8xf32> {
// CHECK-NEXT:   graph.add %[[E]], %[[R]]
// CHECK:      return %[[R2]], %[[C]]

// Ops a CPU kernel applies (cpu.fused) do not break a run either.
// CHECK-LABEL: func @skips_cpu_fused
func.func @skips_cpu_fused(%x: tensor<1x3x8x8xf32>, %a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> (tensor<1x4x8x8xf32>, tensor<2x3xf32>) {
  %w = graph.constant dense<1.0> : tensor<4x3x3x3xf32>
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, npu.device = "cpu", npu.reason = "test"} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  %1 = graph.max %a, %b {npu.device = "npu", npu.group = 0} : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  %2 = graph.relu %0 {cpu.fused, npu.device = "cpu", npu.reason = "test"} : tensor<1x4x8x8xf32>
  %3 = graph.min %1, %b {npu.device = "npu", npu.group = 1} : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  return %2, %3 : tensor<1x4x8x8xf32>, tensor<2x3xf32>
}
// CHECK:      graph.conv
// CHECK-NEXT: graph.relu
// CHECK-NEXT: tile.region -> tensor<2x3xf32> {
// CHECK-NEXT:   graph.max
// CHECK-NEXT:   graph.min
// CHECK-NEXT:   tile.yield

// Nothing placed on the NPU: nothing changes.
// CHECK-LABEL: func @all_cpu
func.func @all_cpu(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK-NOT: tile.region
  %0 = graph.exp %x {npu.device = "cpu", npu.reason = "no NPU lowering for graph.exp yet"} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// RUN: gaon-opt %s --gaon-npu-placement | FileCheck %s
// RUN: gaon-opt %s --gaon-npu-placement=greedy=true | FileCheck %s --check-prefix=GREEDY
// RUN: not gaon-opt %s --gaon-npu-placement=npu-config=nowhere.json 2>&1 | FileCheck %s --check-prefix=CONFIG

// Anchors are numbered in program order; epilogues the output stage runs
// (a ReLU after a convolution, a bias add and a ReLU after a matmul,
// weight-only weights before it) name their anchor. Constants carry no
// placement: they follow their users.

// CHECK-LABEL: func @groups
func.func @groups(%x: tensor<1x3x8x8xf32>, %a: tensor<2x8xf32>) -> (tensor<1x4x8x8xf32>, tensor<2x4xf32>, tensor<2x2xf32>) {
  // CHECK: graph.constant
  // CHECK-NOT: npu.device
  %w = graph.constant dense<1.0> : tensor<4x3x3x3xf32>
  // CHECK: graph.conv {{.*}}npu.device = "npu", npu.group = 0
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  // CHECK: graph.relu {{.*}}npu.device = "npu", npu.fused_into = 0
  %1 = graph.relu %0 : tensor<1x4x8x8xf32>
  %b = graph.constant dense<1.0> : tensor<8x4xf32>
  %c = graph.constant dense<0.5> : tensor<4xf32>
  // CHECK: graph.matmul {{.*}}npu.device = "npu", npu.group = 1
  %2 = graph.matmul %a, %b : tensor<2x8xf32>, tensor<8x4xf32> -> tensor<2x4xf32>
  // CHECK: graph.add {{.*}}npu.device = "npu", npu.fused_into = 1
  %3 = graph.add %2, %c : tensor<2x4xf32>, tensor<4xf32> -> tensor<2x4xf32>
  // CHECK: graph.relu {{.*}}npu.device = "npu", npu.fused_into = 1
  %4 = graph.relu %3 : tensor<2x4xf32>
  %q = graph.constant dense<1> : tensor<8x2xi8>
  %s = graph.constant dense<0.5> : tensor<2x2xf32>
  // CHECK: graph.block_dequantize {{.*}}npu.device = "npu", npu.fused_into = 2
  %5 = graph.block_dequantize %q, %s {axis = 0 : i64, block_size = 4 : i64} : (tensor<8x2xi8>, tensor<2x2xf32>) -> tensor<8x2xf32>
  // CHECK: graph.matmul {{.*}}npu.device = "npu", npu.group = 2
  %6 = graph.matmul %a, %5 : tensor<2x8xf32>, tensor<8x2xf32> -> tensor<2x2xf32>
  return %1, %4, %6 : tensor<1x4x8x8xf32>, tensor<2x4xf32>, tensor<2x2xf32>
}

// A vector-engine op the host feeds stays on the host, unless greedy.
// CHECK-LABEL: func @neighbours
// GREEDY-LABEL: func @neighbours
func.func @neighbours(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK: graph.max {{.*}}npu.device = "cpu"
  // GREEDY: graph.max {{.*}}npu.device = "npu", npu.group = 0
  %0 = graph.max %a, %b : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// CONFIG: error: --npu-config must be edge, server or a JSON file; cannot read 'nowhere.json'
// CONFIG-NOT: see current operation

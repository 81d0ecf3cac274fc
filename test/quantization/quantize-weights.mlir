// RUN: gaon-opt %s -split-input-file -gaon-quantize-weights="bits=4 group-size=4" | FileCheck %s
// RUN: gaon-opt %s -split-input-file -gaon-quantize-weights="bits=8 group-size=4 keep-float=kept" | FileCheck %s --check-prefix=W8
// RUN: not gaon-opt %s -split-input-file -gaon-quantize-weights="bits=3" 2>&1 | FileCheck %s --check-prefix=BITS

// Column 0's first block has max |w| 3: scale 3/7, and 1.0 rounds to 2.
// Column 1's has max 7: scale 1, exact. Column 2 is all zeros: scale 1.
// The second block holds K rows 4 and 5 only.
// CHECK-LABEL: func @matmul
// CHECK: %[[Q:.*]] = graph.constant dense<{{\[}}[2, -2, 0], [1, 0, 0], [7, 1, 0], [-2, 7, 0], [2, 4, 0], [7, -7, 0]]> : tensor<6x3xi4>
// CHECK: %[[S:.*]] = graph.constant dense<{{\[}}[0.428571433, 1.000000e+00, 1.000000e+00], [0.042857144, 0.0548571423, 1.000000e+00]]> : tensor<2x3xf32>
// CHECK: %[[W:.*]] = graph.block_dequantize %[[Q]], %[[S]] {axis = 0 : i64, block_size = 4 : i64} : (tensor<6x3xi4>, tensor<2x3xf32>) -> tensor<6x3xf32>
// CHECK: graph.matmul %{{.*}}, %[[W]]
// W8-LABEL: func @matmul
// W8: tensor<6x3xi8>
// BITS: gaon-quantize-weights: bits must be 8 or 4, got 3
func.func @matmul(%x: tensor<2x6xf32>) -> tensor<2x3xf32> {
  %w = graph.constant dense<[[1.0, -2.0, 0.0], [0.5, 0.25, 0.0], [3.0, 1.0, 0.0], [-1.0, 7.0, 0.0], [0.1, 0.2, 0.0], [0.3, -0.4, 0.0]]> : tensor<6x3xf32>
  %y = graph.matmul %x, %w : tensor<2x6xf32>, tensor<6x3xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// Weights computed at run time, a 3-D constant and a node named in
// keep-float stay float.
// CHECK-LABEL: func @untouched
// CHECK-NOT: block_dequantize
// W8-LABEL: func @untouched
// W8-NOT: block_dequantize
func.func @untouched(%x: tensor<2x4xf32>, %w: tensor<4x4xf32>) -> (tensor<2x4xf32>, tensor<2x2x4xf32>) {
  %y = graph.matmul %x, %w : tensor<2x4xf32>, tensor<4x4xf32> -> tensor<2x4xf32>
  %c = graph.constant dense<1.0> : tensor<2x4x4xf32>
  %z = graph.matmul %x, %c : tensor<2x4xf32>, tensor<2x4x4xf32> -> tensor<2x2x4xf32>
  return %y, %z : tensor<2x4xf32>, tensor<2x2x4xf32>
}

// -----

// CHECK-LABEL: func @kept
// CHECK: block_dequantize
// W8-LABEL: func @kept
// W8-NOT: block_dequantize
// W8: return
func.func @kept(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %c = graph.constant dense<1.0> : tensor<4x4xf32>
  %y = graph.matmul %x, %c : tensor<2x4xf32>, tensor<4x4xf32> -> tensor<2x4xf32> loc("kept")
  return %y : tensor<2x4xf32>
}

// RUN: gaon-opt %s -split-input-file -convert-onnx-to-graph -verify-diagnostics | FileCheck %s

// onnxruntime's contrib operators of decoder exports, and what they become.

// CHECK-LABEL: func @simplified_layer_norm
func.func @simplified_layer_norm(%x: tensor<1x3x8xf32>, %g: tensor<8xf32>) -> tensor<*xf32> {
  // CHECK: graph.rms_norm %{{.*}} {axis = 2 : i64, epsilon = 9.99999997E-7 : f32}
  %0 = onnx.node "SimplifiedLayerNormalization"(%x, %g) version 17 attributes {epsilon = 1.0e-6 : f32, axis = -1 : i64} : (tensor<1x3x8xf32>, tensor<8xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// CHECK-LABEL: func @skip_simplified_layer_norm
func.func @skip_simplified_layer_norm(%x: tensor<1x3x8xf32>, %s: tensor<1x3x8xf32>, %g: tensor<8xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  // CHECK: %[[SUM:.*]] = graph.add %arg0, %arg1
  // CHECK: %[[NORM:.*]] = graph.rms_norm %[[SUM]], %arg2 {axis = 2 : i64
  // CHECK: return %[[NORM]], %[[SUM]]
  %0:4 = onnx.node "SkipSimplifiedLayerNormalization"(%x, %s, %g) domain "com.microsoft" version 1 attributes {epsilon = 1.0e-6 : f32} : (tensor<1x3x8xf32>, tensor<1x3x8xf32>, tensor<8xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  return %0#0, %0#3 : tensor<*xf32>, tensor<*xf32>
}

// -----

// CHECK-LABEL: func @rotary_bsh
func.func @rotary_bsh(%x: tensor<1x3x16xf32>, %p: tensor<1x3xi64>) -> tensor<*xf32> {
  %cos = onnx.constant dense<0.5> : tensor<32x4xf32>
  %sin = onnx.constant dense<0.25> : tensor<32x4xf32>
  // CHECK: %[[X:.*]] = graph.reshape %arg0 : tensor<1x3x16xf32> -> tensor<1x3x2x8xf32>
  // CHECK: graph.rotary_embedding %[[X]], %{{.*}}, %{{.*}} : (tensor<1x3x2x8xf32>, tensor<1x3x1x8xf32>, tensor<1x3x1x8xf32>) -> tensor<1x3x2x8xf32>
  %0 = onnx.node "RotaryEmbedding"(%x, %p, %cos, %sin) domain "com.microsoft" version 1 attributes {num_heads = 2 : i64} : (tensor<1x3x16xf32>, tensor<1x3xi64>, tensor<32x4xf32>, tensor<32x4xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @rotary_packed_batching(%x: tensor<1x3x16xf32>, %p: tensor<1x3xi64>, %c: tensor<32x4xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{packed batching (is_packed_batching=1) is not supported; export with padded batches}}
  %0 = onnx.node "RotaryEmbedding"(%x, %p, %c, %c) domain "com.microsoft" version 1 attributes {is_packed_batching = 1 : i64} : (tensor<1x3x16xf32>, tensor<1x3xi64>, tensor<32x4xf32>, tensor<32x4xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// A decode step: the new key/value entries are written after the past
// ones, and the query sits at the last position.
// CHECK-LABEL: func @group_query_attention
func.func @group_query_attention(%q: tensor<1x1x64xf32>, %k: tensor<1x1x32xf32>, %v: tensor<1x1x32xf32>, %pk: tensor<1x2x5x16xf32>, %pv: tensor<1x2x5x16xf32>, %len: tensor<1xi32>, %total: tensor<i32>) -> (tensor<*xf32>, tensor<*xf32>) {
  // CHECK: graph.pad <constant> %arg3 {pads = array<i64: 0, 0, 0, 0, 0, 0, 1, 0>
  // CHECK: %[[KEYS:.*]] = graph.cache_update {{.*}} {axis = 2 : i64} : (tensor<1x2x6x16xf32>, tensor<1x2x1x16xf32>, tensor<1xi64>) -> tensor<1x2x6x16xf32>
  // CHECK: graph.attention %{{.*}}, %[[KEYS]], %{{.*}} kv_lengths %{{.*}} {causal = true, scale = 2.500000e-01 : f32, window = 4 : i64} : (tensor<1x4x1x16xf32>, tensor<1x2x6x16xf32>, tensor<1x2x6x16xf32>, tensor<1xi64>) -> tensor<1x4x1x16xf32>
  %0:3 = onnx.node "GroupQueryAttention"(%q, %k, %v, %pk, %pv, %len, %total) domain "com.microsoft" version 1 attributes {num_heads = 4 : i64, kv_num_heads = 2 : i64, local_window_size = 3 : i64} : (tensor<1x1x64xf32>, tensor<1x1x32xf32>, tensor<1x1x32xf32>, tensor<1x2x5x16xf32>, tensor<1x2x5x16xf32>, tensor<1xi32>, tensor<i32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  return %0#0, %0#1 : tensor<*xf32>, tensor<*xf32>
}

// -----

func.func @group_query_attention_heads(%q: tensor<1x1x64xf32>, %len: tensor<1xi32>, %total: tensor<i32>) -> tensor<*xf32> {
  %none = onnx.none
  // expected-error @+1 {{num_heads 4 and kv_num_heads 3 must be positive, kv_num_heads dividing num_heads}}
  %0 = onnx.node "GroupQueryAttention"(%q, %none, %none, %none, %none, %len, %total) domain "com.microsoft" version 1 attributes {num_heads = 4 : i64, kv_num_heads = 3 : i64} : (tensor<1x1x64xf32>, none, none, none, none, tensor<1xi32>, tensor<i32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @group_query_attention_smooth_softmax(%q: tensor<1x1x64xf32>, %len: tensor<1xi32>, %total: tensor<i32>) -> tensor<*xf32> {
  %none = onnx.none
  // expected-error @+1 {{smooth_softmax is not supported}}
  %0 = onnx.node "GroupQueryAttention"(%q, %none, %none, %none, %none, %len, %total) domain "com.microsoft" version 1 attributes {num_heads = 4 : i64, kv_num_heads = 2 : i64, smooth_softmax = 1 : i64} : (tensor<1x1x64xf32>, none, none, none, none, tensor<1xi32>, tensor<i32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// 4-bit weights with the default zero point (8): symmetric signed int4 in
// Gaon's (K, N) layout with blocks along K.
// CHECK-LABEL: func @matmul_nbits
func.func @matmul_nbits(%a: tensor<2x32xf32>) -> tensor<*xf32> {
  %b = onnx.constant dense<154> : tensor<3x1x16xui8>
  %s = onnx.constant dense<0.5> : tensor<3xf32>
  // CHECK: %[[W:.*]] = graph.constant dense<{{.*}}> : tensor<32x3xi4>
  // CHECK: %[[S:.*]] = graph.constant dense<5.000000e-01> : tensor<1x3xf32>
  // CHECK: %[[D:.*]] = graph.block_dequantize %[[W]], %[[S]] {axis = 0 : i64, block_size = 32 : i64}
  // CHECK: graph.matmul %arg0, %[[D]]
  %0 = onnx.node "MatMulNBits"(%a, %b, %s) domain "com.microsoft" version 1 attributes {K = 32 : i64, N = 3 : i64, bits = 4 : i64, block_size = 32 : i64} : (tensor<2x32xf32>, tensor<3x1x16xui8>, tensor<3xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @matmul_nbits_bits(%a: tensor<2x32xf32>) -> tensor<*xf32> {
  %b = onnx.constant dense<1> : tensor<3x1x12xui8>
  %s = onnx.constant dense<0.5> : tensor<3xf32>
  // expected-error @+1 {{bits=3 is not supported (Gaon stores 4- or 8-bit weights)}}
  %0 = onnx.node "MatMulNBits"(%a, %b, %s) domain "com.microsoft" version 1 attributes {K = 32 : i64, N = 3 : i64, bits = 3 : i64, block_size = 32 : i64} : (tensor<2x32xf32>, tensor<3x1x12xui8>, tensor<3xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @matmul_nbits_size(%a: tensor<2x32xf32>) -> tensor<*xf32> {
  %b = onnx.constant dense<1> : tensor<3x1x8xui8>
  %s = onnx.constant dense<0.5> : tensor<3xf32>
  // expected-error @+1 {{B must hold N x ceil(K / block_size) x block_size * bits / 8 = 48 bytes, got 'tensor<3x1x8xui8>'}}
  %0 = onnx.node "MatMulNBits"(%a, %b, %s) domain "com.microsoft" version 1 attributes {K = 32 : i64, N = 3 : i64, bits = 4 : i64, block_size = 32 : i64} : (tensor<2x32xf32>, tensor<3x1x8xui8>, tensor<3xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @matmul_nbits_runtime_weights(%a: tensor<2x32xf32>, %b: tensor<3x1x16xui8>) -> tensor<*xf32> {
  %s = onnx.constant dense<0.5> : tensor<3xf32>
  // expected-error @+1 {{the packed weights B}}
  %0 = onnx.node "MatMulNBits"(%a, %b, %s) domain "com.microsoft" version 1 attributes {K = 32 : i64, N = 3 : i64, bits = 4 : i64, block_size = 32 : i64} : (tensor<2x32xf32>, tensor<3x1x16xui8>, tensor<3xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

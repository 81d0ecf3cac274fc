// RUN: gaon-opt %s --gaon-npu-placement | FileCheck %s

// A decoder step's attention as gaon-llm-kv-cache leaves it: the projection
// rows split into heads, q and k rotated, k and v written to the session's
// caches at `position`, kv_lengths = position + 1, the result back to rows.
// The whole chain is one NPU group anchored at the attention
// (compiler/npu/Placement/AttentionGroup.h).
// CHECK-LABEL: func @decode_step
// CHECK: graph.reshape {{.*}}npu.fused_into = [[G:[0-9]+]]
// CHECK: graph.transpose {{.*}}npu.fused_into = [[G]]
// CHECK: graph.rotary_embedding {{.*}}npu.fused_into = [[G]]
// CHECK: graph.rotary_embedding {{.*}}npu.fused_into = [[G]]
// CHECK: graph.cache_update {{.*}}npu.fused_into = [[G]]
// CHECK: graph.cache_update {{.*}}npu.fused_into = [[G]]
// CHECK: graph.add {{.*}}npu.fused_into = [[G]]
// CHECK: graph.attention {{.*}}npu.device = "npu", npu.group = [[G]]
// CHECK: graph.transpose {{.*}}npu.fused_into = [[G]]
// CHECK: graph.reshape {{.*}}npu.fused_into = [[G]]
// CHECK-NOT: npu.device = "cpu"

func.func @decode_step(%q3: tensor<1x1x64xf32>, %k3: tensor<1x1x32xf32>, %v3: tensor<1x1x32xf32>, %cos: tensor<1x1x1x16xf32>, %sin: tensor<1x1x1x16xf32>, %pos: tensor<1xi64>, %kc: tensor<1x2x8x16xf32> {gaon.state = "k"}, %vc: tensor<1x2x8x16xf32> {gaon.state = "v"}) -> (tensor<1x1x64xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %qh = graph.reshape %q3 : tensor<1x1x64xf32> -> tensor<1x1x4x16xf32>
  %qt = graph.transpose %qh {perm = array<i64: 0, 2, 1, 3>} : tensor<1x1x4x16xf32> -> tensor<1x4x1x16xf32>
  %qr = graph.rotary_embedding %qt, %cos, %sin : (tensor<1x4x1x16xf32>, tensor<1x1x1x16xf32>, tensor<1x1x1x16xf32>) -> tensor<1x4x1x16xf32>
  %kh = graph.reshape %k3 : tensor<1x1x32xf32> -> tensor<1x1x2x16xf32>
  %kt = graph.transpose %kh {perm = array<i64: 0, 2, 1, 3>} : tensor<1x1x2x16xf32> -> tensor<1x2x1x16xf32>
  %kr = graph.rotary_embedding %kt, %cos, %sin : (tensor<1x2x1x16xf32>, tensor<1x1x1x16xf32>, tensor<1x1x1x16xf32>) -> tensor<1x2x1x16xf32>
  %vh = graph.reshape %v3 : tensor<1x1x32xf32> -> tensor<1x1x2x16xf32>
  %vt = graph.transpose %vh {perm = array<i64: 0, 2, 1, 3>} : tensor<1x1x2x16xf32> -> tensor<1x2x1x16xf32>
  %ku = graph.cache_update %kc, %kr, %pos {axis = 2 : i64} : (tensor<1x2x8x16xf32>, tensor<1x2x1x16xf32>, tensor<1xi64>) -> tensor<1x2x8x16xf32>
  %vu = graph.cache_update %vc, %vt, %pos {axis = 2 : i64} : (tensor<1x2x8x16xf32>, tensor<1x2x1x16xf32>, tensor<1xi64>) -> tensor<1x2x8x16xf32>
  %one = graph.constant dense<1> : tensor<1xi64>
  %len = graph.add %pos, %one : tensor<1xi64>, tensor<1xi64> -> tensor<1xi64>
  %a = graph.attention %qr, %ku, %vu kv_lengths %len {causal = true, scale = 2.500000e-01 : f32} : (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1xi64>) -> tensor<1x4x1x16xf32>
  %at = graph.transpose %a {perm = array<i64: 0, 2, 1, 3>} : tensor<1x4x1x16xf32> -> tensor<1x1x4x16xf32>
  %o = graph.reshape %at : tensor<1x1x4x16xf32> -> tensor<1x1x64xf32>
  return %o, %ku, %vu : tensor<1x1x64xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

// Near misses stay on the CPU, each with its reason.
// CHECK-LABEL: func @cache_read_elsewhere
// CHECK: graph.attention {{.*}}npu.reason = "attention: its updated key cache is read elsewhere"

func.func @cache_read_elsewhere(%q3: tensor<1x1x64xf32>, %k3: tensor<1x1x32xf32>, %v3: tensor<1x1x32xf32>, %cos: tensor<1x1x1x16xf32>, %sin: tensor<1x1x1x16xf32>, %pos: tensor<1xi64>, %kc: tensor<1x2x8x16xf32> {gaon.state = "k"}, %vc: tensor<1x2x8x16xf32> {gaon.state = "v"}) -> (tensor<1x1x64xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %qh = graph.reshape %q3 : tensor<1x1x64xf32> -> tensor<1x1x4x16xf32>
  %qt = graph.transpose %qh {perm = array<i64: 0, 2, 1, 3>} : tensor<1x1x4x16xf32> -> tensor<1x4x1x16xf32>
  %qr = graph.rotary_embedding %qt, %cos, %sin : (tensor<1x4x1x16xf32>, tensor<1x1x1x16xf32>, tensor<1x1x1x16xf32>) -> tensor<1x4x1x16xf32>
  %kh = graph.reshape %k3 : tensor<1x1x32xf32> -> tensor<1x1x2x16xf32>
  %kt = graph.transpose %kh {perm = array<i64: 0, 2, 1, 3>} : tensor<1x1x2x16xf32> -> tensor<1x2x1x16xf32>
  %kr = graph.rotary_embedding %kt, %cos, %sin : (tensor<1x2x1x16xf32>, tensor<1x1x1x16xf32>, tensor<1x1x1x16xf32>) -> tensor<1x2x1x16xf32>
  %vh = graph.reshape %v3 : tensor<1x1x32xf32> -> tensor<1x1x2x16xf32>
  %vt = graph.transpose %vh {perm = array<i64: 0, 2, 1, 3>} : tensor<1x1x2x16xf32> -> tensor<1x2x1x16xf32>
  %ku = graph.cache_update %kc, %kr, %pos {axis = 2 : i64} : (tensor<1x2x8x16xf32>, tensor<1x2x1x16xf32>, tensor<1xi64>) -> tensor<1x2x8x16xf32>
  %vu = graph.cache_update %vc, %vt, %pos {axis = 2 : i64} : (tensor<1x2x8x16xf32>, tensor<1x2x1x16xf32>, tensor<1xi64>) -> tensor<1x2x8x16xf32>
  %one = graph.constant dense<1> : tensor<1xi64>
  %len = graph.add %pos, %one : tensor<1xi64>, tensor<1xi64> -> tensor<1xi64>
  %a = graph.attention %qr, %ku, %vu kv_lengths %len {causal = true, scale = 2.500000e-01 : f32} : (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1xi64>) -> tensor<1x4x1x16xf32>
  %at = graph.transpose %a {perm = array<i64: 0, 2, 1, 3>} : tensor<1x4x1x16xf32> -> tensor<1x1x4x16xf32>
  %o = graph.reshape %at : tensor<1x1x4x16xf32> -> tensor<1x1x64xf32>
  %twice = graph.add %ku, %ku : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
  return %o, %ku, %vu, %twice : tensor<1x1x64xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

// CHECK-LABEL: func @only_query_rotated
// CHECK: graph.attention {{.*}}npu.reason = "attention: only one of query and key is rotated"

func.func @only_query_rotated(%q3: tensor<1x1x64xf32>, %k3: tensor<1x1x32xf32>, %v3: tensor<1x1x32xf32>, %cos: tensor<1x1x1x16xf32>, %sin: tensor<1x1x1x16xf32>, %pos: tensor<1xi64>, %kc: tensor<1x2x8x16xf32> {gaon.state = "k"}, %vc: tensor<1x2x8x16xf32> {gaon.state = "v"}) -> (tensor<1x1x64xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %qh = graph.reshape %q3 : tensor<1x1x64xf32> -> tensor<1x1x4x16xf32>
  %qt = graph.transpose %qh {perm = array<i64: 0, 2, 1, 3>} : tensor<1x1x4x16xf32> -> tensor<1x4x1x16xf32>
  %qr = graph.rotary_embedding %qt, %cos, %sin : (tensor<1x4x1x16xf32>, tensor<1x1x1x16xf32>, tensor<1x1x1x16xf32>) -> tensor<1x4x1x16xf32>
  %kh = graph.reshape %k3 : tensor<1x1x32xf32> -> tensor<1x1x2x16xf32>
  %kt = graph.transpose %kh {perm = array<i64: 0, 2, 1, 3>} : tensor<1x1x2x16xf32> -> tensor<1x2x1x16xf32>
  %vh = graph.reshape %v3 : tensor<1x1x32xf32> -> tensor<1x1x2x16xf32>
  %vt = graph.transpose %vh {perm = array<i64: 0, 2, 1, 3>} : tensor<1x1x2x16xf32> -> tensor<1x2x1x16xf32>
  %ku = graph.cache_update %kc, %kt, %pos {axis = 2 : i64} : (tensor<1x2x8x16xf32>, tensor<1x2x1x16xf32>, tensor<1xi64>) -> tensor<1x2x8x16xf32>
  %vu = graph.cache_update %vc, %vt, %pos {axis = 2 : i64} : (tensor<1x2x8x16xf32>, tensor<1x2x1x16xf32>, tensor<1xi64>) -> tensor<1x2x8x16xf32>
  %one = graph.constant dense<1> : tensor<1xi64>
  %len = graph.add %pos, %one : tensor<1xi64>, tensor<1xi64> -> tensor<1xi64>
  %a = graph.attention %qr, %ku, %vu kv_lengths %len {causal = true, scale = 2.500000e-01 : f32} : (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1xi64>) -> tensor<1x4x1x16xf32>
  %at = graph.transpose %a {perm = array<i64: 0, 2, 1, 3>} : tensor<1x4x1x16xf32> -> tensor<1x1x4x16xf32>
  %o = graph.reshape %at : tensor<1x1x4x16xf32> -> tensor<1x1x64xf32>
  return %o, %ku, %vu : tensor<1x1x64xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

// CHECK-LABEL: func @lengths_not_position_plus_step
// CHECK: graph.attention {{.*}}npu.reason = "attention: its key counts are not position + the step's tokens"

func.func @lengths_not_position_plus_step(%q3: tensor<1x1x64xf32>, %k3: tensor<1x1x32xf32>, %v3: tensor<1x1x32xf32>, %cos: tensor<1x1x1x16xf32>, %sin: tensor<1x1x1x16xf32>, %pos: tensor<1xi64>, %kc: tensor<1x2x8x16xf32> {gaon.state = "k"}, %vc: tensor<1x2x8x16xf32> {gaon.state = "v"}) -> (tensor<1x1x64xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %qh = graph.reshape %q3 : tensor<1x1x64xf32> -> tensor<1x1x4x16xf32>
  %qt = graph.transpose %qh {perm = array<i64: 0, 2, 1, 3>} : tensor<1x1x4x16xf32> -> tensor<1x4x1x16xf32>
  %qr = graph.rotary_embedding %qt, %cos, %sin : (tensor<1x4x1x16xf32>, tensor<1x1x1x16xf32>, tensor<1x1x1x16xf32>) -> tensor<1x4x1x16xf32>
  %kh = graph.reshape %k3 : tensor<1x1x32xf32> -> tensor<1x1x2x16xf32>
  %kt = graph.transpose %kh {perm = array<i64: 0, 2, 1, 3>} : tensor<1x1x2x16xf32> -> tensor<1x2x1x16xf32>
  %kr = graph.rotary_embedding %kt, %cos, %sin : (tensor<1x2x1x16xf32>, tensor<1x1x1x16xf32>, tensor<1x1x1x16xf32>) -> tensor<1x2x1x16xf32>
  %vh = graph.reshape %v3 : tensor<1x1x32xf32> -> tensor<1x1x2x16xf32>
  %vt = graph.transpose %vh {perm = array<i64: 0, 2, 1, 3>} : tensor<1x1x2x16xf32> -> tensor<1x2x1x16xf32>
  %ku = graph.cache_update %kc, %kr, %pos {axis = 2 : i64} : (tensor<1x2x8x16xf32>, tensor<1x2x1x16xf32>, tensor<1xi64>) -> tensor<1x2x8x16xf32>
  %vu = graph.cache_update %vc, %vt, %pos {axis = 2 : i64} : (tensor<1x2x8x16xf32>, tensor<1x2x1x16xf32>, tensor<1xi64>) -> tensor<1x2x8x16xf32>
  %one = graph.constant dense<2> : tensor<1xi64>
  %len = graph.add %pos, %one : tensor<1xi64>, tensor<1xi64> -> tensor<1xi64>
  %a = graph.attention %qr, %ku, %vu kv_lengths %len {causal = true, scale = 2.500000e-01 : f32} : (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1xi64>) -> tensor<1x4x1x16xf32>
  %at = graph.transpose %a {perm = array<i64: 0, 2, 1, 3>} : tensor<1x4x1x16xf32> -> tensor<1x1x4x16xf32>
  %o = graph.reshape %at : tensor<1x1x4x16xf32> -> tensor<1x1x64xf32>
  return %o, %ku, %vu : tensor<1x1x64xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

// CHECK-LABEL: func @interleaved_rotary
// CHECK: graph.attention {{.*}}npu.reason = "attention: its query is rotated in a form the NPU lowering lacks (interleaved, or a rotated value)"

func.func @interleaved_rotary(%q3: tensor<1x1x64xf32>, %k3: tensor<1x1x32xf32>, %v3: tensor<1x1x32xf32>, %cos: tensor<1x1x1x16xf32>, %sin: tensor<1x1x1x16xf32>, %pos: tensor<1xi64>, %kc: tensor<1x2x8x16xf32> {gaon.state = "k"}, %vc: tensor<1x2x8x16xf32> {gaon.state = "v"}) -> (tensor<1x1x64xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %qh = graph.reshape %q3 : tensor<1x1x64xf32> -> tensor<1x1x4x16xf32>
  %qt = graph.transpose %qh {perm = array<i64: 0, 2, 1, 3>} : tensor<1x1x4x16xf32> -> tensor<1x4x1x16xf32>
  %qr = graph.rotary_embedding %qt, %cos, %sin {interleaved = true} : (tensor<1x4x1x16xf32>, tensor<1x1x1x16xf32>, tensor<1x1x1x16xf32>) -> tensor<1x4x1x16xf32>
  %kh = graph.reshape %k3 : tensor<1x1x32xf32> -> tensor<1x1x2x16xf32>
  %kt = graph.transpose %kh {perm = array<i64: 0, 2, 1, 3>} : tensor<1x1x2x16xf32> -> tensor<1x2x1x16xf32>
  %kr = graph.rotary_embedding %kt, %cos, %sin : (tensor<1x2x1x16xf32>, tensor<1x1x1x16xf32>, tensor<1x1x1x16xf32>) -> tensor<1x2x1x16xf32>
  %vh = graph.reshape %v3 : tensor<1x1x32xf32> -> tensor<1x1x2x16xf32>
  %vt = graph.transpose %vh {perm = array<i64: 0, 2, 1, 3>} : tensor<1x1x2x16xf32> -> tensor<1x2x1x16xf32>
  %ku = graph.cache_update %kc, %kr, %pos {axis = 2 : i64} : (tensor<1x2x8x16xf32>, tensor<1x2x1x16xf32>, tensor<1xi64>) -> tensor<1x2x8x16xf32>
  %vu = graph.cache_update %vc, %vt, %pos {axis = 2 : i64} : (tensor<1x2x8x16xf32>, tensor<1x2x1x16xf32>, tensor<1xi64>) -> tensor<1x2x8x16xf32>
  %one = graph.constant dense<1> : tensor<1xi64>
  %len = graph.add %pos, %one : tensor<1xi64>, tensor<1xi64> -> tensor<1xi64>
  %a = graph.attention %qr, %ku, %vu kv_lengths %len {causal = true, scale = 2.500000e-01 : f32} : (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1xi64>) -> tensor<1x4x1x16xf32>
  %at = graph.transpose %a {perm = array<i64: 0, 2, 1, 3>} : tensor<1x4x1x16xf32> -> tensor<1x1x4x16xf32>
  %o = graph.reshape %at : tensor<1x1x4x16xf32> -> tensor<1x1x64xf32>
  return %o, %ku, %vu : tensor<1x1x64xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

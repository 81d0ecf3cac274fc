// RUN: gaon-opt %s --gaon-npu-placement --gaon-npu-outline --gaon-graph-to-tile=cores=1 | FileCheck %s
// RUN: gaon-opt %s --gaon-npu-placement --gaon-npu-outline --gaon-graph-to-tile=cores=1 --gaon-tile-to-npu | FileCheck %s --check-prefix=NPU

// A decoder step's attention group as one tile.attention: the caches and
// rotary tables are row-major DRAM tensors (bf16 and f32), the position an
// i64 operand that fills run-time parameter 0, valid for [0, 8 - 1].
// CHECK: tile.segment
// CHECK-SAME: param_inputs = array<i64: 7, 0, 0, 7>
// CHECK: tile.tensor @[[COS:t[0-9]+]] dram f32 {{.*}}c = 16 : i64
// CHECK: tile.tensor @[[KC:t[0-9]+]] dram bf16 {{.*}}c = 16 : i64{{.*}}rows, w = 16 : i64
// CHECK: tile.attention @{{t[0-9]+}}, @{{t[0-9]+}}, @{{t[0-9]+}} -> @{{t[0-9]+}} {batch = 1 : i64, cos = @[[COS]], cos_rows = 1 : i64, head_dim = 16 : i64, heads = 4 : i64, items = array<i64: 0, 2>, k_cache = @[[KC]], key_block = 8 : i64, key_buffers = 1 : i64, kv_heads = 2 : i64, max_len = 8 : i64, position_param = 0 : i64, query_tile = 1 : i64, rotary = 16 : i64
// CHECK-SAME: scale = 2.500000e-01 : f32, seq = 1 : i64

// The program: the new key goes to the cache at params[0] * 32 bytes; the
// scores come from keys as a transposed B, scaled in the output stage; the
// mask reads the position; one block of 8 keys holds every position, so
// no guard.
// NPU: npu.program attributes {cores = 1 : i64, dram_bytes = {{[0-9]+}} : i64, params = 1 : i64
// NPU: npu.dma_store {dram = {{[0-9]+}} : i64, dram_param = 0 : i64, dram_param_stride = 32 : i64
// NPU: npu.matmul {{{.*}}b_transposed{{.*}}mode = #npu.mode<bf16xbf16>{{.*}}n = 8 : i64{{.*}}out_type = #npu.elem<f32>{{.*}}scale = 2.500000e-01 : f32
// NPU-NOT: guard_param
// NPU: npu.vector {{{.*}}inner = 2 : i64{{.*}}mask_param = 0 : i64{{.*}}op = #npu.vec<mask>

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

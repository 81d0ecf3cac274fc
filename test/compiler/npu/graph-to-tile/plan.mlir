// RUN: gaon-opt %s --gaon-graph-to-tile | FileCheck %s
// RUN: gaon-opt %s --gaon-graph-to-tile=cores=1 | FileCheck %s --check-prefix=ONE

// A region's conv + ReLU and residual add, planned: the input stays in DRAM
// (the host writes it there) with the halo the padding needs; the conv's
// result is resident in SRAM; the add's result goes back to DRAM for the
// host. On the two-core edge NPU a second schedule follows as a candidate,
// with every tensor in DRAM (cores exchange activations there).

// CHECK-LABEL: func @conv_add
func.func @conv_add(%x: tensor<1x8x8x8xf32>, %r: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
  %w = graph.constant dense<0.5> : tensor<8x8x3x3xf32>
  %b = graph.constant dense<0.25> : tensor<8xf32>
  %0 = tile.region -> tensor<1x8x8x8xf32> {
    %1 = graph.conv %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, npu.device = "npu", npu.group = 0} : (tensor<1x8x8x8xf32>, tensor<8x8x3x3xf32>, tensor<8xf32>) -> tensor<1x8x8x8xf32> loc("conv")
    %2 = graph.relu %1 {npu.device = "npu", npu.fused_into = 0} : tensor<1x8x8x8xf32> loc("relu")
    %3 = graph.add %2, %r {npu.device = "npu", npu.group = 1} : tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32> -> tensor<1x8x8x8xf32> loc("add")
    tile.yield %3 : tensor<1x8x8x8xf32>
  }
  return %0 : tensor<1x8x8x8xf32>
}
// The host constants only the segment read are gone.
// CHECK-NOT:  graph.constant
// CHECK:      %[[S:.*]] = tile.segment(%arg0, %arg1 : tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> attributes {dram_bytes = {{[0-9]+}} : i64, input_tensors = [@t0, @t1], output_names = ["add"], output_tensors = [@t3], resident_bytes = {{[1-9][0-9]*}} : i64, tags = ["conv+relu", "add"]}
// CHECK-NEXT:   tile.tensor @t0 dram bf16 {base = {{[0-9]+}} : i64, c = 8 : i64, h = 8 : i64, n = 1 : i64, pad = 1 : i64, w = 8 : i64}
// CHECK-NEXT:   tile.tensor @t1 dram bf16 {{{.*}}n = 1 : i64, pad = 0 : i64
// CHECK-NEXT:   tile.tensor @t2 sram bf16
// CHECK-NEXT:   tile.tensor @t3 dram bf16
// CHECK:        tile.constant "conv.weights0" {bytes = 1152 : i64, dram = {{[0-9]+}} : i64, value = dense<"0x003F003F{{.*}}"> : tensor<1152xi8>}
// CHECK:        tile.conv @t0 -> @t2 {{{.*}}geometry = #tile.conv<n = 1, cin = 8, h = 8, w = 8, cout = 8, oh = 8, ow = 8, kh = 3, kw = 3, sh = 1, sw = 1, dh = 1, dw = 1, pad_top = 1, pad_left = 1, pad_bottom = 1, pad_right = 1>{{.*}}relu
// CHECK:        tile.eltwise "add" @t2, @t1 -> @t3
// CHECK:      tile.segment(%arg0, %arg1 : {{.*}}) -> tensor<1x8x8x8xf32> attributes {candidate = 1 : i64, cores = 2 : i64{{.*}}resident_bytes = 0 : i64
// CHECK:      return %[[S]]

// ONE-LABEL: func @conv_add
// ONE:       tile.segment
// ONE-NOT:   candidate
// ONE:       return

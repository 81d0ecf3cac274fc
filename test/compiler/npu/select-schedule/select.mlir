// RUN: gaon-opt %s --gaon-graph-to-tile --gaon-tile-to-npu --gaon-npu-select-schedule | FileCheck %s
// RUN: gaon-opt %s --gaon-graph-to-tile --gaon-tile-to-npu | FileCheck %s --check-prefix=BOTH

// Both schedules of the segment are lowered; the simulator's cycle count
// keeps one (for this small layer, one core with the result resident), and
// the winner carries its estimate, in total and per source node.

// BOTH:     tile.segment
// BOTH:       npu.program attributes {cores = 1 : i64
// BOTH:     tile.segment{{.*}}candidate = 1 : i64, cores = 2 : i64
// BOTH:       npu.program attributes {cores = 2 : i64

// CHECK-LABEL: func @conv_relu
// CHECK:       %[[S:.*]] = tile.segment(%arg0 : tensor<1x8x16x16xf32>) -> tensor<1x32x16x16xf32> attributes {dram_bytes = {{[0-9]+}} : i64, estimated_cycles = {{[1-9][0-9.e+]*}} : f64, input_tensors = [@t0], output_names = ["relu"], output_tensors = [@t1], resident_bytes = 0 : i64, tag_cycles = array<f64: {{[1-9][0-9.e+]*}}>, tags = ["conv+relu"]}
// CHECK:         npu.program attributes {cores = 1 : i64
// CHECK-NOT:   tile.segment
// CHECK:       return %[[S]]
func.func @conv_relu(%x: tensor<1x8x16x16xf32>) -> tensor<1x32x16x16xf32> {
  %w = graph.constant dense<0.5> : tensor<32x8x3x3xf32>
  %0 = tile.region -> tensor<1x32x16x16xf32> {
    %1 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, npu.device = "npu", npu.group = 0} : (tensor<1x8x16x16xf32>, tensor<32x8x3x3xf32>) -> tensor<1x32x16x16xf32> loc("conv")
    %2 = graph.relu %1 {npu.device = "npu", npu.fused_into = 0} : tensor<1x32x16x16xf32> loc("relu")
    tile.yield %2 : tensor<1x32x16x16xf32>
  }
  return %0 : tensor<1x32x16x16xf32>
}

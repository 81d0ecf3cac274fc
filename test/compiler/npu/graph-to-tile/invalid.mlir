// RUN: gaon-opt %s -split-input-file -verify-diagnostics --gaon-graph-to-tile

func.func @cpu_op_in_region(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = tile.region -> tensor<4xf32> {
    // expected-error @+1 {{is in an NPU region but not placed on the NPU}}
    %1 = graph.exp %x {npu.device = "cpu", npu.reason = "no NPU lowering for graph.exp yet"} : tensor<4xf32>
    tile.yield %1 : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}

// -----

func.func @missing_anchor(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = tile.region -> tensor<2x3xf32> {
    // expected-error @+1 {{is fused into NPU group 7, which no op in its block anchors}}
    %1 = graph.relu %a {npu.device = "npu", npu.fused_into = 7} : tensor<2x3xf32>
    tile.yield %1 : tensor<2x3xf32>
  }
  return %0 : tensor<2x3xf32>
}

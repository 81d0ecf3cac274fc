// RUN: gaon-opt %s -split-input-file -verify-diagnostics

// Placement's attributes are checked wherever they appear.

func.func @device(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{npu.device must be "npu" or "cpu"}}
  %0 = graph.relu %x {npu.device = "gpu"} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @reason_on_npu(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{npu.reason is a string on ops placed on the CPU}}
  %0 = graph.relu %x {npu.device = "npu", npu.group = 0, npu.reason = "no"} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @npu_without_group(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{needs exactly one of npu.group (an anchor) and npu.fused_into}}
  %0 = graph.relu %x {npu.device = "npu"} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @group_on_cpu(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{npu.group is a non-negative integer on ops placed on the NPU}}
  %0 = graph.relu %x {npu.device = "cpu", npu.group = 0} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @negative_group(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{npu.fused_into is a non-negative integer on ops placed on the NPU}}
  %0 = graph.relu %x {npu.device = "npu", npu.fused_into = -1} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @unknown(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{has an unknown npu attribute 'npu.speed'}}
  %0 = graph.relu %x {npu.speed = 1} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

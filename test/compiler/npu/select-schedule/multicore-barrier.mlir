// RUN: gaon-opt %s --gaon-npu-placement=npu-config=server --gaon-npu-outline '--gaon-graph-to-tile=npu-config=server cores=8' --gaon-tile-to-npu=npu-config=server --gaon-npu-select-schedule=npu-config=server | FileCheck %s

// Eight cores, of which the first convolution keeps two busy and the second
// five: the idle cores reach every barrier at once. Their signals must not
// count toward a later barrier before the busy cores have stored, or core 1
// would read the first convolution's output while core 0 still writes it
// (the simulator refuses such a race). Each store engine first waits for
// the previous barrier.

// CHECK: npu.program attributes {cores = 8 : i64
// CHECK: npu.queue <store> core 5
// CHECK-NEXT: npu.signal {core = 0 : i64, semaphore = 4 : i64
// CHECK: npu.wait {semaphore = 4 : i64{{.*}}value = 8 : i64}
// CHECK-NEXT: npu.signal {core = 0 : i64, semaphore = 4 : i64
func.func @idle_cores(%x: tensor<1x960x7x7xf32>) -> tensor<1x1280x7x7xf32> {
  %w1 = graph.constant dense<0.01> : tensor<320x960x1x1xf32>
  %w2 = graph.constant dense<0.01> : tensor<1280x320x1x1xf32>
  %0 = graph.conv %x, %w1 {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x960x7x7xf32>, tensor<320x960x1x1xf32>) -> tensor<1x320x7x7xf32> loc("conv1")
  %1 = graph.conv %0, %w2 {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x320x7x7xf32>, tensor<1280x320x1x1xf32>) -> tensor<1x1280x7x7xf32> loc("conv2")
  %2 = graph.clip %1 {min = 0.0 : f64, max = 6.0 : f64} : tensor<1x1280x7x7xf32> loc("clip")
  return %2 : tensor<1x1280x7x7xf32>
}

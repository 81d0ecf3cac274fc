// RUN: gaon-opt %s | FileCheck %s
// RUN: gaon-opt %s | gaon-opt | FileCheck %s

// One core's int8 fully connected layer: load, matmul with its output
// stage, store, ordered by two semaphores (test/runtime/sim.test runs the
// same program).

// CHECK-LABEL: npu.program
// CHECK-SAME: cores = 1 : i64, dram_bytes = 4096 : i64, tags = ["fc"]
npu.program attributes {cores = 1, dram_bytes = 4096, tags = ["fc"]} {
  // CHECK: npu.queue <load> core 0
  npu.queue <load> core 0 {
    // CHECK: npu.dma_load {dram = 0 : i64, dram_strides = array<i64: 0, 0, 0, 1>, elem_bytes = 1 : i64, sizes = array<i64: 1, 1, 1, 2688>, sram = 0 : i64, sram_strides = array<i64: 0, 0, 0, 1>}
    npu.dma_load {dram = 0, sram = 0, elem_bytes = 1, sizes = array<i64: 1, 1, 1, 2688>, dram_strides = array<i64: 0, 0, 0, 1>, sram_strides = array<i64: 0, 0, 0, 1>}
    // CHECK: npu.signal {core = 0 : i64, semaphore = 0 : i64}
    npu.signal {semaphore = 0, core = 0}
  }
  // CHECK: npu.queue <matrix> core 0
  npu.queue <matrix> core 0 {
    npu.wait {semaphore = 0, value = 1}
    // CHECK: npu.matmul {{{.*}}mode = #npu.mode<i8xi8>{{.*}}out_type = #npu.elem<i8>{{.*}}requant = 2432 : i64
    npu.matmul {mode = #npu.mode<i8xi8>, m = 4, n = 32, k = 64, a = 0, a_outer = 1, a_inner = 4, a_outer_stride = 0, a_inner_stride = 64, b = 256, b_row_stride = 32, c = 8192, c_row_stride = 128, out = 4096, out_type = #npu.elem<i8>, out_row_stride = 32, bias = 2304, requant = 2432, zero_point = -5, clamp_lo = -5, clamp_hi = 127}
    // CHECK: npu.matmul {{{.*}}group = 32 : i64{{.*}}mode = #npu.mode<bf16xi4>{{.*}}scales = 12288 : i64
    npu.matmul {mode = #npu.mode<bf16xi4>, m = 4, n = 32, k = 64, a = 0, a_outer = 1, a_inner = 4, a_outer_stride = 0, a_inner_stride = 128, b = 1024, b_row_stride = 16, c = 8192, c_row_stride = 128, out = 4096, out_type = #npu.elem<bf16>, out_row_stride = 64, scales = 12288, group = 32}
    npu.signal {semaphore = 1, core = 0}
  }
  // CHECK: npu.queue <store> core 0
  npu.queue <store> core 0 {
    npu.wait {semaphore = 1, value = 1}
    npu.dma_store {dram = 2688, sram = 4096, elem_bytes = 1, sizes = array<i64: 1, 1, 1, 128>, dram_strides = array<i64: 0, 0, 0, 1>, sram_strides = array<i64: 0, 0, 0, 1>}
  }
  // CHECK: npu.queue <vector> core 0
  npu.queue <vector> core 0 {
    // CHECK: npu.vector {{{.*}}op = #npu.vec<add>{{.*}}type = #npu.elem<f32>
    npu.vector {op = #npu.vec<add>, type = #npu.elem<f32>, n = 128, a = 0, b = 512, y = 1024, b_step = 0}
    // CHECK: npu.vector {{{.*}}mul_a = 1048576 : i64{{.*}}op = #npu.vec<qadd>{{.*}}out_type = #npu.elem<i8>
    npu.vector {op = #npu.vec<qadd>, type = #npu.elem<u8>, b_type = #npu.elem<i8>, out_type = #npu.elem<i8>, n = 64, a = 0, b = 64, y = 128, zero_a = 3, mul_a = 1048576, mul_b = 524288, multiplier = 1073741824, shift = 20, zero_y = -1}
    // CHECK: npu.vector {{{.*}}op = #npu.vec<requant>{{.*}}type = #npu.elem<i32>
    npu.vector {op = #npu.vec<requant>, type = #npu.elem<i32>, out_type = #npu.elem<u8>, n = 64, a = 0, b = 0, y = 256, multiplier = 1073741824, shift = 3, clamp_lo = 0, clamp_hi = 255}
    // CHECK: npu.vector {{{.*}}a_stride = 512 : i64{{.*}}outer = 4 : i64
    npu.vector {op = #npu.vec<max>, type = #npu.elem<bf16>, n = 64, a = 0, b = 4096, y = 0, outer = 4, a_stride = 512, b_stride = 1024, y_stride = 512}
    // CHECK: npu.vector {{{.*}}op = #npu.vec<row_sum>{{.*}}type = #npu.elem<f32>
    npu.vector {op = #npu.vec<row_sum>, type = #npu.elem<f32>, n = 64, a = 0, b = 0, y = 8192, outer = 4, a_stride = 256, y_stride = 4}
    // CHECK: npu.vector {{{.*}}op = #npu.vec<to_bf16>
    npu.vector {op = #npu.vec<to_bf16>, type = #npu.elem<f32>, n = 64, a = 0, b = 0, y = 8192}
  }
}

// RUN: gaon-opt %s --gaon-tile-to-npu | FileCheck %s
// RUN: gaon-opt %s --gaon-tile-to-npu | gaon-opt | FileCheck %s
// RUN: not gaon-opt %s --gaon-tile-to-npu=npu-config=nowhere.json 2>&1 | FileCheck %s --check-prefix=CONFIG

// tile -> npu on a hand-written plan: the conv's four row tiles of input
// stream through two SRAM buffers while the matrix engine works (the load
// engine waits for the matrix engine's step t-2 before reusing a buffer);
// the add waits for the convolution that writes its input; global pooling
// waits for the add. Every wait is derived from overlapping byte ranges.

// CHECK-LABEL: npu.program attributes {cores = 1 : i64, dram_bytes = 8192 : i64, tags = ["conv", "add", "gap"]}
// CHECK: npu.queue <load> core 0
// Weights and bias once, then input rows 0-3 (padded coordinates) into
// buffer 0 and rows 2-5 into buffer 1 without waiting.
// CHECK-NEXT: npu.dma_load {dram = 1024 : i64{{.*}}sizes = array<i64: 1, 1, 1, 576>, sram = 16384 : i64
// CHECK-NEXT: npu.dma_load {dram = 1664 : i64{{.*}}sram = 17024 : i64
// CHECK-NEXT: npu.signal {core = 0 : i64, semaphore = 0 : i64}
// CHECK-NEXT: npu.dma_load {dram = 0 : i64, dram_strides = array<i64: 0, 80, 8, 2>, elem_bytes = 2 : i64, sizes = array<i64: 1, 4, 10, 4>, sram = 17152 : i64
// CHECK-NEXT: npu.signal
// CHECK-NEXT: npu.dma_load {dram = 160 : i64{{.*}}sram = 17600 : i64
// CHECK-NEXT: npu.signal
// Buffer 0 again: only after the matrix engine's first tile.
// CHECK-NEXT: npu.wait {semaphore = 2 : i64, value = 1 : i64}
// CHECK-NEXT: npu.dma_load {dram = 320 : i64{{.*}}sram = 17152 : i64
// CHECK: npu.queue <matrix> core 0
// CHECK-NEXT: npu.wait {semaphore = 0 : i64, value = 2 : i64}
// One matmul per kernel row (K = 3 pixels x 4 channels), accumulating; the
// last adds the bias, applies ReLU and writes the resident output in place.
// CHECK-NEXT: npu.matmul {a = 17152 : i64, a_inner = 8 : i64, a_inner_stride = 8 : i64, a_outer = 2 : i64, a_outer_stride = 80 : i64, b = 16384 : i64{{.*}}k = 12 : i64, m = 16 : i64, mode = #npu.mode<bf16xbf16>, n = 8 : i64}
// CHECK-NEXT: npu.matmul {a = 17232 : i64{{.*}}accumulate
// CHECK-NEXT: npu.matmul {a = 17312 : i64{{.*}}accumulate{{.*}}bias = 17024 : i64{{.*}}out = 4096 : i64, out_outer_stride = 128 : i64, out_row_stride = 16 : i64, out_type = #npu.elem<bf16>, relu
// CHECK-NEXT: npu.signal {core = 0 : i64, semaphore = 2 : i64}
// Global pooling: ones times each of the 8 rows, scaled by 1/64.
// CHECK: npu.wait {semaphore = 3 : i64, tag = 2 : i64, value = 1 : i64}
// CHECK-NEXT: npu.matmul {a = 20000 : i64{{.*}}b = 12288 : i64, b_row_stride = 16 : i64{{.*}}k = 8 : i64, m = 1 : i64
// CHECK: npu.matmul {{{.*}}scale = 1.562500e-02 : f32
// CHECK: npu.queue <vector> core 0
// The add waits for all four conv tiles, then runs once over the image.
// CHECK-NEXT: npu.wait {semaphore = 2 : i64, tag = 1 : i64, value = 4 : i64}
// CHECK-NEXT: npu.vector {a = 4096 : i64, a_stride = 128 : i64, b = 8192 : i64, b_stride = 128 : i64, n = 64 : i64, op = #npu.vec<add>, outer = 8 : i64, tag = 1 : i64, type = #npu.elem<bf16>, y = 12288 : i64, y_stride = 128 : i64}
// CHECK-NEXT: npu.vector {{{.*}}op = #npu.vec<relu>
// CHECK-NEXT: npu.signal {core = 0 : i64, semaphore = 3 : i64, tag = 1 : i64}

// CONFIG: --npu-config must be edge, server or a JSON file; cannot read 'nowhere.json'

tile.segment attributes {dram_bytes = 8192, resident_bytes = 16384, tags = ["conv", "add", "gap"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 8, w = 8, c = 4, pad = 1}
  tile.tensor @y sram bf16 {base = 4096, n = 1, h = 8, w = 8, c = 8, pad = 0}
  tile.tensor @r sram bf16 {base = 8192, n = 1, h = 8, w = 8, c = 8, pad = 0}
  tile.tensor @s sram bf16 {base = 12288, n = 1, h = 8, w = 8, c = 8, pad = 0}
  tile.tensor @g sram bf16 {base = 0, n = 1, h = 1, w = 1, c = 8, pad = 0}
  tile.constant "conv.weights0" {dram = 1024, bytes = 576}
  tile.constant "conv.bias0" {dram = 1664, bytes = 32}
  tile.conv @x -> @y {geometry = #tile.conv<n = 1, cin = 4, h = 8, w = 8, cout = 8, oh = 8, ow = 8, kh = 3, kw = 3, sh = 1, sw = 1, dh = 1, dw = 1, pad_top = 1, pad_left = 1, pad_bottom = 1, pad_right = 1>, nt = 8, rows = 2, cols = 8, full_width = true, weights = array<i64: 1024>, bias = array<i64: 1664>, sram = array<i64: 16384, 0, 17024, 0, 17152, 17600, 18048, 0, 0>, relu, scale = 1.0 : f32, tag = 0}
  tile.eltwise "add" @y, @r -> @s {rows = 8, cols = 8, sram = array<i64: 0, 0, 0, 0, 0, 0>, bounds = 0, relu, tag = 1}
  tile.constant "gap.ones" {dram = 1728, bytes = 16}
  tile.load {dram = 1728, sram = 20000, bytes = 16, tag = 2}
  tile.global_pool @s -> @g {scale = 0.015625 : f32, rows = 8, sram = array<i64: 0, 0, 20000, 20032, 0, 0>, tag = 2}
}

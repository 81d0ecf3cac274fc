// RUN: gaon-opt %s | FileCheck %s
// RUN: gaon-opt %s | gaon-opt | FileCheck %s

// A plan for conv (3x3, pad 1) + ReLU, a residual add with ReLU, and global
// average pooling: the input streams from DRAM in double-buffered row tiles,
// everything after it stays resident in SRAM.

// CHECK-LABEL: tile.segment
// CHECK-SAME: dram_bytes = 8192 : i64, resident_bytes = 16384 : i64, tags = ["conv", "add", "gap"]
tile.segment attributes {dram_bytes = 8192, resident_bytes = 16384, tags = ["conv", "add", "gap"]} {
  // CHECK: tile.tensor @x dram bf16 {base = 0 : i64, c = 4 : i64, h = 8 : i64, n = 1 : i64, pad = 1 : i64, w = 8 : i64}
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 8, w = 8, c = 4, pad = 1}
  tile.tensor @y sram bf16 {base = 4096, n = 1, h = 8, w = 8, c = 8, pad = 0}
  tile.tensor @r sram bf16 {base = 8192, n = 1, h = 8, w = 8, c = 8, pad = 0}
  tile.tensor @s sram bf16 {base = 12288, n = 1, h = 8, w = 8, c = 8, pad = 0}
  tile.tensor @g sram bf16 {base = 0, n = 1, h = 1, w = 1, c = 8, pad = 0}
  // CHECK: tile.constant "conv.weights0" {bytes = 576 : i64, dram = 1024 : i64}
  tile.constant "conv.weights0" {dram = 1024, bytes = 576}
  tile.constant "conv.bias0" {dram = 1664, bytes = 32}
  // CHECK: tile.conv @x -> @y {{{.*}}full_width = true{{.*}}nt = 8 : i64, relu, rows = 2 : i64
  tile.conv @x -> @y {geometry = #tile.conv<n = 1, cin = 4, h = 8, w = 8, cout = 8, oh = 8, ow = 8, kh = 3, kw = 3, sh = 1, sw = 1, dh = 1, dw = 1, pad_top = 1, pad_left = 1, pad_bottom = 1, pad_right = 1>, nt = 8, rows = 2, cols = 8, full_width = true, weights = array<i64: 1024>, bias = array<i64: 1664>, sram = array<i64: 16384, 0, 17024, 0, 17152, 17600, 18048, 0, 0>, relu, scale = 1.0 : f32, tag = 0}
  // CHECK: tile.eltwise "add" @y, @r -> @s {{{.*}}relu
  tile.eltwise "add" @y, @r -> @s {rows = 8, cols = 8, sram = array<i64: 0, 0, 0, 0, 0, 0>, bounds = 0, relu, tag = 1}
  tile.constant "gap.ones" {dram = 1728, bytes = 16}
  // CHECK: tile.load {bytes = 16 : i64, dram = 1728 : i64, sram = 20000 : i64, tag = 2 : i64}
  tile.load {dram = 1728, sram = 20000, bytes = 16, tag = 2}
  // CHECK: tile.global_pool @s -> @g {rows = 8 : i64, scale = 1.562500e-02 : f32
  tile.global_pool @s -> @g {scale = 0.015625 : f32, rows = 8, sram = array<i64: 0, 0, 20000, 20032, 0, 0>, tag = 2}
}

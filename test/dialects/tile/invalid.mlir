// RUN: gaon-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{dram_bytes and resident_bytes must be non-negative}}
tile.segment attributes {dram_bytes = -1, resident_bytes = 0, tags = []} {
}

// -----

tile.segment attributes {dram_bytes = 64, resident_bytes = 0, tags = []} {
  // expected-error @+2 {{expected ::gaon::tile::Memory to be one of: dram, sram}}
  // expected-error @+1 {{failed to parse Tile_MemoryAttr parameter}}
  tile.tensor @x hbm bf16 {base = 0, n = 1, h = 1, w = 1, c = 1, pad = 0}
}

// -----

tile.segment attributes {dram_bytes = 64, resident_bytes = 0, tags = []} {
  // expected-error @+1 {{needs n, h, w, c >= 1, pad >= 0 and base >= 0}}
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 0, w = 1, c = 1, pad = 0}
}

// -----

tile.segment attributes {dram_bytes = 64, resident_bytes = 0, tags = []} {
  // expected-error @+1 {{[0, 128) lies outside the device memory of 64 bytes}}
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 8, w = 8, c = 1, pad = 0}
}

// -----

tile.segment attributes {dram_bytes = 64, resident_bytes = 0, tags = []} {
  // expected-error @+1 {{must be non-empty and inside device memory (64 bytes)}}
  tile.constant "w" {dram = 32, bytes = 64}
}

// -----

tile.segment attributes {dram_bytes = 64, resident_bytes = 0, tags = []} {
  // expected-error @+1 {{must copy a non-empty range of device memory}}
  tile.load {dram = 0, sram = 0, bytes = 0, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 64, resident_bytes = 0, tags = ["a"]} {
  // expected-error @+1 {{tag 3 names no source node (the segment has 1 tags)}}
  tile.load {dram = 0, sram = 0, bytes = 4, tag = 3}
}

// -----

tile.segment attributes {dram_bytes = 64, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 1, w = 1, c = 2, pad = 0}
  // expected-error @+1 {{zeroes resident tensors only; @x is in DRAM}}
  tile.zero @x {zeros = 0, zeros_bytes = 64, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 64, resident_bytes = 64, tags = ["a"]} {
  tile.tensor @x sram bf16 {base = 0, n = 1, h = 1, w = 1, c = 2, pad = 0}
  // expected-error @+1 {{needs a zero block of whole bf16 elements}}
  tile.zero @x {zeros = 0, zeros_bytes = 3, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 64, resident_bytes = 64, tags = ["a"]} {
  // expected-error @+1 {{target @nothing names no tile.tensor in the segment}}
  tile.zero @nothing {zeros = 0, zeros_bytes = 64, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{padding must be non-negative}}
  tile.conv @x -> @y {geometry = #tile.conv<n = 1, cin = 2, h = 4, w = 4, cout = 2, oh = 4, ow = 4, kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pad_top = 0, pad_left = -1, pad_bottom = 0, pad_right = 0>, nt = 2, rows = 1, cols = 4, full_width = true, weights = array<i64: 0>, bias = array<i64>, sram = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0>, scale = 1.0 : f32, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{geometry's kh must be positive}}
  tile.conv @x -> @y {geometry = #tile.conv<n = 1, cin = 2, h = 4, w = 4, cout = 2, oh = 4, ow = 4, kh = 0, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0>, nt = 2, rows = 1, cols = 4, full_width = true, weights = array<i64: 0>, bias = array<i64>, sram = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0>, scale = 1.0 : f32, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{padding must be non-negative}}
  tile.conv @x -> @y {geometry = #tile.conv<n = 1, cin = 2, h = 4, w = 4, cout = 2, oh = 4, ow = 4, kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pad_top = -1, pad_left = 0, pad_bottom = 0, pad_right = 0>, nt = 2, rows = 1, cols = 4, full_width = true, weights = array<i64: 0>, bias = array<i64>, sram = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0>, scale = 1.0 : f32, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{tiles of 2 channels x 5 rows x 4 columns do not fit the 2 x 4 x 4 output}}
  tile.conv @x -> @y {geometry = #tile.conv<n = 1, cin = 2, h = 4, w = 4, cout = 2, oh = 4, ow = 4, kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0>, nt = 2, rows = 5, cols = 4, full_width = true, weights = array<i64: 0>, bias = array<i64>, sram = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0>, scale = 1.0 : f32, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{weights must have 2 entries, got 1}}
  tile.conv @x -> @y {geometry = #tile.conv<n = 1, cin = 2, h = 4, w = 4, cout = 2, oh = 4, ow = 4, kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0>, nt = 1, rows = 1, cols = 4, full_width = true, weights = array<i64: 0>, bias = array<i64>, sram = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0>, scale = 1.0 : f32, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{bias must have 1 entries, got 2}}
  tile.conv @x -> @y {geometry = #tile.conv<n = 1, cin = 2, h = 4, w = 4, cout = 2, oh = 4, ow = 4, kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0>, nt = 2, rows = 1, cols = 4, full_width = true, weights = array<i64: 0>, bias = array<i64: 0, 8>, sram = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0>, scale = 1.0 : f32, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{sram must have 9 entries, got 2}}
  tile.conv @x -> @y {geometry = #tile.conv<n = 1, cin = 2, h = 4, w = 4, cout = 2, oh = 4, ow = 4, kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0>, nt = 2, rows = 1, cols = 4, full_width = true, weights = array<i64: 0>, bias = array<i64>, sram = array<i64: 0, 0>, scale = 1.0 : f32, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{input @x names no tile.tensor in the segment}}
  tile.conv @x -> @y {geometry = #tile.conv<n = 1, cin = 2, h = 4, w = 4, cout = 2, oh = 4, ow = 4, kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0>, nt = 2, rows = 1, cols = 4, full_width = true, weights = array<i64: 0>, bias = array<i64>, sram = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0>, scale = 1.0 : f32, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 3, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{input @x is not the 1x4x4x2 the geometry reads}}
  tile.conv @x -> @y {geometry = #tile.conv<n = 1, cin = 2, h = 4, w = 4, cout = 2, oh = 4, ow = 4, kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0>, nt = 2, rows = 1, cols = 4, full_width = true, weights = array<i64: 0>, bias = array<i64>, sram = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0>, scale = 1.0 : f32, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 2, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{output @y has no 1x4x4 channels [0, 2) for the geometry to write}}
  tile.conv @x -> @y {geometry = #tile.conv<n = 1, cin = 2, h = 4, w = 4, cout = 2, oh = 4, ow = 4, kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0>, nt = 2, rows = 1, cols = 4, full_width = true, weights = array<i64: 0>, bias = array<i64>, sram = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0>, scale = 1.0 : f32, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{input halo 0 is narrower than the padding}}
  tile.conv @x -> @y {geometry = #tile.conv<n = 1, cin = 2, h = 4, w = 4, cout = 2, oh = 4, ow = 4, kh = 3, kw = 3, sh = 1, sw = 1, dh = 1, dw = 1, pad_top = 1, pad_left = 1, pad_bottom = 1, pad_right = 1>, nt = 2, rows = 1, cols = 4, full_width = true, weights = array<i64: 0>, bias = array<i64>, sram = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0>, scale = 1.0 : f32, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{unknown op "div"}}
  tile.eltwise "div" @x, @x -> @x {rows = 1, cols = 4, sram = array<i64: 0, 0, 0, 0, 0, 0>, bounds = 0, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{a binary op needs b}}
  tile.eltwise "add" @x -> @x {rows = 1, cols = 4, sram = array<i64: 0, 0, 0, 0, 0, 0>, bounds = 0, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{a unary op takes no b}}
  tile.eltwise "relu" @x, @x -> @x {rows = 1, cols = 4, sram = array<i64: 0, 0, 0, 0, 0, 0>, bounds = 0, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{sram must have 6 entries, got 1}}
  tile.eltwise "relu" @x -> @x {rows = 1, cols = 4, sram = array<i64: 0>, bounds = 0, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 1, w = 4, c = 8, pad = 0}
  // expected-error @+1 {{sram must have 8 entries, got 6}}
  tile.eltwise "silu" @x -> @x {rows = 1, cols = 4, sram = array<i64: 0, 0, 0, 0, 0, 0>, bounds = 0, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 4, w = 4, c = 4, pad = 0}
  // expected-error @+1 {{a and y differ in shape}}
  tile.eltwise "relu" @x -> @y {rows = 1, cols = 4, sram = array<i64: 0, 0, 0, 0, 0, 0>, bounds = 0, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 4, w = 4, c = 4, pad = 0}
  // expected-error @+1 {{b and y differ in shape}}
  tile.eltwise "add" @x, @y -> @x {rows = 1, cols = 4, sram = array<i64: 0, 0, 0, 0, 0, 0>, bounds = 0, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{tiles must lie within the tensor's rows and columns}}
  tile.eltwise "relu" @x -> @x {rows = 5, cols = 4, sram = array<i64: 0, 0, 0, 0, 0, 0>, bounds = 0, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{padding must be non-negative}}
  tile.max_pool @x -> @x {window = #tile.window<kh = 2, kw = 2, sh = 1, sw = 1, dh = 1, dw = 1, pad_top = -1, pad_left = 0>, rows = 1, sram = array<i64: 0, 0, 0, 0, 0>, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{kernel, strides and dilations must be positive}}
  tile.max_pool @x -> @x {window = #tile.window<kh = 2, kw = 2, sh = 0, sw = 2, dh = 1, dw = 1, pad_top = 0, pad_left = 0>, rows = 1, sram = array<i64: 0, 0, 0, 0, 0>, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 2, w = 2, c = 4, pad = 0}
  // expected-error @+1 {{input and output differ in images or channels}}
  tile.max_pool @x -> @y {window = #tile.window<kh = 2, kw = 2, sh = 2, sw = 2, dh = 1, dw = 1, pad_top = 0, pad_left = 0>, rows = 1, sram = array<i64: 0, 0, 0, 0, 0>, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 2, w = 2, c = 2, pad = 0}
  // expected-error @+1 {{rows must be in [1, 2]}}
  tile.max_pool @x -> @y {window = #tile.window<kh = 2, kw = 2, sh = 2, sw = 2, dh = 1, dw = 1, pad_top = 0, pad_left = 0>, rows = 3, sram = array<i64: 0, 0, 0, 0, 0>, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 1, w = 1, c = 2, pad = 0}
  // expected-error @+1 {{sram must have 6 entries, got 5}}
  tile.global_pool @x -> @y {scale = 1.0 : f32, rows = 4, sram = array<i64: 0, 0, 0, 0, 0>, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 1, w = 1, c = 3, pad = 0}
  // expected-error @+1 {{the output must have the input's channels and no halo}}
  tile.global_pool @x -> @y {scale = 1.0 : f32, rows = 4, sram = array<i64: 0, 0, 0, 0, 0, 0>, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 1, w = 1, c = 2, pad = 0}
  // expected-error @+1 {{rows must be in [1, 4]}}
  tile.global_pool @x -> @y {scale = 1.0 : f32, rows = 0, sram = array<i64: 0, 0, 0, 0, 0, 0>, tag = 0}
}

// -----

// expected-error @+1 {{cores must be in [1, 1024], got 0}}
tile.segment attributes {dram_bytes = 64, resident_bytes = 0, tags = [], cores = 0} {
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"], cores = 2} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 4, w = 4, c = 4, pad = 0}
  // expected-error @+1 {{output @y has no 1x4x4 channels [3, 5) for the geometry to write}}
  tile.conv @x -> @y {geometry = #tile.conv<n = 1, cin = 2, h = 4, w = 4, cout = 2, oh = 4, ow = 4, kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0>, nt = 2, rows = 1, cols = 4, full_width = true, weights = array<i64: 0>, bias = array<i64>, sram = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0>, scale = 1.0 : f32, tag = 0, core = 1, out_channel_offset = 3}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"], cores = 2} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 4, w = 4, c = 4, pad = 0}
  // expected-error @+1 {{runs on core 2 of a 2-core segment}}
  tile.conv @x -> @y {geometry = #tile.conv<n = 1, cin = 2, h = 4, w = 4, cout = 2, oh = 4, ow = 4, kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0>, nt = 2, rows = 1, cols = 4, full_width = true, weights = array<i64: 0>, bias = array<i64>, sram = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0>, scale = 1.0 : f32, tag = 0, core = 2}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 1, w = 4, c = 8, pad = 0}
  // expected-error @+1 {{kind must be softmax, layer_norm or rms_norm, got "group_norm"}}
  tile.rows "group_norm" @x -> @x {rows = 1, sram = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0>, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 1, w = 4, c = 8, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 1, w = 4, c = 4, pad = 0}
  // expected-error @+1 {{input and output must have one shape and no halo}}
  tile.rows "softmax" @x -> @y {rows = 1, sram = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0>, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 1, w = 4, c = 8, pad = 0}
  // expected-error @+1 {{rows must be in [1, 4]}}
  tile.rows "softmax" @x -> @x {rows = 5, sram = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0>, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 1, w = 4, c = 8, pad = 0}
  // expected-error @+1 {{sram must have 9 entries, got 2}}
  tile.rows "softmax" @x -> @x {rows = 1, sram = array<i64: 0, 0>, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  // expected-error @+2 {{expected ::gaon::tile::ElemType to be one of: bf16, i8, u8}}
  // expected-error @+1 {{failed to parse Tile_ElemTypeAttr parameter}}
  tile.tensor @x dram i4 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram u8 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram i8 {base = 1024, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{an integer convolution reads and writes 8-bit tensors, a float one bf16 tensors}}
  tile.conv @x -> @y {geometry = #tile.conv<n = 1, cin = 2, h = 4, w = 4, cout = 2, oh = 4, ow = 4, kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0>, nt = 2, rows = 1, cols = 4, full_width = true, weights = array<i64: 0>, bias = array<i64: 64>, sram = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0>, scale = 1.0 : f32, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram u8 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram u8 {base = 1024, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{clamp [-128, 127] must lie within the output's [0, 255]}}
  tile.conv @x -> @y {geometry = #tile.conv<n = 1, cin = 2, h = 4, w = 4, cout = 2, oh = 4, ow = 4, kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0>, nt = 2, rows = 1, cols = 4, full_width = true, weights = array<i64: 0>, bias = array<i64: 64>, integer, sram = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0>, scale = 1.0 : f32, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram u8 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram i8 {base = 1024, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{an integer convolution needs its bias and requantization constants}}
  tile.conv @x -> @y {geometry = #tile.conv<n = 1, cin = 2, h = 4, w = 4, cout = 2, oh = 4, ow = 4, kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0>, nt = 2, rows = 1, cols = 4, full_width = true, weights = array<i64: 0>, bias = array<i64>, integer, sram = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0>, scale = 1.0 : f32, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram u8 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram i8 {base = 1024, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{preloaded must have 2 entries, got 1}}
  tile.conv @x -> @y {geometry = #tile.conv<n = 1, cin = 2, h = 4, w = 4, cout = 2, oh = 4, ow = 4, kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0>, nt = 2, rows = 1, cols = 4, full_width = true, weights = array<i64: 0>, bias = array<i64: 64>, integer, preloaded = array<i64: 8192>, sram = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0>, scale = 1.0 : f32, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram u8 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram u8 {base = 1024, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{qadd takes 9 params, quantize and dequantize 3, the other ops none}}
  tile.eltwise "qadd" @x, @x -> @y {rows = 1, cols = 4, sram = array<i64: 0, 0, 0, 0, 0, 0>, bounds = 0, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{qadd reads 8-bit tensors, the other ops bf16}}
  tile.eltwise "qadd" @x, @x -> @y {rows = 1, cols = 4, sram = array<i64: 0, 0, 0, 0, 0, 0>, bounds = 0, tag = 0, params = array<i64: 0, 0, 1, 1, 1073741824, 0, 0, -128, 127>}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{weight_bits must be 0 (as the input), 8 or 4, got 2}}
  tile.conv @x -> @y {geometry = #tile.conv<n = 1, cin = 2, h = 4, w = 4, cout = 2, oh = 4, ow = 4, kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0>, nt = 2, rows = 1, cols = 4, full_width = true, weights = array<i64: 0>, bias = array<i64: 64>, weight_bits = 2, group_size = 2, sram = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0>, scale = 1.0 : f32, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram i8 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram i8 {base = 1024, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{weight-only weights are for float 1x1 convolutions (matmuls)}}
  tile.conv @x -> @y {geometry = #tile.conv<n = 1, cin = 2, h = 4, w = 4, cout = 2, oh = 4, ow = 4, kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0>, nt = 2, rows = 1, cols = 4, full_width = true, weights = array<i64: 0>, bias = array<i64: 64>, weight_bits = 4, group_size = 2, integer, sram = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0>, scale = 1.0 : f32, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{weight-only weights need group_size >= 1 and a bias constant holding the scales}}
  tile.conv @x -> @y {geometry = #tile.conv<n = 1, cin = 2, h = 4, w = 4, cout = 2, oh = 4, ow = 4, kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0>, nt = 2, rows = 1, cols = 4, full_width = true, weights = array<i64: 0>, bias = array<i64: 64>, weight_bits = 8, sram = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0>, scale = 1.0 : f32, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{group_size is for weight-only weights (weight_bits 8 or 4)}}
  tile.conv @x -> @y {geometry = #tile.conv<n = 1, cin = 2, h = 4, w = 4, cout = 2, oh = 4, ow = 4, kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0>, nt = 2, rows = 1, cols = 4, full_width = true, weights = array<i64: 0>, bias = array<i64: 64>, group_size = 2, sram = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0>, scale = 1.0 : f32, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram i8 {base = 1024, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{quantize and dequantize take a scale, the other ops none}}
  tile.eltwise "quantize" @x -> @y {rows = 4, cols = 4, sram = array<i64: 0, 0, 0, 0, 0, 0>, bounds = 0, tag = 0, params = array<i64: 0, -128, 127>}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{qadd reads and writes 8-bit tensors, quantize reads bf16 and writes 8 bits, dequantize the reverse, the other ops bf16}}
  tile.eltwise "dequantize" @x -> @y {rows = 4, cols = 4, sram = array<i64: 0, 0, 0, 0, 0, 0>, bounds = 0, tag = 0, params = array<i64: 0, -128, 127>, scale = 0.5 : f32}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{k_chunk 2 must be 1 to cin - 1 (1) on a 1x1 convolution whose weights are not preloaded}}
  tile.conv @x -> @y {geometry = #tile.conv<n = 1, cin = 2, h = 4, w = 4, cout = 2, oh = 4, ow = 4, kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0>, nt = 2, rows = 1, cols = 4, full_width = true, weights = array<i64: 0>, bias = array<i64: 64>, k_chunk = 2, sram = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0>, scale = 1.0 : f32, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 8, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{k_chunk 2 must be a multiple of group_size 4}}
  tile.conv @x -> @y {geometry = #tile.conv<n = 1, cin = 8, h = 4, w = 4, cout = 2, oh = 4, ow = 4, kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0>, nt = 2, rows = 1, cols = 4, full_width = true, weights = array<i64: 0>, bias = array<i64: 64>, weight_bits = 8, group_size = 4, k_chunk = 2, sram = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0>, scale = 1.0 : f32, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 8, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{chunk_input needs k_chunk, an input in DRAM and one tile of every output pixel of one image}}
  tile.conv @x -> @y {geometry = #tile.conv<n = 1, cin = 8, h = 4, w = 4, cout = 2, oh = 4, ow = 4, kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0>, nt = 2, rows = 1, cols = 4, full_width = true, weights = array<i64: 0>, bias = array<i64: 64>, k_chunk = 4, chunk_input, sram = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0>, scale = 1.0 : f32, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"], cores = 2} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{span must be columns [begin, end) within the tensor's 4, over operands in DRAM}}
  tile.eltwise "relu" @x -> @y {rows = 4, cols = 2, sram = array<i64: 0, 0, 0, 0, 0, 0>, bounds = 0, tag = 0, core = 1, span = array<i64: 2, 5>}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 4, w = 4, c = 2, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 4, w = 4, c = 2, pad = 0}
  // expected-error @+1 {{runs on core 1 of a 1-core segment}}
  tile.eltwise "relu" @x -> @y {rows = 4, cols = 4, sram = array<i64: 0, 0, 0, 0, 0, 0>, bounds = 0, tag = 0, core = 1}
}

// -----

tile.segment attributes {dram_bytes = 4096, resident_bytes = 0, tags = ["a"], cores = 2} {
  tile.tensor @x dram bf16 {base = 0, n = 1, h = 1, w = 4, c = 8, pad = 0}
  tile.tensor @y dram bf16 {base = 1024, n = 1, h = 1, w = 4, c = 8, pad = 0}
  // expected-error @+1 {{span must be rows [begin, end) within the tensor's 4, over tensors in DRAM}}
  tile.rows "softmax" @x -> @y {rows = 2, sram = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0>, tag = 0, core = 1, span = array<i64: 3, 3>}
}

// -----

// A tile.attention's operands must be the rows it walks: here the key cache
// is channels-last-sized wrong (8 rows, not 1 x 2 x 8 = 16).
tile.segment attributes {dram_bytes = 8192, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @q dram bf16 {base = 0, n = 1, h = 1, w = 1, c = 64, pad = 0}
  tile.tensor @k dram bf16 {base = 128, n = 1, h = 1, w = 1, c = 32, pad = 0}
  tile.tensor @v dram bf16 {base = 192, n = 1, h = 1, w = 1, c = 32, pad = 0}
  tile.tensor @o dram bf16 {base = 256, n = 1, h = 1, w = 1, c = 64, pad = 0}
  tile.tensor @kc dram bf16 {base = 512, n = 1, h = 1, w = 8, c = 16, pad = 0, rows}
  tile.tensor @vc dram bf16 {base = 1024, n = 1, h = 1, w = 16, c = 16, pad = 0, rows}
  // expected-error @+1 {{@kc must be 16 rows of 16 bf16 in DRAM}}
  tile.attention @q, @k, @v -> @o {batch = 1, seq = 1, heads = 4, kv_heads = 2, head_dim = 16, max_len = 8, rotary = 0, cos_rows = 0, window = 0, scale = 0.25 : f32, position_param = 0, query_tile = 1, key_block = 8, key_buffers = 1, sram = 0, sram_bytes = 4096, items = array<i64: 0, 2>, k_cache = @kc, v_cache = @vc, tag = 0}
}

// -----

tile.segment attributes {dram_bytes = 8192, resident_bytes = 0, tags = ["a"]} {
  tile.tensor @q dram bf16 {base = 0, n = 1, h = 1, w = 1, c = 64, pad = 0}
  tile.tensor @kc dram bf16 {base = 512, n = 1, h = 1, w = 16, c = 16, pad = 0, rows}
  // expected-error @+1 {{needs positive sizes, heads a multiple of kv_heads, max_len >= seq and a working SRAM region}}
  tile.attention @q, @q, @q -> @q {batch = 1, seq = 1, heads = 3, kv_heads = 2, head_dim = 16, max_len = 8, rotary = 0, cos_rows = 0, window = 0, scale = 0.25 : f32, position_param = 0, query_tile = 1, key_block = 8, key_buffers = 1, sram = 0, sram_bytes = 4096, items = array<i64: 0, 2>, k_cache = @kc, v_cache = @kc, tag = 0}
}

// -----

// Parameter operands come last, are static i64 tensors, and have a range.
func.func @params(%x: tensor<1x4xf32>, %p: tensor<1xi64>) {
  // expected-error @+1 {{param_inputs names operand 0; parameter operands are the last 1 of 2}}
  tile.segment(%x, %p : tensor<1x4xf32>, tensor<1xi64>) attributes {dram_bytes = 64, resident_bytes = 0, tags = ["a"], input_tensors = [@x], param_inputs = array<i64: 0, 0, 0, 7>} {
    tile.tensor @x dram bf16 {base = 0, n = 1, h = 1, w = 1, c = 4, pad = 0}
  }
  return
}

// -----

func.func @params(%x: tensor<1x4xf32>, %p: tensor<1xi64>) {
  // expected-error @+1 {{param_inputs range [7, 0] is empty}}
  tile.segment(%x, %p : tensor<1x4xf32>, tensor<1xi64>) attributes {dram_bytes = 64, resident_bytes = 0, tags = ["a"], input_tensors = [@x], param_inputs = array<i64: 1, 0, 7, 0>} {
    tile.tensor @x dram bf16 {base = 0, n = 1, h = 1, w = 1, c = 4, pad = 0}
  }
  return
}

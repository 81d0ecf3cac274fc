// RUN: gaon-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{cores must be in [1, 1024], got 0}}
npu.program attributes {cores = 0, dram_bytes = 0, tags = []} {
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  // expected-error @+1 {{core 1 is not one of the program's 1 cores}}
  npu.queue <load> core 1 {
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <load> core 0 {
  }
  // expected-error @+1 {{is the second load queue of core 0}}
  npu.queue <load> core 0 {
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <matrix> core 0 {
    // expected-error @+1 {{runs on the load engine, not in a matrix queue}}
    npu.dma_load {dram = 0, sram = 0, elem_bytes = 1, sizes = array<i64: 1, 1, 1, 8>, dram_strides = array<i64: 0, 0, 0, 1>, sram_strides = array<i64: 0, 0, 0, 1>}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <load> core 0 {
    // expected-error @+1 {{needs 4 sizes and 4 strides per side}}
    npu.dma_load {dram = 0, sram = 0, elem_bytes = 1, sizes = array<i64: 8>, dram_strides = array<i64: 1>, sram_strides = array<i64: 1>}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <store> core 0 {
    // expected-error @+1 {{sizes must be in [1, 2^32), got 0}}
    npu.dma_store {dram = 0, sram = 0, elem_bytes = 1, sizes = array<i64: 1, 1, 0, 8>, dram_strides = array<i64: 0, 0, 8, 1>, sram_strides = array<i64: 0, 0, 8, 1>}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <load> core 0 {
    // expected-error @+1 {{elem_bytes must be 1 to 8, got 16}}
    npu.dma_load {dram = 0, sram = 0, elem_bytes = 16, sizes = array<i64: 1, 1, 1, 8>, dram_strides = array<i64: 0, 0, 0, 16>, sram_strides = array<i64: 0, 0, 0, 16>}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <load> core 0 {
    // expected-error @+1 {{sram must be non-negative, got -64}}
    npu.dma_load {dram = 0, sram = -64, elem_bytes = 1, sizes = array<i64: 1, 1, 1, 8>, dram_strides = array<i64: 0, 0, 0, 1>, sram_strides = array<i64: 0, 0, 0, 1>}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = ["conv1"]} {
  npu.queue <load> core 0 {
    // expected-error @+1 {{tag 1 names no source node (the program has 1 tags)}}
    npu.dma_load {dram = 0, sram = 0, elem_bytes = 1, sizes = array<i64: 1, 1, 1, 8>, dram_strides = array<i64: 0, 0, 0, 1>, sram_strides = array<i64: 0, 0, 0, 1>, tag = 1}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <matrix> core 0 {
    // expected-error @+1 {{matmul needs m, n and k of at least 1}}
    npu.matmul {mode = #npu.mode<i8xi8>, m = 4, n = 4, k = 0, a = 0, a_outer = 1, a_inner = 4, a_outer_stride = 0, a_inner_stride = 4, b = 0, b_row_stride = 4, c = 64, c_row_stride = 16}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <matrix> core 0 {
    // expected-error @+1 {{a_outer * a_inner must equal m: 2 * 3 != 4}}
    npu.matmul {mode = #npu.mode<i8xi8>, m = 4, n = 4, k = 4, a = 0, a_outer = 2, a_inner = 3, a_outer_stride = 12, a_inner_stride = 4, b = 0, b_row_stride = 4, c = 64, c_row_stride = 16}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <matrix> core 0 {
    // expected-error @+1 {{has output-stage attributes but no `out`}}
    npu.matmul {mode = #npu.mode<i8xi8>, m = 4, n = 4, k = 4, a = 0, a_outer = 1, a_inner = 4, a_outer_stride = 0, a_inner_stride = 4, b = 0, b_row_stride = 4, c = 64, c_row_stride = 16, requant = 128}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <matrix> core 0 {
    // expected-error @+1 {{with `out` needs out_type and out_row_stride}}
    npu.matmul {mode = #npu.mode<i8xi8>, m = 4, n = 4, k = 4, a = 0, a_outer = 1, a_inner = 4, a_outer_stride = 0, a_inner_stride = 4, b = 0, b_row_stride = 4, c = 64, c_row_stride = 16, out = 256}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <matrix> core 0 {
    // expected-error @+1 {{an integer matmul stores i8, u8 or i32, not bf16}}
    npu.matmul {mode = #npu.mode<i8xi8>, m = 4, n = 4, k = 4, a = 0, a_outer = 1, a_inner = 4, a_outer_stride = 0, a_inner_stride = 4, b = 0, b_row_stride = 4, c = 64, c_row_stride = 16, out = 256, out_type = #npu.elem<bf16>, out_row_stride = 8}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <matrix> core 0 {
    // expected-error @+1 {{a bf16 matmul stores bf16 or f32, not i8}}
    npu.matmul {mode = #npu.mode<bf16xbf16>, m = 4, n = 4, k = 4, a = 0, a_outer = 1, a_inner = 4, a_outer_stride = 0, a_inner_stride = 8, b = 0, b_row_stride = 8, c = 64, c_row_stride = 16, out = 256, out_type = #npu.elem<i8>, out_row_stride = 4}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <matrix> core 0 {
    // expected-error @+1 {{stores 8-bit results, so it needs `requant`}}
    npu.matmul {mode = #npu.mode<i8xi8>, m = 4, n = 4, k = 4, a = 0, a_outer = 1, a_inner = 4, a_outer_stride = 0, a_inner_stride = 4, b = 0, b_row_stride = 4, c = 64, c_row_stride = 16, out = 256, out_type = #npu.elem<i8>, out_row_stride = 4}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <matrix> core 0 {
    // expected-error @+1 {{does not requantize, so it takes no `requant`}}
    npu.matmul {mode = #npu.mode<i8xi8>, m = 4, n = 4, k = 4, a = 0, a_outer = 1, a_inner = 4, a_outer_stride = 0, a_inner_stride = 4, b = 0, b_row_stride = 4, c = 64, c_row_stride = 16, out = 256, out_type = #npu.elem<i32>, out_row_stride = 16, requant = 512}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <matrix> core 0 {
    // expected-error @+1 {{relu is for bf16 matmuls; an integer one clamps with clamp_lo}}
    npu.matmul {mode = #npu.mode<u8xi8>, m = 4, n = 4, k = 4, a = 0, a_outer = 1, a_inner = 4, a_outer_stride = 0, a_inner_stride = 4, b = 0, b_row_stride = 4, c = 64, c_row_stride = 16, out = 256, out_type = #npu.elem<u8>, out_row_stride = 4, requant = 512, relu}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <matrix> core 0 {
    // expected-error @+1 {{clamp [-5, 127] must lie within u8's [0, 255]}}
    npu.matmul {mode = #npu.mode<u8xi8>, m = 4, n = 4, k = 4, a = 0, a_outer = 1, a_inner = 4, a_outer_stride = 0, a_inner_stride = 4, b = 0, b_row_stride = 4, c = 64, c_row_stride = 16, out = 256, out_type = #npu.elem<u8>, out_row_stride = 4, requant = 512, clamp_lo = -5}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <vector> core 0 {
    // expected-error @+1 {{b_step must be 0 (broadcast) or 1, got 2}}
    npu.vector {op = #npu.vec<add>, type = #npu.elem<f32>, n = 16, a = 0, b = 64, y = 128, b_step = 2}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <vector> core 0 {
    // expected-error @+1 {{n must be non-negative, got -1}}
    npu.vector {op = #npu.vec<relu>, type = #npu.elem<f32>, n = -1, a = 0, b = 0, y = 128}
  }
}

// -----

npu.program attributes {cores = 2, dram_bytes = 0, tags = []} {
  npu.queue <vector> core 0 {
    // expected-error @+1 {{signals core 2 of a 2-core program}}
    npu.signal {semaphore = 0, core = 2}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <load> core 0 {
    // expected-error @+1 {{semaphore 32 does not exist (32 per core)}}
    npu.signal {semaphore = 32, core = 0}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <load> core 0 {
    // expected-error @+1 {{semaphore must be in [0, 32), got -1}}
    npu.wait {semaphore = -1, value = 1}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <load> core 0 {
    // expected-error @+1 {{a wait needs a count of at least 1}}
    npu.wait {semaphore = 0, value = 0}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  // expected-error @+1 {{is not a queue; a program holds only npu.queue ops}}
  npu.signal {semaphore = 0, core = 0}
}

// -----

// expected-error @+1 {{expects parent op 'npu.queue'}}
npu.wait {semaphore = 0, value = 1}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <matrix> core 0 {
    // expected-error @+1 {{scale is for bf16 matmuls}}
    npu.matmul {mode = #npu.mode<i8xi8>, m = 1, n = 1, k = 1, a = 0, a_outer = 1, a_inner = 1, a_outer_stride = 0, a_inner_stride = 0, b = 64, b_row_stride = 1, c = 128, c_row_stride = 4, out = 256, out_type = #npu.elem<i32>, out_row_stride = 4, scale = 0.5 : f32}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <vector> core 0 {
    // expected-error @+1 {{outer must be in [1, 2^32)}}
    npu.vector {op = #npu.vec<add>, type = #npu.elem<f32>, n = 4, a = 0, b = 16, y = 32, outer = 0}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <vector> core 0 {
    // expected-error @+1 {{exp takes f32 or bf16, not i8}}
    npu.vector {op = #npu.vec<exp>, type = #npu.elem<i8>, n = 4, a = 0, b = 0, y = 32}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <vector> core 0 {
    // expected-error @+1 {{to_f32 converts bf16, not f32}}
    npu.vector {op = #npu.vec<to_f32>, type = #npu.elem<f32>, n = 4, a = 0, b = 0, y = 32}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <vector> core 0 {
    // expected-error @+1 {{to_bf16 converts f32, not bf16}}
    npu.vector {op = #npu.vec<to_bf16>, type = #npu.elem<bf16>, n = 4, a = 0, b = 0, y = 32}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <vector> core 0 {
    // expected-error @+1 {{requant reads i32, i8 or u8, not bf16}}
    npu.vector {op = #npu.vec<requant>, type = #npu.elem<bf16>, out_type = #npu.elem<i8>, n = 4, a = 0, b = 0, y = 32}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <vector> core 0 {
    // expected-error @+1 {{qadd needs b_type}}
    npu.vector {op = #npu.vec<qadd>, type = #npu.elem<i8>, out_type = #npu.elem<i8>, n = 4, a = 0, b = 0, y = 32}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <vector> core 0 {
    // expected-error @+1 {{requant, qadd, quantize and dequantize need out_type}}
    npu.vector {op = #npu.vec<requant>, type = #npu.elem<i32>, n = 4, a = 0, b = 0, y = 32}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <vector> core 0 {
    // expected-error @+1 {{clamp [-1, 255] must lie within u8's [0, 255]}}
    npu.vector {op = #npu.vec<requant>, type = #npu.elem<i32>, out_type = #npu.elem<u8>, n = 4, a = 0, b = 0, y = 32, clamp_lo = -1, clamp_hi = 255}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <vector> core 0 {
    // expected-error @+1 {{the multiplier must be in [0, 2^31) and the shift in [0, 31]}}
    npu.vector {op = #npu.vec<requant>, type = #npu.elem<i32>, out_type = #npu.elem<i8>, n = 4, a = 0, b = 0, y = 32, shift = 32}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <vector> core 0 {
    // expected-error @+1 {{qadd's operand multipliers must be at most 2^20}}
    npu.vector {op = #npu.vec<qadd>, type = #npu.elem<i8>, b_type = #npu.elem<i8>, out_type = #npu.elem<i8>, n = 4, a = 0, b = 0, y = 32, mul_b = 1048577}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <vector> core 0 {
    // expected-error @+1 {{zero points must be within [-255, 255]}}
    npu.vector {op = #npu.vec<qadd>, type = #npu.elem<i8>, b_type = #npu.elem<i8>, out_type = #npu.elem<i8>, n = 4, a = 0, b = 0, y = 32, zero_b = 256}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <vector> core 0 {
    // expected-error @+1 {{b_type and out_type belong to requant, qadd, quantize and dequantize}}
    npu.vector {op = #npu.vec<add>, type = #npu.elem<i8>, out_type = #npu.elem<i8>, n = 4, a = 0, b = 0, y = 32}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <matrix> core 0 {
    // expected-error @+1 {{a weight-only mode needs `scales` and `group`}}
    npu.matmul {mode = #npu.mode<bf16xi4>, m = 4, n = 4, k = 4, a = 0, a_outer = 1, a_inner = 4, a_outer_stride = 0, a_inner_stride = 8, b = 64, b_row_stride = 2, c = 128, c_row_stride = 16, scales = 256}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <matrix> core 0 {
    // expected-error @+1 {{only weight-only modes (bf16xi8, bf16xi4) take `scales` and `group`}}
    npu.matmul {mode = #npu.mode<bf16xbf16>, m = 4, n = 4, k = 4, a = 0, a_outer = 1, a_inner = 4, a_outer_stride = 0, a_inner_stride = 8, b = 64, b_row_stride = 8, c = 128, c_row_stride = 16, scales = 256, group = 2}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <matrix> core 0 {
    // expected-error @+1 {{a weight-only matmul needs a group of at least 1}}
    npu.matmul {mode = #npu.mode<bf16xi8>, m = 4, n = 4, k = 4, a = 0, a_outer = 1, a_inner = 4, a_outer_stride = 0, a_inner_stride = 8, b = 64, b_row_stride = 4, c = 128, c_row_stride = 16, scales = 256, group = 0}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <matrix> core 0 {
    // expected-error @+1 {{scales must be non-negative}}
    npu.matmul {mode = #npu.mode<bf16xi8>, m = 4, n = 4, k = 4, a = 0, a_outer = 1, a_inner = 4, a_outer_stride = 0, a_inner_stride = 8, b = 64, b_row_stride = 4, c = 128, c_row_stride = 16, scales = -4, group = 2}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <vector> core 0 {
    // expected-error @+1 {{scale belongs to quantize, dequantize and fill, which need it}}
    npu.vector {op = #npu.vec<quantize>, type = #npu.elem<bf16>, n = 4, a = 0, b = 0, y = 64, out_type = #npu.elem<i8>}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <vector> core 0 {
    // expected-error @+1 {{quantize reads bf16 or f32 and writes i8 or u8 (out_type)}}
    npu.vector {op = #npu.vec<quantize>, type = #npu.elem<i8>, n = 4, a = 0, b = 0, y = 64, out_type = #npu.elem<i8>, scale = 0.5 : f32}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <vector> core 0 {
    // expected-error @+1 {{dequantize reads i8 or u8 and writes bf16 or f32 (out_type)}}
    npu.vector {op = #npu.vec<dequantize>, type = #npu.elem<u8>, n = 4, a = 0, b = 0, y = 64, out_type = #npu.elem<i8>, scale = 0.5 : f32}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <vector> core 0 {
    // expected-error @+1 {{quantize and dequantize need a finite scale above 0}}
    npu.vector {op = #npu.vec<dequantize>, type = #npu.elem<u8>, n = 4, a = 0, b = 0, y = 64, out_type = #npu.elem<bf16>, scale = 0.0 : f32}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <vector> core 0 {
    // expected-error @+1 {{clamp [0, 300] must lie within u8's [0, 255]}}
    npu.vector {op = #npu.vec<quantize>, type = #npu.elem<f32>, n = 4, a = 0, b = 0, y = 64, out_type = #npu.elem<u8>, scale = 0.5 : f32, clamp_lo = 0, clamp_hi = 300}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <vector> core 0 {
    // expected-error @+1 {{qadd reads i8 or u8 operands (type, b_type)}}
    npu.vector {op = #npu.vec<qadd>, type = #npu.elem<i8>, b_type = #npu.elem<bf16>, out_type = #npu.elem<i8>, n = 4, a = 0, b = 0, y = 32}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <vector> core 0 {
    // expected-error @+1 {{requant and qadd write i8 or u8 (out_type)}}
    npu.vector {op = #npu.vec<requant>, type = #npu.elem<i32>, out_type = #npu.elem<bf16>, n = 4, a = 0, b = 0, y = 32}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 0, tags = []} {
  npu.queue <vector> core 0 {
    // expected-error @+1 {{vector a and its stride must be multiples of the element size (2 bytes)}}
    npu.vector {op = #npu.vec<relu>, type = #npu.elem<bf16>, n = 4, a = 1, b = 0, y = 32}
  }
}

// -----

// Run-time parameters (format version 7).
npu.program attributes {cores = 1, dram_bytes = 4096, tags = ["x"], params = 1} {
  npu.queue <load> core 0 {
    // expected-error @+1 {{dram_param reads run-time parameter 1 of a program with 1}}
    npu.dma_load {dram = 0, sram = 0, elem_bytes = 2, sizes = array<i64: 1, 1, 1, 16>, dram_strides = array<i64: 0, 0, 0, 2>, sram_strides = array<i64: 0, 0, 0, 2>, dram_param = 1, dram_param_stride = 32}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 4096, tags = ["x"], params = 1} {
  npu.queue <load> core 0 {
    // expected-error @+1 {{guard_min exceeds guard_max: the instruction would never run}}
    npu.dma_load {dram = 0, sram = 0, elem_bytes = 2, sizes = array<i64: 1, 1, 1, 16>, dram_strides = array<i64: 0, 0, 0, 2>, sram_strides = array<i64: 0, 0, 0, 2>, guard_param = 0, guard_min = 5, guard_max = 4}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 4096, tags = ["x"], params = 1} {
  npu.queue <vector> core 0 {
    // expected-error @+1 {{mask needs the parameter holding the first query's position (mask_param)}}
    npu.vector {op = #npu.vec<mask>, type = #npu.elem<f32>, n = 8, a = 0, b = 0, y = 0}
  }
}

// -----

npu.program attributes {cores = 1, dram_bytes = 4096, tags = ["x"]} {
  npu.queue <matrix> core 0 {
    // expected-error @+1 {{a transposed B is for bf16xbf16 matmuls, not i8xi8}}
    npu.matmul {mode = #npu.mode<i8xi8>, m = 1, n = 1, k = 1, a = 0, a_outer = 1, a_inner = 1, a_outer_stride = 0, a_inner_stride = 1, b = 64, b_row_stride = 1, c = 128, c_row_stride = 4, b_transposed}
  }
}

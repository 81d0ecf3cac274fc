// RUN: gaon-opt %s -split-input-file -verify-diagnostics --gaon-tile-to-npu

// The edge NPU has 2 cores.
// expected-error @+1 {{plans for 4 cores; the edge NPU has 2}}
tile.segment attributes {cores = 4, dram_bytes = 64, resident_bytes = 0, tags = ["x"]} {
}

// -----

// The edge NPU has 16 MiB of SRAM per core.
// expected-error @+1 {{resident tensors take 33554432 bytes; the edge NPU has 16777216 bytes of SRAM per core}}
tile.segment attributes {dram_bytes = 64, resident_bytes = 33554432, tags = ["x"]} {
}

// RUN: gaon-opt %s -verify-diagnostics --gaon-npu-select-schedule

// A plan must be lowered before it can be timed.
// expected-error @+1 {{has no npu.program to estimate; run gaon-tile-to-npu first}}
tile.segment attributes {dram_bytes = 64, resident_bytes = 0, tags = ["x"]} {
}

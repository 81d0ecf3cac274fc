"""Writes a hand-built NPU binary in JSON form (for flatc) with its weights.

y = requant(x @ W + bias): x int8 [4, 64] (input), W int8 [64, 32], bias
int32 [32], per-channel multipliers and shifts int32 [32, 2] (constants),
y int8 [4, 32] (output), on one core of the edge NPU: one DMA load, one
matmul with its output stage, one DMA store, ordered by two semaphores.

Usage: make_npu_gnb.py DIR [VARIANT]   (writes VARIANT.json, default npu,
  and npu.gnb.weights, x.npy, expected.npy into DIR)
Variants damage the program: race (the matmul does not wait for the load),
cores (3 cores on a 2-core NPU), noconfig (no npu_config), binding (the
output outside device memory), deadlock (the store waits on the wrong
semaphore), endless (a DMA whose zero-stride walk repeats 2^64 times),
watchdog (1100 valid vector copies of 2^30 elements each), nostore (the
store queue stores nothing), nosegments (no segment writes the output).
"""
import json
import math
import os
import sys

import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(11)
x = rng.integers(-128, 128, (4, 64), dtype=np.int8)
w = rng.integers(-128, 128, (64, 32), dtype=np.int8)
bias = rng.integers(-3000, 3000, 32, dtype=np.int32)
scales = [0.0004 * (1 + j % 7) for j in range(32)]


def multiplier(scale):  # docs/npu.md: scale = m * 2^-(31 + s), normalized m
    f, e = math.frexp(scale)
    m = round(f * 2 ** 31)
    if m == 2 ** 31:
        m //= 2
        e += 1
    return m, -e


params = np.array([multiplier(s) for s in scales], dtype=np.int32)
zero_point, lo, hi = -5, -5, 127  # a fused ReLU


def requant(acc, m, s):  # round half to even of acc * m / 2^(31 + s)
    n = 31 + s
    p = acc * m
    q, r = p >> n, p & ((1 << n) - 1)
    half = 1 << (n - 1)
    if r > half or (r == half and q & 1):
        q += 1
    return min(max(q + zero_point, lo), hi)


acc = x.astype(np.int64) @ w.astype(np.int64) + bias
expected = np.array([[requant(int(acc[i, j]), int(params[j, 0]), int(params[j, 1]))
                      for j in range(32)] for i in range(4)], dtype=np.int8)
np.save(os.path.join(out, "x.npy"), x)
np.save(os.path.join(out, "expected.npy"), expected)

# Constants, 64-byte aligned: W at 0, bias at 2048, params at 2176.
weights = w.tobytes() + bias.tobytes() + params.tobytes()
open(os.path.join(out, "npu.gnb.weights"), "wb").write(weights)

# Device memory: x | W | bias | params | y; SRAM mirrors the first four.
X, W, BIAS, PARAMS, Y = 0, 256, 2304, 2432, 2688
C, OUT = 8192, 4096  # accumulators and the int8 result in SRAM


def dma(dram, sram, size):
    return {"dram": dram, "sram": sram, "elem_bytes": 1,
            "sizes": [1, 1, 1, size], "dram_strides": [0, 0, 0, 1],
            "sram_strides": [0, 0, 0, 1]}


model = {
    "format_version": 7, "compiler_version": "hand-written", "target": "npu",
    "tensors": [
        {"name": "x", "dtype": "I8", "shape": [4, 64], "storage": "Input",
         "byte_size": 256},
        {"name": "W", "dtype": "I8", "shape": [64, 32], "storage": "Constant",
         "offset": 0, "byte_size": 2048},
        {"name": "bias", "dtype": "I32", "shape": [32], "storage": "Constant",
         "offset": 2048, "byte_size": 128},
        {"name": "requant", "dtype": "I32", "shape": [32, 2],
         "storage": "Constant", "offset": 2176, "byte_size": 256},
        {"name": "y", "dtype": "I8", "shape": [4, 32], "storage": "Arena",
         "offset": 0, "byte_size": 128},
    ],
    "inputs": [{"name": "x", "tensor": 0}],
    "outputs": [{"name": "y", "tensor": 4}],
    "arena_size": 128, "constants_size": len(weights),
    "weights_file": "npu.gnb.weights",
    "npu_config": {
        "name": "edge", "clock_hz": 1e9, "cores": 2, "matrix_rows": 128,
        "matrix_cols": 128, "bf16_rate": 0.5, "int4_rate": 1.0,
        "vector_lanes": 128, "sram_bytes": 16 << 20, "dram_bytes": 8 << 30,
        "dram_bandwidth": 66e9, "dram_latency_ns": 100.0,
        "host_bandwidth": 16e9, "dma_bytes_per_cycle": 64},
    "segments": [{"device": "NPU", "npu": {
        "cores": 1, "dram_bytes": 4096, "tags": ["fc"],
        "constants": [{"tensor": 1, "dram": W}, {"tensor": 2, "dram": BIAS},
                      {"tensor": 3, "dram": PARAMS}],
        "inputs": [{"tensor": 0, "dram": X}],
        "outputs": [{"tensor": 4, "dram": Y}],
        "queues": [
            {"core": 0, "engine": "Load", "instructions": [
                {"opcode": "DmaLoad", "engine": "Load", "dma": dma(0, 0, Y)},
                {"opcode": "Signal", "engine": "Load", "semaphore": 0}]},
            {"core": 0, "engine": "Matrix", "instructions": [
                {"opcode": "Wait", "engine": "Matrix", "semaphore": 0,
                 "value": 1},
                {"opcode": "MatMul", "engine": "Matrix", "matmul": {
                    "mode": "I8xI8", "m": 4, "n": 32, "k": 64,
                    "a": X, "a_inner": 4, "a_inner_stride": 64,
                    "b": W, "b_row_stride": 32, "c": C, "c_row_stride": 128,
                    "store": True, "has_bias": True, "bias": BIAS,
                    "requant": PARAMS, "zero_point": zero_point,
                    "clamp_lo": lo, "clamp_hi": hi, "out_type": "I8",
                    "out": OUT, "out_row_stride": 32}},
                {"opcode": "Signal", "engine": "Matrix", "semaphore": 1}]},
            {"core": 0, "engine": "Store", "instructions": [
                {"opcode": "Wait", "engine": "Store", "semaphore": 1,
                 "value": 1},
                {"opcode": "DmaStore", "engine": "Store",
                 "dma": dma(Y, OUT, 128)}]},
        ]}}],
}
variant = sys.argv[2] if len(sys.argv) > 2 else "npu"
program = model["segments"][0]["npu"]
if variant == "race":
    del program["queues"][1]["instructions"][0]
elif variant == "cores":
    program["cores"] = 3
elif variant == "noconfig":
    del model["npu_config"]
elif variant == "binding":
    program["outputs"][0]["dram"] = 4000
elif variant == "deadlock":
    program["queues"][2]["instructions"][0]["semaphore"] = 7
elif variant == "endless":
    # A walk that stays in range by repeating over zero strides.
    program["queues"][0]["instructions"][0]["dma"]["sizes"] = [2**32 - 1, 2**32 - 1, 1, 4096]
elif variant == "nostore":
    # Outputs bound, nothing stored: they would read back as zeros.
    program["queues"][2]["instructions"] = [
        i for i in program["queues"][2]["instructions"] if i["opcode"] != "DmaStore"]
elif variant == "nosegments":
    model["segments"] = []
elif variant == "bigdram":
    # 7 GiB of device memory declared, a few KiB used.
    program["dram_bytes"] = 7 << 30
elif variant == "watchdog":
    # Valid instructions, each within its bounds, that together would keep
    # the functional simulator busy for hours: 1100 vector copies of 2^30
    # elements over zero strides.
    copy = {"opcode": "Vector", "engine": "Vector", "vector": {
        "op": "Copy", "type": "BF16", "n": 1024, "a": 16384, "y": 20480,
        "outer": 2**20, "a_stride": 0, "y_stride": 0}}
    program["queues"].append({"core": 0, "engine": "Vector",
                              "instructions": [copy] * 1100})
json.dump(model, open(os.path.join(out, variant + ".json"), "w"), indent=1)

#!/usr/bin/python3
"""Weight-only quantization (w8a16, w4a16) on a decode-shaped transformer.

A BERT-base-sized encoder stack (bench/models.py bert, seeded weights) at a
handful of tokens is what an LLM decode step looks like to the hardware:
every weight is read once for very few MACs, so time is DRAM time. For
bf16 (no quantization), --quantize=w8a16 and --quantize=w4a16 (groups of
--group-size rows of K), this reports

  - the .gnb's size (the weights as stored);
  - accuracy: SQNR and cosine of the CPU target's output against fp32 over
    --samples random inputs (weight-only error only: the CPU computes in
    f32), and the NPU's output against fp32 on the first (bf16 activations
    too). Seeded random weights make a chaotic network: bf16's row shows how
    far this model amplifies small perturbations over --layers layers, so
    compare the rows with each other, and with --layers 1;
  - the NPU (--npu-config, default edge) on the simulator: simulated time,
    DRAM bytes read, and the roofline (the larger of all MACs at the bf16
    peak and the weights at their stored width read once over the DRAM
    bandwidth) with the fraction reached; the speedup over bf16 (goal: the
    DRAM saving shows in the profile).

Usage: bench/weight_only.py [--layers 12] [--seq 8] [--group-size 128]
                            [--samples 4] [--build build] [--work DIR]
"""

import argparse
import json
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True)


def weight_bytes(model_path, bits, group):
    """Bytes of the model's weights as the NPU reads them: matmul weights
    at `bits` (with an f32 scale per group and column), the rest bf16."""
    total = 0
    model = onnx.load(model_path)
    matmul_weights = {n.input[1] for n in model.graph.node if n.op_type == "MatMul"}
    for t in model.graph.initializer:
        a = numpy_helper.to_array(t)
        if t.name in matmul_weights and a.ndim == 2 and bits < 16:
            k, n = a.shape
            total += k * n * bits / 8 + 4 * n * -(-k // min(group, k))
        else:
            total += 2 * a.size
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=12)
    parser.add_argument("--seq", type=int, default=8)
    parser.add_argument("--group-size", type=int, default=128)
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--npu-config", default="edge")
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--work", default=os.path.join(ROOT, "build", "bench", "weight_only"))
    args = parser.parse_args()
    gaonc = os.path.join(args.build, "bin", "gaonc")
    gaon_run = os.path.join(args.build, "bin", "gaon-run")
    os.makedirs(args.work, exist_ok=True)
    model = os.path.join(args.work, "bert.onnx")
    run([sys.executable, os.path.join(HERE, "models.py"), "bert", model,
         "--layers", str(args.layers), "--seq", str(args.seq)])
    rng = np.random.default_rng(5)
    inputs = []
    for i in range(args.samples):
        path = os.path.join(args.work, "x%d.npy" % i)
        np.save(path, rng.standard_normal((1, args.seq, 768)).astype(np.float32))
        inputs.append(path)
    cfg = "--npu-config=" + args.npu_config
    config = json.loads(run([gaonc, "--print-npu-config", cfg]).stdout.split("\n")[0])
    peak_bf16 = config["cores"] * config["matrix"]["rows"] * config["matrix"]["cols"] * \
        config["clock_hz"] * config["matrix"]["bf16_rate"]
    modes = [("bf16", [], 16), ("w8a16", ["--quantize=w8a16"], 8),
             ("w4a16", ["--quantize=w4a16"], 4)]
    results, reference = {}, None
    for name, flags, bits in modes:
        if flags:
            flags = flags + ["--group-size=%d" % args.group_size]
        cpu = os.path.join(args.work, name + ".cpu.gnb")
        npu = os.path.join(args.work, name + ".npu.gnb")
        run([gaonc, model, "--target=cpu", "-o", cpu] + flags)
        run([gaonc, model, cfg, "-o", npu] + flags)
        outs = []
        for i, inp in enumerate(inputs):
            out = os.path.join(args.work, "%s.out%d" % (name, i))
            os.makedirs(out, exist_ok=True)
            run([gaon_run, cpu, "--input=" + inp, "--output-dir=" + out])
            outs.append(np.load(os.path.join(out, "output_0.npy")).ravel())
        if reference is None:
            reference = outs
        ref, got = np.concatenate(reference), np.concatenate(outs)
        err = ((got - ref) ** 2).sum()
        sqnr = float("inf") if err == 0 else 10 * np.log10((ref ** 2).sum() / err)
        cosine = float(ref @ got / np.linalg.norm(ref) / np.linalg.norm(got))
        prof = os.path.join(args.work, name + ".profile.json")
        simout = os.path.join(args.work, name + ".sim")
        os.makedirs(simout, exist_ok=True)
        run([gaon_run, npu, "--device=sim", "--input=" + inputs[0], "--profile=" + prof,
             "--output-dir=" + simout])
        # The NPU's output against fp32: bf16 activations add their error to
        # the weights'; bf16's own row shows how much this model amplifies
        # small perturbations.
        sim = np.load(os.path.join(simout, "output_0.npy")).ravel()
        sim_sqnr = 10 * np.log10((reference[0] ** 2).sum() / ((sim - reference[0]) ** 2).sum())
        p = json.load(open(prof))
        wbytes = weight_bytes(model, bits, args.group_size)
        roof = max(p["macs"] / peak_bf16, wbytes / config["dram"]["bandwidth"])
        results[name] = {
            "gnb_mb": os.path.getsize(cpu) / 1e6, "sqnr_db": sqnr, "cosine": cosine,
            "npu_sqnr_db": sim_sqnr,
            "npu_ms": 1e3 * p["simulated_seconds"], "dram_read_mb": p["dram_read_bytes"] / 1e6,
            "roofline_ms": 1e3 * roof, "roofline_fraction": roof / p["simulated_seconds"],
        }
        r = results[name]
        print("%-6s gnb %6.1f MB, CPU SQNR vs fp32 %5.1f dB, cosine %.5f; NPU (%s) SQNR vs "
              "fp32 %5.1f dB, %.3f ms simulated, DRAM read %6.1f MB, roofline %.3f ms "
              "(%.0f%%), %.2fx bf16" % (
                  name, r["gnb_mb"], sqnr, cosine, args.npu_config, sim_sqnr, r["npu_ms"],
                  r["dram_read_mb"], r["roofline_ms"], 100 * r["roofline_fraction"],
                  results["bf16"]["npu_ms"] / r["npu_ms"]))
        sys.stdout.flush()
    json.dump(results, open(os.path.join(args.work, "results.json"), "w"), indent=1)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""The NPU target on the simulator: simulated time against the roofline,
agreement with ONNX Runtime, and the simulator's own speed, in one run.

For each model (bench/models.py, seeded weights, batch 1): compile with
gaonc --target=npu for the configuration, run on the sim device with a
profile, and run ONNX Runtime (fp32, CPU) on the same input. Reports

  - simulated time of the NPU segments (the profile's simulated_seconds),
  - the roofline bound: the larger of total MACs over the peak bf16 MAC
    rate of all cores and the minimum DRAM traffic (every weight once in
    bf16, the input and output once) over the DRAM bandwidth, and the
    fraction of it reached (goal: at least 60% on ResNet-50),
  - where the time goes: the busiest engines, and the ops left on the CPU,
  - wall time per functional simulation against ONNX Runtime's fp32
    inference (goal for ResNet-50: at most 3x), and
  - the cosine similarity of the outputs (goal: at least 0.999).

Usage: bench/npu.py [--models resnet50,mobilenetv2,bert] [--npu-config edge]
                    [--repeat N] [--threads N] [--build build] [--work DIR]
"""

import argparse
import json
import os
import re
import subprocess
import sys

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from run import SHAPES, ensure_onnxruntime, peak_rss  # noqa: E402


def roofline(model_path, config, macs, in_elems, out_elems):
    """(seconds, compute seconds, dram seconds) for bf16 on `config`."""
    model = onnx.load(model_path, load_external_data=False)
    weights = sum(int(np.prod(t.dims)) for t in model.graph.initializer)
    traffic = 2 * (weights + in_elems + out_elems)
    peak = (config["cores"] * config["matrix"]["rows"] *
            config["matrix"]["cols"] * config["matrix"]["bf16_rate"] *
            config["clock_hz"])
    compute = macs / peak
    dram = traffic / config["dram"]["bandwidth"]
    return max(compute, dram), compute, dram


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="resnet50,mobilenetv2,bert")
    parser.add_argument("--npu-config", default="edge")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--work", default=os.path.join(ROOT, "build", "bench"))
    parser.add_argument("--html", action="store_true",
                        help="also write the HTML placement report and "
                             "profile, and check them in headless Chromium")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    ensure_onnxruntime()
    gaonc = os.path.join(args.build, "bin", "gaonc")
    gaon_run = os.path.join(args.build, "bin", "gaon-run")
    config = json.loads(subprocess.run(
        [gaonc, "--print-npu-config", "--npu-config=" + args.npu_config],
        capture_output=True, text=True, check=True).stdout.splitlines()[0])

    rows = []
    for name in args.models.split(","):
        model = os.path.join(args.work, name + ".onnx")
        if not os.path.exists(model):
            subprocess.run([sys.executable, os.path.join(HERE, "models.py"),
                            name, model], check=True)
        binary = os.path.join(args.work, name + ".npu.gnb")
        report_path = os.path.join(args.work, name + ".npu-report.json")
        subprocess.run([gaonc, model, "--target=npu",
                        "--npu-config=" + args.npu_config, "-o", binary,
                        "--report=" + report_path], check=True)
        shape = SHAPES[name]
        x = np.random.default_rng(7).standard_normal(shape).astype(np.float32)
        input_npy = os.path.join(args.work, name + ".input.npy")
        input_bin = os.path.join(args.work, name + ".input.bin")
        np.save(input_npy, x)
        x.tofile(input_bin)

        out_dir = os.path.join(args.work, name + ".npu")
        os.makedirs(out_dir, exist_ok=True)
        profile_path = os.path.join(args.work, name + ".npu-profile.json")
        trace_path = os.path.join(args.work, name + ".npu-trace.json")
        text, _ = peak_rss([
            gaon_run, binary, "--device=sim", "--input=" + input_npy,
            "--output-dir=" + out_dir, "--threads=%d" % args.threads,
            "--repeat=%d" % args.repeat, "--profile=" + profile_path,
            "--trace=" + trace_path])
        wall = float(re.search(r"median ([\d.]+) ms", text).group(1))
        out = np.load(os.path.join(out_dir, "output_0.npy"))

        ort_out_path = os.path.join(args.work, name + ".ort.bin")
        text, _ = peak_rss([
            "node", os.path.join(HERE, "ort_run.js"), model, input_bin,
            "x".join(map(str, shape)), str(args.threads), "20", ort_out_path])
        ort_med = float(text.split()[1])
        ort = np.fromfile(ort_out_path, np.float32).reshape(out.shape)
        a, b = out.astype(np.float64).ravel(), ort.astype(np.float64).ravel()
        cosine = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))

        if args.html:
            check = os.path.join(ROOT, "test", "tools", "report", "check_html.py")
            page = os.path.join(args.work, name + ".npu-report.html")
            subprocess.run([gaonc, model, "--target=npu", "--npu-config=" +
                            args.npu_config, "-o", binary, "--report=" + page],
                           check=True)
            shown = subprocess.run([sys.executable, check, page, report_path,
                                    "nodes", page + ".png"],
                                   capture_output=True, text=True)
            print("%s placement page: %s" % (name, (shown.stdout or shown.stderr).strip()))
            page = os.path.join(args.work, name + ".npu-profile.html")
            subprocess.run([gaon_run, binary, "--device=sim-timing",
                            "--profile=" + page], check=True,
                           capture_output=True)
            shown = subprocess.run([sys.executable, check, page, profile_path,
                                    "layers", page + ".png"],
                                   capture_output=True, text=True)
            print("%s profile page: %s" % (name, (shown.stdout or shown.stderr).strip()))
        profile = json.load(open(profile_path))
        report = json.load(open(report_path))
        cpu_ops = [n for n in report["nodes"] if n["placement"] == "cpu"]
        bound, compute, dram = roofline(model, config, profile["macs"],
                                        x.size, out.size)
        simulated = profile["simulated_seconds"]
        engines = {}
        for e in profile["engines"]:
            engines[e["engine"]] = max(engines.get(e["engine"], 0),
                                       e["utilization"])
        rows.append((name, simulated, bound, compute, dram, wall, ort_med,
                     cosine, len(cpu_ops), engines, profile))

    print("NPU %s, bf16; roofline = max(MACs / peak bf16 MAC rate, weights + "
          "input + output in bf16 / DRAM bandwidth)" % args.npu_config)
    print("%-12s %9s %9s %7s %9s %9s %9s %7s %8s %4s" % (
        "model", "sim ms", "roof ms", "of roof", "bound", "sim wall",
        "ort ms", "wall x", "cosine", "cpu"))
    for (name, sim, bound, compute, dram, wall, ort_med, cosine, ncpu,
         engines, profile) in rows:
        print("%-12s %9.3f %9.3f %6.1f%% %9s %7.1fms %7.2fms %6.2fx %8.5f %4d" % (
            name, sim * 1e3, bound * 1e3, 100 * bound / sim if sim else 0,
            "compute" if compute >= dram else "dram", wall, ort_med,
            wall / ort_med, cosine, ncpu))
        print("    engines (busiest core): " + ", ".join(
            "%s %.0f%%" % (k, 100 * v) for k, v in engines.items()) +
            "; DRAM read %.1f MB, written %.1f MB (minimum %.1f MB)" % (
                profile["dram_read_bytes"] / 1e6,
                profile["dram_write_bytes"] / 1e6,
                dram * config["dram"]["bandwidth"] / 1e6))
    print("sim wall is the median functional simulation of one inference "
          "(%d runs, %d threads); wall x = sim wall / ONNX Runtime fp32 "
          "median (goal for resnet50 <= 3); cpu = ONNX nodes left on the "
          "CPU (see the .npu-report.json)" % (args.repeat, args.threads))


if __name__ == "__main__":
    main()

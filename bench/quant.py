#!/usr/bin/python3
"""int8 post-training quantization: accuracy kept, and the CPU's speed.

For each CNN (bench/models.py, seeded weights, batch 1), with image-like
inputs (smooth random fields with edges, normalized with ImageNet's channel
means and deviations, seeded):

  - gaonc --quantize=int8 calibrates on the first --calibrate images and
    writes its accuracy report over the --evaluate held-back ones (whole
    model and per layer SQNR and cosine; goal: whole-model SQNR >= 20 dB);
  - the fp32 and int8 CPU programs run on every held-back image; top-1
    agreement of int8 with fp32 (goal: >= 99%);
  - median latency of the int8 program against the fp32 program on the
    CPU target, the lower of five interleaved rounds each (goal: int8 at
    least as fast);
  - on the NPU (--npu-config, default edge): simulated time of the int8
    program against the bf16 one (goal for ResNet-50: at least 1.8x
    faster), the fraction of the int8 roofline reached (goal: 60%), and
    whether the simulator's integer output equals the CPU target's bit for
    bit, and so every 8-bit tensor in between (--expose-integer-tensors).

Usage: bench/quant.py [--models resnet50,mobilenetv2] [--calibrate 16]
                      [--evaluate 32] [--method percentile] [--repeat 20]
                      [--build build] [--work DIR]
"""

import argparse
import json
import os
import re
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from run import SHAPES  # noqa: E402

MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)


def image(rng, shape):
    """A natural-image stand-in: a few octaves of smooth noise, a gradient
    and a bright disc, in [0, 1], then normalized per channel."""
    n, c, h, w = shape
    out = np.zeros((c, h, w), np.float32)
    for size, weight in ((4, 0.5), (16, 0.3), (64, 0.2)):
        coarse = rng.random((c, size, size)).astype(np.float32)
        ys = np.linspace(0, size - 1, h)
        xs = np.linspace(0, size - 1, w)
        y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
        y1, x1 = np.minimum(y0 + 1, size - 1), np.minimum(x0 + 1, size - 1)
        fy, fx = (ys - y0)[:, None], (xs - x0)[None, :]
        up = (coarse[:, y0][:, :, x0] * (1 - fx) + coarse[:, y0][:, :, x1] * fx) * (1 - fy) + \
             (coarse[:, y1][:, :, x0] * (1 - fx) + coarse[:, y1][:, :, x1] * fx) * fy
        out += weight * up
    yy, xx = np.mgrid[0:h, 0:w]
    cy, cx, r = rng.integers(0, h), rng.integers(0, w), rng.integers(h // 8, h // 3)
    out[:, (yy - cy) ** 2 + (xx - cx) ** 2 < r * r] += 0.3
    out += (xx / w * rng.uniform(-0.3, 0.3)).astype(np.float32)
    out = np.clip(out, 0, 1)
    return ((out - MEAN[:, None, None]) / STD[:, None, None])[None].astype(np.float32)


def int8_roofline(model_path, config, macs, in_elems):
    """Seconds: the larger of all MACs at the int8 peak and every weight
    and the input once in int8 over the DRAM bandwidth."""
    import onnx
    from onnx import numpy_helper
    weights = sum(numpy_helper.to_array(t).size
                  for t in onnx.load(model_path).graph.initializer)
    peak = config["cores"] * config["matrix"]["rows"] * config["matrix"]["cols"] * \
        config["clock_hz"]
    return max(macs / peak, (weights + in_elems) / config["dram"]["bandwidth"])


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True)


def latency(gaon_run, binary, inp, repeat):
    text = run([gaon_run, binary, "--input=" + inp, "--repeat=%d" % repeat]).stdout
    return float(re.search(r"median ([0-9.]+) ms", text).group(1))


def paired_latency(gaon_run, binaries, inp, repeat, rounds=5):
    """Each binary's lowest median over `rounds` interleaved rounds: on a
    shared machine, load that comes and goes then weighs on both alike."""
    best = [float("inf")] * len(binaries)
    for _ in range(rounds):
        for i, binary in enumerate(binaries):
            best[i] = min(best[i], latency(gaon_run, binary, inp, repeat))
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="resnet50,mobilenetv2")
    parser.add_argument("--calibrate", type=int, default=16)
    parser.add_argument("--evaluate", type=int, default=32)
    parser.add_argument("--method", default="percentile")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--npu-config", default="edge")
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--work", default=os.path.join(ROOT, "build", "bench", "quant"))
    args = parser.parse_args()
    gaonc = os.path.join(args.build, "bin", "gaonc")
    gaon_run = os.path.join(args.build, "bin", "gaon-run")
    os.makedirs(args.work, exist_ok=True)
    results = {}
    for name in args.models.split(","):
        shape = SHAPES[name]
        model = os.path.join(args.work, name + ".onnx")
        run([sys.executable, os.path.join(HERE, "models.py"), name, model])
        samples = os.path.join(args.work, name + ".samples")
        os.makedirs(samples, exist_ok=True)
        rng = np.random.default_rng(11)
        total = args.calibrate + args.evaluate
        for i in range(total):
            np.save(os.path.join(samples, "s%03d.npy" % i), image(rng, shape))
        input_shape = "--input-shape=input:" + "x".join(map(str, shape))
        fp32 = os.path.join(args.work, name + ".fp32.gnb")
        int8 = os.path.join(args.work, name + ".int8.gnb")
        report = os.path.join(args.work, name + ".accuracy.json")
        run([gaonc, model, input_shape, "--target=cpu", "-o", fp32])
        log = run([gaonc, model, input_shape, "--target=cpu", "--quantize=int8",
                   "--calibration-data=" + samples,
                   "--calibration-samples=%d" % args.calibrate,
                   "--calibration-method=" + args.method,
                   "--accuracy-report=" + report, "-o", int8]).stderr
        rep = json.load(open(report))
        agree = 0
        out32 = os.path.join(args.work, "out32")
        out8 = os.path.join(args.work, "out8")
        os.makedirs(out32, exist_ok=True)
        os.makedirs(out8, exist_ok=True)
        for i in range(args.calibrate, total):
            inp = os.path.join(samples, "s%03d.npy" % i)
            run([gaon_run, fp32, "--input=" + inp, "--output-dir=" + out32])
            run([gaon_run, int8, "--input=" + inp, "--output-dir=" + out8])
            a = np.load(os.path.join(out32, "output_0.npy"))
            b = np.load(os.path.join(out8, "output_0.npy"))
            agree += int(a.argmax() == b.argmax())
        inp = os.path.join(samples, "s%03d.npy" % args.calibrate)
        t32, t8 = paired_latency(gaon_run, [fp32, int8], inp, args.repeat)
        # The NPU: int8 against bf16 on the simulator, one held-back image.
        npu8 = os.path.join(args.work, name + ".int8.npu.gnb")
        npu16 = os.path.join(args.work, name + ".bf16.npu.gnb")
        cfg = "--npu-config=" + args.npu_config
        run([gaonc, model, input_shape, cfg, "--quantize=int8",
             "--calibration-data=" + samples,
             "--calibration-samples=%d" % args.calibrate, "-o", npu8])
        run([gaonc, model, input_shape, cfg, "-o", npu16])
        profiles = {}
        outsim = os.path.join(args.work, "outsim")
        os.makedirs(outsim, exist_ok=True)
        for tag, binary in (("int8", npu8), ("bf16", npu16)):
            prof = os.path.join(args.work, "%s.%s.profile.json" % (name, tag))
            run([gaon_run, binary, "--device=sim", "--input=" + inp,
                 "--profile=" + prof, "--output-dir=" + outsim])
            profiles[tag] = json.load(open(prof))
            if tag == "int8":
                sim_out = np.load(os.path.join(outsim, "output_0.npy"))
        run([gaon_run, int8, "--input=" + inp, "--output-dir=" + out8])
        bit_exact = bool(np.array_equal(
            np.load(os.path.join(out8, "output_0.npy")), sim_out))
        # Every 8-bit tensor, not only the output: both targets again with
        # --expose-integer-tensors, compared tensor by tensor.
        tensors_same, tensors = 0, 0
        dirs = []
        for tag, flags, device in (("cpu", ["--target=cpu"], "cpu"),
                                   ("npu", [cfg], "sim")):
            binary = os.path.join(args.work, "%s.int8.all.%s.gnb" % (name, tag))
            run([gaonc, model, input_shape, "--quantize=int8",
                 "--calibration-data=" + samples,
                 "--calibration-samples=%d" % args.calibrate,
                 "--expose-integer-tensors", "-o", binary] + flags)
            out = os.path.join(args.work, "all." + tag)
            if os.path.isdir(out):
                for f in os.listdir(out):
                    os.remove(os.path.join(out, f))
            os.makedirs(out, exist_ok=True)
            run([gaon_run, binary, "--device=" + device, "--input=" + inp,
                 "--output-dir=" + out])
            dirs.append(out)
        for f in sorted(os.listdir(dirs[0])):
            a = np.load(os.path.join(dirs[0], f))
            b = np.load(os.path.join(dirs[1], f))
            tensors += 1
            tensors_same += int(a.dtype == b.dtype and a.shape == b.shape and
                                a.tobytes() == b.tobytes())
        config = json.loads(run([gaonc, "--print-npu-config", cfg]).stdout.split("\n")[0])
        t_int8 = profiles["int8"]["simulated_seconds"]
        t_bf16 = profiles["bf16"]["simulated_seconds"]
        roof = int8_roofline(model, config, profiles["int8"]["macs"],
                             int(np.prod(shape)))
        low = [l["name"] for l in rep["layers"] if "flag" in l]
        results[name] = {
            "top1_agreement": agree / args.evaluate,
            "sqnr_db": rep["model"][0]["sqnr_db"],
            "cosine": rep["model"][0]["cosine"],
            "layers_below_10db": len(low),
            "layers": len(rep["layers"]),
            "cpu_fp32_ms": t32, "cpu_int8_ms": t8,
            "npu_int8_ms": 1e3 * t_int8, "npu_bf16_ms": 1e3 * t_bf16,
            "npu_int8_roofline_ms": 1e3 * roof,
            "npu_int8_dram_read_bytes": profiles["int8"]["dram_read_bytes"],
            "npu_bf16_dram_read_bytes": profiles["bf16"]["dram_read_bytes"],
            "npu_bit_exact_with_cpu": bit_exact,
            "integer_tensors_identical": tensors_same, "integer_tensors": tensors,
        }
        r = results[name]
        print("%-12s int8 top-1 agreement %5.1f%% (goal 99%%), SQNR %5.1f dB "
              "(goal 20), cosine %.5f, %d/%d layers under 10 dB; CPU fp32 "
              "%.1f ms, int8 %.1f ms (%.2fx)" % (
                  name, 100 * r["top1_agreement"], r["sqnr_db"], r["cosine"],
                  r["layers_below_10db"], r["layers"], t32, t8, t32 / t8))
        print("%-12s NPU (%s): int8 %.3f ms, bf16 %.3f ms simulated (%.2fx; "
              "goal 1.8x on ResNet-50), int8 roofline %.3f ms (%.0f%%; goal "
              "60%%), DRAM read %.1f MB vs %.1f MB, bit-exact with the CPU: "
              "%s (%d of %d tensors)" % (
                  name, args.npu_config, 1e3 * t_int8, 1e3 * t_bf16,
                  t_bf16 / t_int8, 1e3 * roof, 100 * roof / t_int8,
                  r["npu_int8_dram_read_bytes"] / 1e6,
                  r["npu_bf16_dram_read_bytes"] / 1e6, bit_exact,
                  tensors_same, tensors))
        sys.stdout.flush()
    json.dump(results, open(os.path.join(args.work, "results.json"), "w"), indent=1)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Mutation fuzzing of the runtime's .gnb loader and its cpu and sim devices.

Compiles a few models with gaonc for both targets (the demo CNN and some of
ONNX's node tests), then flips bytes of the binaries, mostly in the FlatBuffer part
where the meaning is, and runs each mutant with gaon-run --device=sim (NPU
segments on the simulator, CPU segments on the cpu device). Every mutant must
run or be refused with an error; a crash or a hang fails. Seeded, so a run
is reproducible; a failing mutant is kept for debugging.

Usage: fuzz_gnb.py --gaonc build/bin/gaonc --gaon-run build/bin/gaon-run
                   [--count N] [--seed S]
"""

import argparse
import os
import random
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NODE = "/usr/share/libonnx-testdata/data/node"
MODELS = [
    (os.path.join(ROOT, "models/demo/tiny_cnn.onnx"), ["--input-shape=image:1x3x32x32"]),
    (os.path.join(NODE, "test_conv_with_strides_padding/model.onnx"), []),
    (os.path.join(NODE, "test_maxpool_2d_ceil/model.onnx"), []),
    (os.path.join(NODE, "test_gather_elements_1/model.onnx"), []),
    (os.path.join(NODE, "test_layer_normalization_3d_axis1_epsilon/model.onnx"), []),
    (os.path.join(NODE, "test_resize_upsample_scales_linear/model.onnx"), []),
    (os.path.join(NODE, "test_transpose_all_permutations_3/model.onnx"), []),
    (os.path.join(NODE, "test_matmul_4d/model.onnx"), []),
    # Integer programs: quantized by gaonc (qconv, qadd, requantize on the
    # CPU; the matrix and vector engines' integer modes on the NPU), and
    # ONNX's own quantized operators.
    (os.path.join(ROOT, "models/demo/tiny_cnn.onnx"),
     ["--input-shape=image:1x3x32x32", "--quantize=int8",
      "--calibration-data=random", "--calibration-samples=2"]),
    (os.path.join(NODE, "test_qlinearconv/model.onnx"), []),
    (os.path.join(NODE, "test_qlinearmatmul_3D/model.onnx"), []),
    (os.path.join(NODE, "test_dynamicquantizelinear/model.onnx"), []),
]
TIMEOUT = 60


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gaonc", required=True)
    parser.add_argument("--gaon-run", required=True)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--flatc", help="also fuzz a hand-built NPU binary "
                        "(test/runtime/Inputs/make_npu_gnb.py), built with flatc")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="gaon-gnb-fuzz-")
    binaries = []
    # Each model for both targets: NPU binaries carry compiled programs,
    # converting bindings and packed constants.
    for i, (model, extra) in enumerate(MODELS):
        for target in ("cpu", "npu"):
            out = os.path.join(work, "m%d.%s.gnb" % (i, target))
            if subprocess.run([args.gaonc, model, "--target=" + target, "-o",
                               out] + extra,
                              capture_output=True).returncode == 0:
                with open(out, "rb") as f:
                    binaries.append(f.read())
    # Weight-only: packed int4 constants (the I4 dtype) on the CPU, the
    # matrix engine's bf16 x i4 mode on the NPU, from the test suite's MLP.
    mlp = os.path.join(work, "mlp.onnx")
    subprocess.run([sys.executable, os.path.join(
        ROOT, "test", "quantization", "Inputs", "make_mlp.py"), mlp,
        os.path.join(work, "mlp_x.npy")], check=True)
    for target in ("cpu", "npu"):
        out = os.path.join(work, "mlp.%s.gnb" % target)
        if subprocess.run([args.gaonc, mlp, "--target=" + target,
                           "--quantize=w4a16", "--group-size=16", "-o", out],
                          capture_output=True).returncode == 0:
            with open(out, "rb") as f:
                binaries.append(f.read())
    if args.flatc:
        # Its weights sidecar sits beside the mutants under the name the
        # binary gives (npu.gnb.weights).
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        subprocess.run([sys.executable, os.path.join(
            root, "test", "runtime", "Inputs", "make_npu_gnb.py"), work],
            check=True)
        subprocess.run([args.flatc, "-b", "--size-prefixed", "-o", work,
                        os.path.join(root, "runtime", "schema", "gnb.fbs"),
                        os.path.join(work, "npu.json")], check=True)
        with open(os.path.join(work, "npu.gnb"), "rb") as f:
            binaries.append(f.read())
    if not binaries:
        print("gnb fuzz: could not compile any seed model")
        return 1

    rng = random.Random(args.seed)
    failures = ran = 0
    mutant = os.path.join(work, "mutant.gnb")
    for i in range(args.count):
        data = bytearray(rng.choice(binaries))
        program = min(len(data), 4 + struct.unpack("<I", data[:4])[0])
        for _ in range(rng.randint(1, 4)):
            if rng.random() < 0.9:
                pos = rng.randrange(program)
            else:
                pos = rng.randrange(len(data))
            data[pos] = rng.randrange(256)
        if rng.random() < 0.1:
            del data[rng.randrange(len(data)):]
        with open(mutant, "wb") as f:
            f.write(data)
        try:
            proc = subprocess.run([args.gaon_run, mutant, "--threads=1",
                                   "--device=sim"],
                                  capture_output=True, timeout=TIMEOUT)
            bad = proc.returncode < 0 or (proc.returncode != 0 and
                                          b"error:" not in proc.stderr)
            why = "exit %d" % proc.returncode
            ran += proc.returncode == 0
        except subprocess.TimeoutExpired:
            bad, why = True, "no answer in %d s" % TIMEOUT
        if bad:
            failures += 1
            kept = os.path.join(tempfile.gettempdir(),
                                "gaon-gnb-fuzz-%d-%d.gnb" % (args.seed, i))
            with open(kept, "wb") as f:
                f.write(data)
            print("CRASH: mutant %d (%s), kept as %s" % (i, why, kept))
    for name in os.listdir(work):
        os.remove(os.path.join(work, name))
    os.rmdir(work)
    print("%d seed binaries; %d mutants ran, %d were refused with an error" %
          (len(binaries), ran, args.count - ran - failures))
    print("gnb fuzz: %d passed, %d failed" % (args.count - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

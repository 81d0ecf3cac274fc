#!/usr/bin/python3
"""Checks that a compiler change left the NPU programs as they were.

Compiles the demo CNN and bench/models.py's ResNet-50, MobileNet-v2 and
BERT, in bf16 and int8, with two builds of gaonc: a baseline (the commit
before a change) and the current one. For each pair of binaries it checks

  - the NPU segments of `gaon-dump --json` (queues, instructions, bindings,
    constants) are equal, read with the current gaon-dump for both;
  - the total simulated cycles (`gaon-run --device=sim-timing --profile`)
    are equal;
  - the outputs of one run on the sim device are byte-identical;

and says whether the whole .gnb files are byte-identical as well.

Usage:
  utils/check-npu-programs.py --baseline-bin OLD/bin [--build build]
  utils/check-npu-programs.py --baseline-commit REV [--build build]
      (builds REV in a git worktree under --work, with ccache)
  [--models demo,resnet50,mobilenetv2,bert] [--precisions bf16,int8]
  [--npu-configs edge,server] [--bert-layers 2] [--work DIR]

Exits non-zero when any pair differs.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHAPES = {"demo": (1, 3, 32, 32), "resnet50": (1, 3, 224, 224),
          "mobilenetv2": (1, 3, 224, 224), "bert": (1, 128, 768)}
INPUT_NAMES = {"demo": "image"}


def run(cmd, **kwargs):
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s" % (
            " ".join(cmd), result.returncode, result.stderr[-4000:]))
    return result


def build_baseline(commit, work):
    """Builds `commit` in a worktree; returns its bin folder."""
    tree = os.path.join(work, "baseline-src")
    if os.path.isdir(tree):
        run(["git", "-C", ROOT, "worktree", "remove", "--force", tree])
    run(["git", "-C", ROOT, "worktree", "add", "--detach", tree, commit])
    build = os.path.join(work, "baseline-build")
    run(["cmake", "-G", "Ninja", "-S", tree, "-B", build,
         "-DCMAKE_BUILD_TYPE=Release"])
    run(["ninja", "-C", build, "gaonc"])
    return os.path.join(build, "bin")


def make_model(name, path, bert_layers):
    if name == "demo":
        shutil.copy(os.path.join(ROOT, "models", "demo", "tiny_cnn.onnx"), path)
        return
    cmd = [sys.executable, os.path.join(ROOT, "bench", "models.py"), name, path]
    if name == "bert":
        cmd += ["--layers", str(bert_layers)]
    run(cmd)


def npu_segments(gaon_dump, binary):
    dump = json.loads(run([gaon_dump, binary, "--json"]).stdout)
    return [s for s in dump["segments"] if s["device"] == "npu"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--baseline-bin")
    which.add_argument("--baseline-commit")
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--models", default="demo,resnet50,mobilenetv2,bert")
    parser.add_argument("--precisions", default="bf16,int8")
    parser.add_argument("--npu-configs", default="edge,server")
    parser.add_argument("--bert-layers", type=int, default=2)
    parser.add_argument("--work", default=os.path.join(ROOT, "build",
                                                       "check-npu-programs"))
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    old_bin = (args.baseline_bin if args.baseline_bin else
               build_baseline(args.baseline_commit, args.work))
    new_bin = os.path.join(args.build, "bin")
    gaon_dump = os.path.join(new_bin, "gaon-dump")
    gaon_run = os.path.join(new_bin, "gaon-run")

    failures = 0
    passed = 0
    for name in args.models.split(","):
        model = os.path.join(args.work, name + ".onnx")
        make_model(name, model, args.bert_layers)
        shape = SHAPES[name]
        rng = np.random.default_rng(5)
        samples = os.path.join(args.work, name + ".samples")
        os.makedirs(samples, exist_ok=True)
        for i in range(4):
            np.save(os.path.join(samples, "s%d.npy" % i),
                    rng.standard_normal(shape).astype(np.float32))
        sample = os.path.join(samples, "s0.npy")
        input_name = INPUT_NAMES.get(name, "input")
        base = [model, "--input-shape=%s:%s" % (
            input_name, "x".join(map(str, shape)))]
        for precision in args.precisions.split(","):
            flags = [] if precision == "bf16" else [
                "--quantize=int8", "--calibration-data=" + samples]
            for config in args.npu_configs.split(","):
                label = "%s %s %s" % (name, precision, config)
                results = {}
                refusals = {}
                try:
                    for side, bindir in (("baseline", old_bin),
                                         ("current", new_bin)):
                        binary = os.path.join(args.work, "%s.%s.%s.%s.gnb" % (
                            name, precision, config, side))
                        compiled = subprocess.run(
                            [os.path.join(bindir, "gaonc")] + base + flags +
                            ["--npu-config=" + config, "-o", binary],
                            capture_output=True, text=True)
                        if compiled.returncode != 0:
                            # The error itself; notes may print the IR of
                            # the stage that failed, which moved.
                            refusals[side] = next(
                                (line for line in compiled.stderr.splitlines()
                                 if "error:" in line), compiled.stderr)
                            continue
                        profile = binary + ".profile.json"
                        run([gaon_run, binary, "--device=sim-timing",
                             "--input=" + sample, "--profile=" + profile])
                        out = binary + ".out"
                        os.makedirs(out, exist_ok=True)
                        run([gaon_run, binary, "--device=sim",
                             "--input=" + sample, "--output-dir=" + out])
                        outputs = sorted(os.listdir(out))
                        results[side] = {
                            "bytes": open(binary, "rb").read(),
                            "npu": npu_segments(gaon_dump, binary),
                            "cycles": json.load(open(profile))["total_cycles"],
                            "outputs": [open(os.path.join(out, f), "rb").read()
                                        for f in outputs],
                        }
                except RuntimeError as error:
                    print("FAIL %s: %s" % (label, error))
                    failures += 1
                    continue
                if refusals:
                    # A model both compilers refuse with the same message is
                    # unchanged too.
                    if (len(refusals) == 2 and
                            refusals["baseline"] == refusals["current"]):
                        passed += 1
                        print("same %s: both refuse it: %s" % (
                            label, refusals["current"]))
                    else:
                        failures += 1
                        print("FAIL %s: refused by %s:\n%s" % (
                            label, " and ".join(sorted(refusals)),
                            "\n".join(refusals.values())))
                    continue
                old, new = results["baseline"], results["current"]
                problems = []
                if old["npu"] != new["npu"]:
                    problems.append("NPU segments differ")
                if old["cycles"] != new["cycles"]:
                    problems.append("cycles %s -> %s" % (old["cycles"],
                                                         new["cycles"]))
                if old["outputs"] != new["outputs"]:
                    problems.append("outputs differ")
                segments = len(new["npu"])
                same_file = old["bytes"] == new["bytes"]
                if problems:
                    failures += 1
                    print("FAIL %s: %s" % (label, "; ".join(problems)))
                else:
                    passed += 1
                    print("same %s: %d NPU segment(s), %.0f cycles, outputs "
                          "identical; .gnb %s" % (
                              label, segments, new["cycles"],
                              "byte-identical" if same_file else
                              "differs outside the NPU programs"))
    print("check-npu-programs: %d passed, %d failed" % (passed, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

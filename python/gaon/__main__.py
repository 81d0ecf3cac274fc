"""python3 -m gaon compile|run|report: the command line from Python.

  python3 -m gaon compile MODEL.onnx -o OUT.gnb [gaonc flags...]
  python3 -m gaon run BINARY.gnb [--device=sim] [--threads=N]
                      [--input NAME=FILE.npy]... [--output-dir=DIR]
  python3 -m gaon report MODEL.onnx [gaonc flags...]
"""

import argparse
import collections
import os
import subprocess
import sys

import numpy as np

import gaon


def compile_command(argv):
    # Every gaonc flag passes through unchanged.
    return subprocess.run([gaon._gaonc()] + argv).returncode


def run_command(argv):
    parser = argparse.ArgumentParser(prog="python3 -m gaon run")
    parser.add_argument("binary")
    parser.add_argument("--device", help="default: sim for an NPU binary, cpu otherwise")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--input", action="append", default=[],
                        help="NAME=FILE.npy")
    parser.add_argument("--output-dir")
    args = parser.parse_args(argv)
    session = gaon.Session(args.binary, args.device, args.threads)
    feeds = {}
    for spec in args.input:
        name, _, path = spec.partition("=")
        feeds[name] = np.load(path)
    if not args.input:
        rng = np.random.default_rng(1234)
        for i in session.binary.signature["inputs"]:
            dtype = np.uint16 if i["dtype"] == "bfloat16" else np.dtype(i["dtype"])
            feeds[i["name"]] = rng.standard_normal(i["shape"]).astype(dtype)
    outputs = session.run(feeds)
    for name, value in outputs.items():
        print("%s: %s%s" % (name, value.dtype, list(value.shape)))
        if args.output_dir:
            os.makedirs(args.output_dir, exist_ok=True)
            np.save(os.path.join(args.output_dir, name + ".npy"), value)
    return 0


def report_command(argv):
    parser = argparse.ArgumentParser(prog="python3 -m gaon report")
    parser.add_argument("model")
    args, extra = parser.parse_known_args(argv)
    binary = gaon.compile(args.model, extra_args=extra)
    nodes = binary.report["nodes"]
    reasons = collections.Counter(n.get("reason", "") for n in nodes
                                  if n["placement"] != "npu")
    on_npu = sum(n["placement"] == "npu" for n in nodes)
    print("%d of %d nodes on the NPU" % (on_npu, len(nodes)))
    for reason, count in reasons.most_common():
        print("  %4d on the CPU: %s" % (count, reason or "(CPU target)"))
    return 0


def main(argv):
    commands = {"compile": compile_command, "run": run_command,
                "report": report_command}
    if not argv or argv[0] not in commands:
        sys.stderr.write(__doc__)
        return 2
    try:
        return commands[argv[0]](argv[1:])
    except gaon.Error as e:
        sys.stderr.write("gaon: error: %s\n" % e)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

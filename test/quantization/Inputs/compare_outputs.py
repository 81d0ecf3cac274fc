"""Compares two output folders of gaon-run (output_N.npy).

Every file must exist in both, with the same dtype and shape. Integer
tensors must be identical byte for byte, unless --integer-tolerance N is
given: then they may differ by up to N (a tensor quantized from float values
the NPU computed in bf16, where the CPU computed them in f32). Float tensors
must be identical too, unless --float-tolerance T is given: then their
largest difference may be up to T times their largest magnitude. Prints the
counts; exits non-zero on the first failure, naming the file and the first
differing index.

Usage: compare_outputs.py DIR_A DIR_B [--float-tolerance T]
                          [--integer-tolerance N]
"""
import argparse
import os
import sys

import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--float-tolerance", type=float, default=None)
    parser.add_argument("--integer-tolerance", type=int, default=0)
    args = parser.parse_args()
    names = sorted(f for f in os.listdir(args.a) if f.endswith(".npy"))
    if names != sorted(f for f in os.listdir(args.b) if f.endswith(".npy")):
        sys.exit("the folders hold different outputs")
    integers, near, floats, worst = 0, 0, 0, 0.0
    for name in names:
        x, y = np.load(os.path.join(args.a, name)), np.load(os.path.join(args.b, name))
        if x.dtype != y.dtype or x.shape != y.shape:
            sys.exit("%s: %s%s against %s%s" % (name, x.dtype, x.shape, y.dtype, y.shape))
        if x.dtype.kind == "f" and args.float_tolerance is not None:
            scale = max(float(np.abs(x).max()), 1e-30)
            err = float(np.abs(x.astype(np.float64) - y).max()) / scale
            if err > args.float_tolerance:
                sys.exit("%s: float difference %.3g of the largest magnitude, "
                         "above %g" % (name, err, args.float_tolerance))
            floats += 1
            worst = max(worst, err)
            continue
        if x.dtype.kind != "f" and x.tobytes() != y.tobytes():
            gap = int(np.abs(x.astype(np.int64) - y.astype(np.int64)).max())
            if gap <= args.integer_tolerance:
                near += 1
                continue
        if x.tobytes() != y.tobytes():
            first = np.flatnonzero(x.ravel() != y.ravel())[0]
            sys.exit("%s differs first at flat index %d: %r against %r"
                     % (name, first, x.ravel()[first], y.ravel()[first]))
        if x.dtype.kind == "f":
            floats += 1
        else:
            integers += 1
    print("%d integer tensors bit-identical%s; %d float tensors %s" % (
        integers,
        ", %d within %d" % (near, args.integer_tolerance) if args.integer_tolerance else "",
        floats, "identical" if args.float_tolerance is None
        else "within %.2g (worst %.2g)" % (args.float_tolerance, worst)))


if __name__ == "__main__":
    main()

"""Compares two output folders of gaon-run (output_N.npy) bit for bit.

Every file must exist in both, with the same dtype, shape and bytes.
Prints how many tensors matched, and of which dtypes; exits non-zero on the
first difference, naming the file and the first differing index.

Usage: compare_outputs.py DIR_A DIR_B
"""
import os
import sys

import numpy as np


def main():
    a, b = sys.argv[1:3]
    names = sorted(f for f in os.listdir(a) if f.endswith(".npy"))
    if names != sorted(f for f in os.listdir(b) if f.endswith(".npy")):
        sys.exit("the folders hold different outputs")
    kinds = {}
    for name in names:
        x, y = np.load(os.path.join(a, name)), np.load(os.path.join(b, name))
        if x.dtype != y.dtype or x.shape != y.shape:
            sys.exit("%s: %s%s against %s%s" % (name, x.dtype, x.shape, y.dtype, y.shape))
        if x.tobytes() != y.tobytes():
            first = np.flatnonzero(x.ravel() != y.ravel())[0]
            sys.exit("%s differs first at flat index %d: %r against %r"
                     % (name, first, x.ravel()[first], y.ravel()[first]))
        kinds[str(x.dtype)] = kinds.get(str(x.dtype), 0) + 1
    print("%d tensors bit-identical (%s)" % (
        len(names), ", ".join("%d %s" % (n, k) for k, n in sorted(kinds.items()))))


if __name__ == "__main__":
    main()
